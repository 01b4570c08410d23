#!/usr/bin/env bash
# Builds a Gitea server from the Go module proxy, once per version, into a cache outside the clone
# (GITSCALE_CACHE, default ~/.cache/gitscale). Gitea's go.mod has replace directives, so
# `go install` refuses it: a wrapper module copies them and builds code.gitea.io/gitea.
# Without the bindata tag Gitea reads templates/ and options/ from its work path: the module
# source (printed as the second line of output) serves as that work path.
set -euo pipefail
V=${GITEA_VERSION:-1.26.0}  # 1.27 renamed its module to gitea.dev, which the proxy does not serve
CACHE=${GITSCALE_CACHE:-$HOME/.cache/gitscale}
OUT=$CACHE/gitea-$V
mkdir -p "$CACHE"
# One build at a time (the test setup and test-env.sh may both ask): wait for a build in flight.
exec 9>"$CACHE/gitea-$V.lock"
flock 9
if [ ! -x "$OUT/gitea" ]; then
  W=$CACHE/gitea-build-$V
  mkdir -p "$W" "$OUT"
  cd "$W"
  [ -f go.mod ] || go mod init local/giteabuild >/dev/null 2>&1
  MOD=$(go mod download -json "code.gitea.io/gitea@v$V" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  # Copy every replace directive (single-line form) from Gitea's own go.mod.
  sed -n 's/^replace \([^ ]*\) => \([^ ]*\) \([^ /]*\).*/\1=\2@\3/p' "$MOD" | while read -r r; do go mod edit -replace="$r"; done
  go get "code.gitea.io/gitea@v$V" >/dev/null
  CGO_ENABLED=1 go build -trimpath -ldflags=-s -tags 'sqlite sqlite_unlock_notify' -o "$OUT/gitea.tmp.$$" code.gitea.io/gitea
  mv "$OUT/gitea.tmp.$$" "$OUT/gitea"
fi
echo "$OUT/gitea"
go mod download -json "code.gitea.io/gitea@v$V" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p'
