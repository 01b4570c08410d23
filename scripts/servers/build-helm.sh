#!/usr/bin/env bash
# helm v3 from the Go module proxy, cached by version: the tests lint and render charts/gitscale
# with it and apply the result to the real API server. Cold: about a minute. Prints its path.
set -euo pipefail
V=${HELM_VERSION:-v3.21.4}
# Version stamping as helm's Makefile does, so `helm version` tells the truth.
exec bash "$(dirname "$0")/go-install.sh" helm "$V" helm.sh/helm/v3/cmd/helm "-X helm.sh/helm/v3/internal/version.version=$V"
