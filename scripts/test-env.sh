#!/usr/bin/env bash
# Installs what the test servers need on a fresh Debian 12 machine (run as root), and builds Gitea,
# then etcd + kube-apiserver, then Flux's controllers (one Go build at a time: 2 cores gain nothing from running them together). Idempotent:
# it runs apt-get only when something is missing, and starts no services (the tests start their own).
set -euo pipefail

missing=()
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || missing+=(redis-server)
[ -x /usr/lib/git-core/git-http-backend ] || missing+=(git)
# promtool (Prometheus's own) judges the /metrics text in the tests.
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
if ! compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
  missing+=(postgresql)
fi

# Gitea is built from the Go module proxy once per version into ~/.cache/gitscale (a few minutes cold).
build_gitea() {
  command -v go >/dev/null || { echo "test-env: go is needed to build Gitea" >&2; exit 1; }
  bash "$(dirname "$0")/servers/build-gitea.sh" >/dev/null
  echo "test-env: gitea ready"
}

# etcd + kube-apiserver, then Flux's source- and kustomize-controller, kustomize, helm and kubectl
# (the README install test), built the same way into the same cache (~8, ~9, <1, ~1 and ~1-3 min
# cold, instant when cached), one after the other.
build_kube() {
  command -v go >/dev/null || { echo "test-env: go is needed to build kube-apiserver, etcd and Flux" >&2; exit 1; }
  bash "$(dirname "$0")/servers/build-kube.sh" >/dev/null
  echo "test-env: kube-apiserver and etcd ready"
  bash "$(dirname "$0")/servers/build-flux.sh" >/dev/null
  echo "test-env: Flux source-controller and kustomize-controller ready"
  bash "$(dirname "$0")/servers/build-kustomize.sh" >/dev/null
  echo "test-env: kustomize ready"
  bash "$(dirname "$0")/servers/build-helm.sh" >/dev/null
  echo "test-env: helm ready"
  bash "$(dirname "$0")/servers/build-kubectl.sh" >/dev/null
  echo "test-env: kubectl ready"
}

if [ ${#missing[@]} -eq 0 ]; then
  echo "test-env: redis-server, postgresql and promtool already installed"
  build_gitea
  build_kube
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "test-env: missing ${missing[*]}; run this script as root to install them" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only if they are absent or apt cannot find a candidate.
if [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e '^lock$' -e '^partial$')" ] \
  || [ "$(apt-cache policy "${missing[@]}" 2>/dev/null | grep -c 'Candidate: [0-9]')" -lt ${#missing[@]} ]; then
  apt-get update
fi
# policy-rc.d keeps the packages' postinst from starting system services.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  created_policy=1
fi
trap '[ "$created_policy" -eq 1 ] && rm -f "$policy"' EXIT
apt-get install -y --no-install-recommends "${missing[@]}"

command -v redis-server >/dev/null
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null
id -u postgres >/dev/null
echo "test-env: installed ${missing[*]}"
build_gitea
build_kube
