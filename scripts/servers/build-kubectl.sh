#!/usr/bin/env bash
# Builds a real kubectl from the Go module proxy, once per version, into a cache outside the clone
# (GITSCALE_CACHE, default ~/.cache/gitscale/kubectl-VERSION/kubectl). No git, Docker or tarballs.
# k8s.io/kubernetes/cmd/kubectl sits in a module that replaces its staging modules with
# ./staging/..., so `go install` refuses it: a wrapper module requires the published staging module
# k8s.io/kubectl v0.<minor>.<patch> and its main.go mirrors cmd/kubectl/kubectl.go of the release.
# Cold: ~2.7 min on 2 cores (~45 s once build-kube.sh has filled Go's build cache), ~0.9 GB RAM
# at peak. Cached: instant. Prints the binary path.
set -euo pipefail
. "$(dirname "$0")/kube-lib.sh"
KV=${KUBECTL_VERSION:-v1.37.2}   # needs go >= the `go` line of k8s.io/kubectl's go.mod (1.26.0)
CACHE=${GITSCALE_CACHE:-$HOME/.cache/gitscale}
OUT=$CACHE/kubectl-$KV
mkdir -p "$CACHE"
export GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=local

# One build at a time (the test setup and test-env.sh may both ask): wait for a build in flight.
exec 9>"$CACHE/kubectl-$KV.lock"
flock 9
if [ ! -x "$OUT/kubectl" ]; then
  command -v go >/dev/null || { echo "build-kubectl: go is needed" >&2; exit 1; }
  W=$CACHE/kubectl-build-$KV
  rm -rf "$W"
  mkdir -p "$W" "$OUT"
  t0=$(date +%s)
  log() { echo "build-kubectl: +$(($(date +%s) - t0))s $*" >&2; }

  staging=v0.${KV#v1.}   # staging modules are published as v0.<minor>.<patch>
  # The staging module's own go.mod says which Go it needs.
  MOD=$(gomod_of "k8s.io/kubectl@$staging" "$W" build-kubectl)
  require_go "$MOD" build-kubectl "k8s.io/kubectl@$staging"
  need=$(awk '$1 == "go" { print $2; exit }' "$MOD")
  {
    printf 'module local/kubectlbuild\n\ngo %s\n' "$need"
    grep -E '^godebug ' "$MOD" || true
    printf '\nrequire k8s.io/kubectl %s\n' "$staging"
  } >"$W/go.mod"
  # As k8s.io/kubernetes/cmd/kubectl/kubectl.go of v1.37.2, auth plugins included.
  cat >"$W/main.go" <<'EOF'
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/component-base/logs"
	"k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/util"

	// Import to initialize client auth plugins.
	_ "k8s.io/client-go/plugin/pkg/client/auth"
)

func main() {
	logs.GlogSetter(cmd.GetLogVerbosity(os.Args)) // nolint:errcheck
	command := cmd.NewDefaultKubectlCommand()
	if err := cli.RunNoErrOutput(command); err != nil {
		util.CheckErr(err)
	}
}
EOF
  # Version stamping as hack/lib/version.sh does, so `kubectl version` reports $KV, not v0.0.0-master.
  ldflags=$(kube_ldflags "$KV")
  log "kubectl $KV: resolving modules"
  (cd "$W" && go mod tidy >"$W/go-tidy.log" 2>&1) || { tail -n 20 "$W/go-tidy.log" >&2; exit 1; }
  log "kubectl $KV: compiling"
  (cd "$W" && go build -trimpath -ldflags="$ldflags" -o "$OUT/kubectl.tmp.$$" .)
  mv "$OUT/kubectl.tmp.$$" "$OUT/kubectl"
  rm -rf "$W"
  log "done"
fi
echo "$OUT/kubectl"
