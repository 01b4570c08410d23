// Prints vitest's totals as the plain closing line CI reads: "N passed, N failed" (summed over
// every results file given). A file whose setup or hook threw, so its tests never ran, is one failure;
// a run that wrote no results (it did not start) is one too.
import { readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of process.argv.slice(2)) {
  let r;
  try {
    r = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    failed += 1;
    console.error(`no vitest results in ${file}: ${e.message}`);
    continue;
  }
  passed += r.numPassedTests;
  // A file that failed without a failed test (its setup or a hook threw: its tests never ran) counts as one failure.
  const brokenFiles = (r.testResults ?? []).filter(
    (f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed'),
  ).length;
  failed +=
    r.numFailedTests + (r.testResults ? brokenFiles : r.numFailedTestSuites > 0 && r.numFailedTests === 0 ? r.numFailedTestSuites : 0);
  skipped += r.numPendingTests;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
