#!/usr/bin/env bash
# The one test command (npm test): installs the servers the tests start (Debian packages; npm ones
# come with npm ci), builds the CLI, type-checks, runs every vitest suite, and ends with the plain
# "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci
# npm scripts put node_modules/.bin first on PATH: the `node` devDependency (Node 24) runs everything
# (the PATH line covers `bash scripts/test.sh` run directly, and a first run that just installed it).
export PATH="$PWD/node_modules/.bin:$PATH"
echo "test: node $(node --version)"
[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 24 ] || { echo "test: Node 24 or later is needed (npm ci installs it as the node devDependency; run through npm test)" >&2; exit 1; }
bash scripts/test-env.sh
npm run build --silent
npx tsc -p tsconfig.json --noEmit
mkdir -p .cache
set +e
npx vitest run --reporter=default --reporter=json --outputFile.json=.cache/vitest.json "$@"
status=$?
set -e
node scripts/summary.mjs .cache/vitest.json
exit $status
