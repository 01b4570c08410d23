#!/usr/bin/env bash
# Builds kustomize v5 (the CLI, sigs.k8s.io/kustomize/kustomize/v5) from the Go module proxy, once
# per version, into the cache outside the clone (GITSCALE_CACHE, default ~/.cache/gitscale). The
# tests render config/ with it and apply the result to the real API server.
# Cold: ~1–2 min on 2 cores. Cached: instant. Prints the binary's path.
set -euo pipefail
V=${KUSTOMIZE_VERSION:-v5.8.1}
CACHE=${GITSCALE_CACHE:-$HOME/.cache/gitscale}
OUT=$CACHE/kustomize-$V
mkdir -p "$CACHE"
export GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=local

exec 9>"$CACHE/kustomize-$V.lock"
flock 9
if [ ! -x "$OUT/kustomize" ]; then
  command -v go >/dev/null || { echo "build-kustomize: go is needed" >&2; exit 1; }
  mkdir -p "$OUT"
  t0=$(date +%s)
  GOBIN=$OUT/bin.$$ go install -trimpath -ldflags="-s -w" "sigs.k8s.io/kustomize/kustomize/v5@$V"
  mv "$OUT/bin.$$/kustomize" "$OUT/kustomize"
  rm -rf "$OUT/bin.$$"
  echo "build-kustomize: +$(($(date +%s) - t0))s kustomize $V done" >&2
fi
echo "$OUT/kustomize"
