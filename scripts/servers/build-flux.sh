#!/usr/bin/env bash
# Builds Flux's own source-controller and kustomize-controller (v1.7.3, the pair of Flux v2.7)
# from the Go module proxy, once per version, into the cache outside the clone (GITSCALE_CACHE,
# default ~/.cache/gitscale), with their CRDs. Both go.mod files carry replace directives, so
# `go install` refuses them: a throwaway wrapper module per controller requires it at the tag and
# copies its replaces (all but the local ./api one: that sub-module is published at the same tag).
# Newer tags (v1.8+) need dependency versions the proxy here does not serve.
# Cold: ~7 min on 2 cores, ~1.6 GB RAM at peak. Cached: instant. Prints the cache directory.
set -euo pipefail
V=${FLUX_VERSION:-v1.7.3}
CACHE=${GITSCALE_CACHE:-$HOME/.cache/gitscale}
OUT=$CACHE/flux-$V
mkdir -p "$CACHE"
export GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=local

# One build at a time (the test setup and test-env.sh may both ask): wait for a build in flight.
exec 9>"$CACHE/flux-$V.lock"
flock 9
if [ ! -x "$OUT/source-controller" ] || [ ! -x "$OUT/kustomize-controller" ] || [ ! -d "$OUT/crds" ]; then
  command -v go >/dev/null || { echo "build-flux: go is needed" >&2; exit 1; }
  W=$CACHE/flux-build-$V
  mkdir -p "$W" "$OUT/crds"
  t0=$(date +%s)
  log() { echo "build-flux: +$(($(date +%s) - t0))s $*" >&2; }
  have=$(go env GOVERSION); have=${have#go}

  build() { # name
    local name=$1 mod="github.com/fluxcd/$1" info gomod dir need wdir
    [ -x "$OUT/$name" ] && return 0
    info=$(cd "$W" && go mod download -json "$mod@$V" || true)
    gomod=$(sed -n 's/.*"GoMod": "\(.*\)".*/\1/p' <<<"$info")
    [ -f "$gomod" ] || { echo "build-flux: cannot download $mod@$V: $info" >&2; exit 1; }
    need=$(awk '$1 == "go" { print $2; exit }' "$gomod")
    if [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -n1)" != "$need" ]; then
      echo "build-flux: $mod@$V needs go >= $need, this is go $have" >&2
      exit 1
    fi
    dir=$(sed -n 's/.*"Dir": "\(.*\)".*/\1/p' <<<"$info")
    [ -d "$dir" ] || { echo "build-flux: $mod@$V was not extracted: $info" >&2; exit 1; }
    cp "$dir"/config/crd/bases/*.yaml "$OUT/crds/"
    wdir=$W/$name
    rm -rf "$wdir"
    mkdir -p "$wdir"
    {
      printf 'module local/fluxbuild/%s\n\ngo %s\n' "$name" "$need"
      grep -E '^godebug ' "$gomod" || true
      printf '\nrequire %s %s\n\n' "$mod" "$V"
      # Every replace directive, one per line, except those pointing at a local path.
      awk '
        /^replace[ \t]*\($/ { blk = 1; next }
        blk && /^\)/ { blk = 0; next }
        /^replace[ \t]/ { sub(/^replace[ \t]+/, ""); line = $0 }
        blk { line = $0 }
        line != "" {
          sub(/\/\/.*/, "", line); gsub(/^[ \t]+|[ \t]+$/, "", line)
          split(line, g, / => /); cur = line; line = ""
          if (cur == "" || g[2] ~ /^\.\.?\//) next
          print "replace " cur
        }' "$gomod"
    } >"$wdir/go.mod"
    log "$name $V: resolving modules"
    (cd "$wdir" && go get "$mod@$V" >/dev/null 2>&1) || (cd "$wdir" && go get "$mod@$V")
    log "$name $V: compiling"
    (cd "$wdir" && go build -trimpath -ldflags="-s -w" -o "$OUT/$name.tmp.$$" "$mod")
    mv "$OUT/$name.tmp.$$" "$OUT/$name"
  }
  build source-controller
  build kustomize-controller
  rm -rf "$W"
  log "done"
fi
echo "$OUT"
