#!/usr/bin/env bash
# The one test command (npm test): installs the servers the tests start (Debian packages; npm ones
# come with npm ci), builds the CLI, type-checks, runs every vitest suite, and ends with the plain
# "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci
bash scripts/test-env.sh
npm run build --silent
npx tsc -p tsconfig.json --noEmit
mkdir -p .cache
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true  # the SDK is pinned for Node 20
set +e
npx vitest run --reporter=default --reporter=json --outputFile.json=.cache/vitest.json "$@"
status=$?
set -e
node scripts/summary.mjs .cache/vitest.json
exit $status
