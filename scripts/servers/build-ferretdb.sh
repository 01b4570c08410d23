#!/usr/bin/env bash
# Builds FerretDB v1 (a MongoDB wire-protocol server; v1 has an embedded SQLite backend, so it needs
# no PostgreSQL) from the Go module proxy, once per version, into the cache outside the clone
# (GITSCALE_CACHE, default ~/.cache/gitscale/ferretdb-VERSION/ferretdb), one build at a time.
# Its go.mod has no replace directives, so `go install ...@vX` compiles, but the binary then panics
# at start: build/version wants a version.txt that its Taskfile generates with `git describe` and the
# module zip lacks. So the module source is copied to a scratch dir, version.txt and commit.txt are
# written there (the tag and the commit the proxy reports), and `go build` runs in it with the
# module's own go.mod and go.sum. Default build tags: SQLite (modernc.org/sqlite, pure Go) and
# PostgreSQL backends, no debug build. v1.24.2 is the newest tag the proxy here serves.
# Cold: ~2.8 min on 2 cores from empty Go module and build caches (~1.5 min once the other builds
# have filled them), ~0.6 GB RAM at peak. Cached: instant. Prints the binary path.
set -euo pipefail
V=${FERRETDB_VERSION:-v1.24.2}
CACHE=${GITSCALE_CACHE:-$HOME/.cache/gitscale}
OUT=$CACHE/ferretdb-$V
mkdir -p "$CACHE"
export GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=local

# One build at a time (the test setup and test-env.sh may both ask): wait for a build in flight.
exec 9>"$CACHE/ferretdb-$V.lock"
flock 9
if [ ! -x "$OUT/ferretdb" ]; then
  command -v go >/dev/null || { echo "build-ferretdb: go is needed" >&2; exit 1; }
  W=$CACHE/ferretdb-build-$V
  rm -rf "$W"
  mkdir -p "$W" "$OUT"
  t0=$(date +%s)
  log() { echo "build-ferretdb: +$(($(date +%s) - t0))s $*" >&2; }
  mod=github.com/FerretDB/FerretDB
  info=$(cd "$W" && go mod download -json "$mod@$V" || true)
  gomod=$(sed -n 's/.*"GoMod": "\(.*\)".*/\1/p' <<<"$info")
  dir=$(sed -n 's/.*"Dir": "\(.*\)".*/\1/p' <<<"$info")
  [ -f "$gomod" ] && [ -d "$dir" ] || { echo "build-ferretdb: cannot download $mod@$V: $info" >&2; exit 1; }
  need=$(awk '$1 == "go" { print $2; exit }' "$gomod")
  have=$(go env GOVERSION); have=${have#go}
  if [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -n1)" != "$need" ]; then
    echo "build-ferretdb: $mod@$V needs go >= $need, this is go $have" >&2
    exit 1
  fi
  cp -r "$dir" "$W/src"
  chmod -R u+w "$W/src"   # the module cache is read-only
  echo "$V" >"$W/src/build/version/version.txt"
  commit=$(sed -n 's/.*"Hash": "\(.*\)".*/\1/p' <<<"$info")
  [ -z "$commit" ] || echo "$commit" >"$W/src/build/version/commit.txt"
  log "$mod $V: compiling"
  (cd "$W/src" && go build -trimpath -ldflags="-s -w" -o "$OUT/ferretdb.tmp.$$" ./cmd/ferretdb)
  "$OUT/ferretdb.tmp.$$" --version >/dev/null   # panics at init if build/version is unhappy
  mv "$OUT/ferretdb.tmp.$$" "$OUT/ferretdb"
  rm -rf "$W"
  log "done"
fi
echo "$OUT/ferretdb"
