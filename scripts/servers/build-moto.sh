#!/usr/bin/env bash
# moto server (a local AWS: STS, SQS, S3, ...) from PyPI, once per version, into a virtualenv in the
# cache outside the clone (GITSCALE_CACHE, default ~/.cache/gitscale/moto-VERSION), one install at a
# time. Needs python3 with venv. Cold: ~40 s. Cached: instant. Prints the moto_server path.
set -euo pipefail
V=${MOTO_VERSION:-5.2.6}
CACHE=${GITSCALE_CACHE:-$HOME/.cache/gitscale}
OUT=$CACHE/moto-$V
mkdir -p "$CACHE"

exec 9>"$CACHE/moto-$V.lock"
flock 9
if [ ! -x "$OUT/bin/moto_server" ]; then
  command -v python3 >/dev/null || { echo "build-moto: python3 is needed" >&2; exit 1; }
  t0=$(date +%s)
  rm -rf "$OUT"
  python3 -m venv "$OUT" >&2
  "$OUT/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$V" >&2 || { rm -rf "$OUT"; exit 1; }
  echo "build-moto: +$(($(date +%s) - t0))s moto $V done" >&2
fi
echo "$OUT/bin/moto_server"
