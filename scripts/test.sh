#!/usr/bin/env bash
# The one test command (npm test): installs the servers the tests start (Debian packages; npm ones
# come with npm ci), type-checks once and builds the CLI from it while `npm run lint` checks the style,
# runs every vitest project (unit, integration, then chaos one file at a time), and ends with the plain
# "N passed, N failed" line (the lint counted as one test).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci
# npm scripts put node_modules/.bin first on PATH: the `node` devDependency (Node 24) runs everything
# (the PATH line covers `bash scripts/test.sh` run directly, and a first run that just installed it).
export PATH="$PWD/node_modules/.bin:$PATH"
echo "test: node $(node --version)"
[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 24 ] || { echo "test: Node 24 or later is needed (npm ci installs it as the node devDependency; run through npm test)" >&2; exit 1; }
bash scripts/test-env.sh
mkdir -p .cache
# The style check (npm run lint: Prettier's layout, then ESLint's type-aware rules; no writes, ~35 s
# of one core) runs in the background from here: beside the type-check (one core each), then beside
# the start of the tests (the servers' start, for the integration project), so it holds nothing up.
# Its verdict is printed after the tests, and a failure fails npm test.
npm run -s lint >.cache/lint.log 2>&1 &
lint_pid=$!
# One type-check of everything (src, test, bench, scripts); what it emits for src/ is the CLI the
# end-to-end tests run (dist/, the same tsc output `npm run build` gives).
rm -rf .cache/tsc
npx tsc -p tsconfig.json --noEmit false --outDir .cache/tsc --rootDir .
rm -rf dist && cp -r .cache/tsc/src dist && node scripts/chmod-bin.mjs
set +e
# The projects of vitest.config.ts: unit, integration (one start of every real server) and chaos
# (after the rest, one file at a time, on the same servers).
npx vitest run --reporter=default --reporter=json --outputFile.json=.cache/vitest.json "$@"
status=$?
wait "$lint_pid"
lint_status=$?
if [ "$lint_status" -eq 0 ]; then
  echo "test: npm run lint passed"
else
  cat .cache/lint.log
  echo "test: npm run lint FAILED (above; \`npm run fix\` rewrites the layout and what the rules fix themselves)"
  status=1
fi
# The lint counts as one test in the closing line, beside vitest's.
echo "{\"numPassedTests\": $((lint_status == 0)), \"numFailedTests\": $((lint_status != 0)), \"numPendingTests\": 0, \"testResults\": []}" >.cache/lint.json
node scripts/summary.mjs .cache/vitest.json .cache/lint.json
set -e
exit $status
