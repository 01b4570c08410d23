// Every src/**/index.ts is imported by something (src, test or bench): one nothing imports is a second,
// unused way into its folder, and it goes stale while the files it re-exports move on.
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importGraph, root, tsFiles } from './source-graph.js';

const files = ['src', 'test', 'bench'].flatMap((d) => tsFiles(join(root, d))).map((f) => relative(root, f));
const graph = importGraph(files, new Set(files));
const imported = new Set([...graph.values()].flat());
const indexes = files.filter((f) => f.startsWith('src/') && f.endsWith('/index.ts'));

describe('index.ts files', () => {
  it('are found (src/ has some)', () => {
    expect(indexes.length).toBeGreaterThan(0);
  });

  it('are each imported by some file', () => {
    const dangling = indexes.filter((i) => !imported.has(i));
    expect(dangling, `index.ts nothing imports (remove it, or import its folder through it):\n${dangling.join('\n')}`).toEqual([]);
  });
});
