# Shared by build-kube.sh and build-kubectl.sh (sourced): Kubernetes modules fetched from the Go
# module proxy, the Go they need, and the version stamp hack/lib/version.sh would give.

# gomod_of MODULE@VERSION DIR LABEL: downloads the module (in DIR) and prints the path of its go.mod.
gomod_of() {
  local info mod
  info=$(cd "$2" && go mod download -json "$1" || true)
  mod=$(sed -n 's/.*"GoMod": "\(.*\)".*/\1/p' <<<"$info")
  [ -f "$mod" ] || { echo "$3: cannot download $1: $info" >&2; exit 1; }
  echo "$mod"
}

# require_go GOMOD LABEL WHAT: fails clearly unless this Go is at least the `go` line of GOMOD.
require_go() {
  local need have
  need=$(awk '$1 == "go" { print $2; exit }' "$1")
  have=$(go env GOVERSION); have=${have#go}
  if [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -n1)" != "$need" ]; then
    echo "$2: $3 needs go >= $need, this is go $have" >&2
    exit 1
  fi
}

# kube_ldflags VERSION: -s -w and the version stamp, so `version` reports VERSION, not v0.0.0-master.
kube_ldflags() {
  local minor=${1#v1.} flags="-s -w" pkg
  minor=${minor%%.*}
  for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
    flags+=" -X $pkg.gitVersion=$1 -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    flags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  echo "$flags"
}
