#!/usr/bin/env bash
# Builds helm v3 (helm.sh/helm/v3/cmd/helm) from the Go module proxy, once per version, into the
# cache outside the clone (GITSCALE_CACHE, default ~/.cache/gitscale). The tests lint and render
# charts/gitscale with it and apply the result to the real API server.
# Cold: a few minutes on 2 cores. Cached: instant. Prints the binary's path.
set -euo pipefail
V=${HELM_VERSION:-v3.21.4}
CACHE=${GITSCALE_CACHE:-$HOME/.cache/gitscale}
OUT=$CACHE/helm-$V
mkdir -p "$CACHE"
export GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=local

exec 9>"$CACHE/helm-$V.lock"
flock 9
if [ ! -x "$OUT/helm" ]; then
  command -v go >/dev/null || { echo "build-helm: go is needed" >&2; exit 1; }
  mkdir -p "$OUT"
  t0=$(date +%s)
  # Version stamping as helm's Makefile does, so `helm version` tells the truth.
  GOBIN=$OUT/bin.$$ go install -trimpath -ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$V" "helm.sh/helm/v3/cmd/helm@$V"
  mv "$OUT/bin.$$/helm" "$OUT/helm"
  rm -rf "$OUT/bin.$$"
  echo "build-helm: +$(($(date +%s) - t0))s helm $V done" >&2
fi
echo "$OUT/helm"
