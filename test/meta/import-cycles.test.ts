// No import cycle between the files of src/: a cycle makes the load order decide which module sees
// the other half-initialised, and the rooms of docs/architecture.md §1 stop being layers. Every form
// of import counts, type-only ones too (a type cycle is the same tangle, only erased at run time).
import { describe, expect, it } from 'vitest';
import { cycles, importsOf, loopThrough, sourceGraph } from './source-graph.js';

describe('import cycles', () => {
  it('src/ has none', () => {
    const graph = sourceGraph('src');
    const found = cycles(graph).map((c) => `${c.length} files, e.g. ${loopThrough(graph, c).join(' → ')}: ${c.join(', ')}`);
    expect(found, `import cycles in src/:\n${found.join('\n')}`).toEqual([]);
  });

  it('reads every form of import: type-only, re-export, side effect, dynamic and typeof import()', () => {
    const text = [
      "import type { A } from './a.js';",
      "export { b } from './b.js';",
      "import './c.js';",
      "const d = await import('./d.js');",
      "type E = typeof import('./e.js');",
    ].join('\n');
    expect(importsOf(text)).toEqual(['./a.js', './b.js', './c.js', './d.js', './e.js']);
  });

  it('finds each cycle once, with a loop through it, and not what only leads into one', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a', 'd']],
      ['d', []],
      ['e', ['a']],
      ['f', ['f']],
    ]);
    expect(cycles(graph)).toEqual([['a', 'b', 'c'], ['f']]);
    expect(loopThrough(graph, ['a', 'b', 'c'])).toEqual(['a', 'b', 'c', 'a']);
    expect(loopThrough(graph, ['f'])).toEqual(['f', 'f']);
  });
});
