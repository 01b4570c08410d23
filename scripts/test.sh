#!/usr/bin/env bash
# The one test command (npm test): installs the servers the tests start (Debian packages; npm ones
# come with npm ci), builds the CLI, type-checks, runs every vitest suite (test/chaos last, one file
# at a time), and ends with the plain "N passed, N failed" line.
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
if [ $# -gt 0 ]; then
  npx vitest run --reporter=default --reporter=json --outputFile.json=.cache/vitest.json "$@"
  status=$?
  node scripts/summary.mjs .cache/vitest.json
else
  # The chaos suite (push storms, kill -9, fuzzing) saturates the CPU: it runs after the rest, one
  # file at a time, so neither its timings nor the other suites' are measured on a loaded machine.
  npx vitest run --exclude 'test/chaos/**' --reporter=default --reporter=json --outputFile.json=.cache/vitest.json
  main=$?
  npx vitest run test/chaos --no-file-parallelism --reporter=default --reporter=json --outputFile.json=.cache/vitest-chaos.json
  chaos=$?
  status=$(( main != 0 ? main : chaos ))
  node scripts/summary.mjs .cache/vitest.json .cache/vitest-chaos.json
fi
set -e
exit $status
