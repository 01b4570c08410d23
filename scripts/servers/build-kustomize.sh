#!/usr/bin/env bash
# kustomize v5 (the CLI) from the Go module proxy, cached by version: the tests render config/
# with it and apply the result to the real API server. Cold: well under a minute. Prints its path.
set -euo pipefail
V=${KUSTOMIZE_VERSION:-v5.8.1}
exec bash "$(dirname "$0")/go-install.sh" kustomize "$V" sigs.k8s.io/kustomize/kustomize/v5
