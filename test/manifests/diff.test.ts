// unifiedDiff: git's layout, and patches that `git apply` accepts.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { setReplicas, unifiedDiff } from '../../src/manifests/index.js';
import { tempDir } from '../support/temp.js';

const target = { kind: 'Deployment', name: 'consumer', namespace: 'default' };
const lines = (n: number, at: number, value: string): string =>
  Array.from({ length: n }, (_, i) => (i === at ? value : `line${i + 1}`)).join('\n') + '\n';

describe('unifiedDiff', () => {
  it.each([
    {
      name: 'one changed line with three lines of context',
      before: lines(10, 4, 'replicas: 3'),
      after: lines(10, 4, 'replicas: 5'),
      want: '--- a/apps/c.yaml\n+++ b/apps/c.yaml\n@@ -2,7 +2,7 @@\n line2\n line3\n line4\n-replicas: 3\n+replicas: 5\n line6\n line7\n line8\n',
    },
    {
      name: 'single-line file: counts of 1 are omitted',
      before: 'replicas: 3\n',
      after: 'replicas: 4\n',
      want: '--- a/apps/c.yaml\n+++ b/apps/c.yaml\n@@ -1 +1 @@\n-replicas: 3\n+replicas: 4\n',
    },
    {
      name: 'inserted line',
      before: 'spec:\n  selector: {}\n',
      after: 'spec:\n  replicas: 2\n  selector: {}\n',
      want: '--- a/apps/c.yaml\n+++ b/apps/c.yaml\n@@ -1,2 +1,3 @@\n spec:\n+  replicas: 2\n   selector: {}\n',
    },
    {
      name: 'no newline at end of file',
      before: 'a\nreplicas: 3',
      after: 'a\nreplicas: 4',
      want: '--- a/apps/c.yaml\n+++ b/apps/c.yaml\n@@ -1,2 +1,2 @@\n a\n-replicas: 3\n\\ No newline at end of file\n+replicas: 4\n\\ No newline at end of file\n',
    },
    {
      name: 'CRLF lines keep their \\r',
      before: 'a\r\nreplicas: 3\r\n',
      after: 'a\r\nreplicas: 4\r\n',
      want: '--- a/apps/c.yaml\n+++ b/apps/c.yaml\n@@ -1,2 +1,2 @@\n a\r\n-replicas: 3\r\n+replicas: 4\r\n',
    },
    { name: 'equal texts', before: 'a\n', after: 'a\n', want: '' },
  ])('$name', ({ before, after, want }) => {
    expect(unifiedDiff('apps/c.yaml', before, after)).toBe(want);
  });

  it('has no Index: or ==== lines', () => {
    const out = unifiedDiff('x.yaml', 'a\n', 'b\n');
    expect(out).not.toMatch(/^(Index:|====)/m);
    expect(out.split('\n').slice(0, 2)).toEqual(['--- a/x.yaml', '+++ b/x.yaml']);
  });

  it('produces patches git apply accepts, CRLF and BOM included', async () => {
    const dir = await tempDir('diff');
    execFileSync('git', ['init', '-q', dir]);
    const files = {
      'apps/lf.yaml': 'kind: Deployment\nmetadata:\n  name: consumer\nspec:\n  replicas: 3 # c\n  selector: {}\n',
      'apps/crlf.yaml': '\uFEFFkind: Deployment\r\nmetadata:\r\n  name: consumer\r\nspec:\r\n  selector: {}\r\n',
    };
    for (const [file, before] of Object.entries(files)) {
      mkdirSync(join(dir, 'apps'), { recursive: true });
      writeFileSync(join(dir, file), before);
      const after = setReplicas(before, target, 7, file);
      writeFileSync(join(dir, 'change.patch'), unifiedDiff(file, before, after));
      execFileSync('git', ['-C', dir, 'apply', 'change.patch']);
      expect(readFileSync(join(dir, file), 'utf8')).toBe(after);
    }
  });
});
