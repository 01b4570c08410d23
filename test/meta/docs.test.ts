// Code cites the semantics in docs/ by section (`docs/semantics.md §8.2`, or `semantics §11` in a
// test name): every cited section exists, and nothing cites the notes outside the repository
// that docs/ replaced.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const self = relative(root, import.meta.filename);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|mjs|sh)$/.test(n) ? [p] : [];
  });
}
const sources = ['src', 'test', 'bench', 'scripts']
  .flatMap((d) => files(join(root, d)))
  .map((f) => ({ path: relative(root, f), text: readFileSync(f, 'utf8') }))
  .filter((s) => s.path !== self);

/** Section numbers of a docs/ page: its `## 8.` and `### 8.2` headings. */
function sections(doc: string): string[] {
  const text = readFileSync(join(root, 'docs', doc), 'utf8');
  return [...text.matchAll(/^#{2,3} (\d+(?:\.\d+)?)\.? /gm)].map((m) => m[1]);
}

interface Citation {
  at: string;
  doc: string;
  section: string;
}

/** The § numbers after each docs path on a line (up to the next path); a bare `semantics §N` means semantics.md. */
function citations(path: string, text: string): Citation[] {
  return text.split('\n').flatMap((line, i) => {
    const parts = line.split(/(docs\/[\w-]+\.md|\bsemantics(?= §))/);
    const out: Citation[] = [];
    for (let k = 1; k < parts.length; k += 2) {
      const doc = parts[k] === 'semantics' ? 'semantics.md' : parts[k].slice('docs/'.length);
      for (const m of parts[k + 1].matchAll(/§(\d+(?:\.\d+)?)/g)) out.push({ at: `${path}:${i + 1}`, doc, section: m[1] });
    }
    return out;
  });
}

const cited = sources.flatMap((s) => citations(s.path, s.text));

describe('citations of docs/', () => {
  it('are there: the engine, the routing and the engine tests cite sections', () => {
    for (const file of [
      'src/engine/decide.ts',
      'src/engine/hpa.ts',
      'src/engine/metric.ts',
      'src/engine/observe.ts',
      'src/reconciler/tick/route.ts',
      'src/config/pause.ts',
      'test/engine/decide.test.ts',
    ]) {
      expect(
        cited.some((c) => c.at.startsWith(`${file}:`)),
        file,
      ).toBe(true);
    }
  });

  it('each name a section that exists', () => {
    const known = new Map<string, string[]>();
    for (const c of cited) {
      if (!known.has(c.doc)) known.set(c.doc, sections(c.doc));
      expect(known.get(c.doc), `${c.at} cites docs/${c.doc} §${c.section}`).toContain(c.section);
    }
  });

  it('none cites the notes outside the repository (SEMANTICS.md, STYLE.md, DESIGN.md, reference/keda.md, ../shared/): docs/ holds them', () => {
    for (const s of sources)
      expect(s.text, s.path).not.toMatch(/SEMANTICS|STYLE §|STYLE\.md|DESIGN|reference\/keda\.md|\bkeda\.md|\.\.\/shared\//);
  });
});
