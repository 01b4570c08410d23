#!/usr/bin/env bash
# go-install.sh NAME VERSION PACKAGE [LDFLAGS]: builds a Go command (one whose module needs no
# wrapper) from the Go module proxy, once per version, into the cache outside the clone
# (GITSCALE_CACHE, default ~/.cache/gitscale/NAME-VERSION/NAME), one build at a time.
# Prints the binary's path. Used by build-kustomize.sh and build-helm.sh.
set -euo pipefail
NAME=$1 V=$2 PKG=$3 LDFLAGS=${4:-}
CACHE=${GITSCALE_CACHE:-$HOME/.cache/gitscale}
OUT=$CACHE/$NAME-$V
mkdir -p "$CACHE"
export GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=local

exec 9>"$CACHE/$NAME-$V.lock"
flock 9
if [ ! -x "$OUT/$NAME" ]; then
  command -v go >/dev/null || { echo "build-$NAME: go is needed" >&2; exit 1; }
  mkdir -p "$OUT"
  t0=$(date +%s)
  GOBIN=$OUT/bin.$$ go install -trimpath -ldflags="-s -w $LDFLAGS" "$PKG@$V"
  mv "$OUT/bin.$$/$NAME" "$OUT/$NAME"
  rm -rf "$OUT/bin.$$"
  echo "build-$NAME: +$(($(date +%s) - t0))s $NAME $V done" >&2
fi
echo "$OUT/$NAME"
