#!/usr/bin/env bash
# Builds a real kube-apiserver and etcd from the Go module proxy, once per version, into a cache
# outside the clone (GITSCALE_CACHE, default ~/.cache/gitscale). No git, Docker or release tarballs.
# k8s.io/kubernetes replaces its staging modules with ./staging/..., so `go install` refuses it: a
# wrapper module requires the release and points each required staging module at its published
# v0.<minor>.<patch>. etcd's server module has replaces too: a wrapper main calls etcdmain.Main.
# Cold: ~8 min on 2 cores, ~2.4 GB RAM at peak. Cached: instant. Prints the two binary paths.
set -euo pipefail
. "$(dirname "$0")/kube-lib.sh"
KV=${KUBE_VERSION:-v1.37.2}   # needs go >= the `go` line of its go.mod (1.26.0 for v1.37.2)
EV=${ETCD_VERSION:-v3.7.0}    # the etcd pinned by that release's hack/lib/etcd.sh
CACHE=${GITSCALE_CACHE:-$HOME/.cache/gitscale}
OUT=$CACHE/kube-$KV-etcd-$EV
mkdir -p "$CACHE"
# The k8s module zip ships a go.work: never read one. Let go fill in go.sum; static binaries;
# never download another toolchain (fail with a clear message instead).
export GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=local

# One build at a time (the test setup and test-env.sh may both ask): wait for a build in flight.
exec 9>"$CACHE/kube-$KV-etcd-$EV.lock"
flock 9
if [ ! -x "$OUT/kube-apiserver" ] || [ ! -x "$OUT/etcd" ]; then
  command -v go >/dev/null || { echo "build-kube: go is needed" >&2; exit 1; }
  W=$CACHE/kube-build-$KV-etcd-$EV
  mkdir -p "$W" "$OUT"
  t0=$(date +%s)
  log() { echo "build-kube: +$(($(date +%s) - t0))s $*" >&2; }

  if [ ! -x "$OUT/kube-apiserver" ]; then
    # The release's own go.mod says which Go it needs and which staging modules it requires.
    MOD=$(gomod_of "k8s.io/kubernetes@$KV" "$W" build-kube)
    require_go "$MOD" build-kube "k8s.io/kubernetes@$KV"
    need=$(awk '$1 == "go" { print $2; exit }' "$MOD")
    staging=v0.${KV#v1.}   # staging modules are published as v0.<minor>.<patch>
    # Only modules both required at v0.0.0 and replaced: some replaced ones are not published.
    required=$(awk '/^require \(/ { f = 1; next } f && /^\)/ { f = 0 } f && $2 == "v0.0.0" { print $1 }' "$MOD")
    replaced=$(awk '/^replace \(/ { f = 1; next } f && /^\)/ { f = 0 } f && $3 ~ /^\.\/staging\// { print $1 }' "$MOD")
    A=$W/apiserver
    rm -rf "$A"
    mkdir -p "$A"
    {
      printf 'module local/kubeapiserverbuild\n\ngo %s\n' "$need"
      grep -E '^godebug ' "$MOD" || true
      printf '\nrequire k8s.io/kubernetes %s\n\nreplace (\n' "$KV"
      for m in $replaced; do
        if grep -qx "$m" <<<"$required"; then printf '\t%s => %s %s\n' "$m" "$m" "$staging"; fi
      done
      printf ')\n'
    } >"$A/go.mod"
    # Version stamping as hack/lib/version.sh does, so /version reports $KV rather than v0.0.0-master.
    ldflags=$(kube_ldflags "$KV")
    log "kube-apiserver $KV: resolving modules"
    (cd "$A" && go get "k8s.io/kubernetes/cmd/kube-apiserver@$KV" >"$W/go-get.log" 2>&1) || { tail -n 20 "$W/go-get.log" >&2; exit 1; }
    log "kube-apiserver $KV: compiling"
    (cd "$A" && go build -trimpath -ldflags="$ldflags" -o "$OUT/kube-apiserver.tmp.$$" k8s.io/kubernetes/cmd/kube-apiserver)
    mv "$OUT/kube-apiserver.tmp.$$" "$OUT/kube-apiserver"
  fi

  if [ ! -x "$OUT/etcd" ]; then
    E=$W/etcd
    rm -rf "$E"
    mkdir -p "$E"
    EMOD=$(cd "$W" && go mod download -json "go.etcd.io/etcd/server/v3@$EV" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
    [ -f "$EMOD" ] || { echo "build-kube: cannot download go.etcd.io/etcd/server/v3@$EV" >&2; exit 1; }
    printf 'module local/etcdbuild\n\ngo %s\n\nrequire go.etcd.io/etcd/server/v3 %s\n' \
      "$(awk '$1 == "go" { print $2; exit }' "$EMOD")" "$EV" >"$E/go.mod"
    cat >"$E/main.go" <<'EOF'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
EOF
    log "etcd $EV: compiling"
    (cd "$E" && go mod tidy >"$W/go-tidy.log" 2>&1) || { tail -n 20 "$W/go-tidy.log" >&2; exit 1; }
    (cd "$E" && go build -trimpath -ldflags=-s -o "$OUT/etcd.tmp.$$" .)
    mv "$OUT/etcd.tmp.$$" "$OUT/etcd"
  fi
  log "done"
fi
echo "$OUT/kube-apiserver"
echo "$OUT/etcd"
