// The source tree as the meta tests read it: the .ts files under a folder, and what each imports.
// Imports are read with TypeScript's own scanner (ts.preProcessFile), so every form counts: plain and
// type-only imports, `export ... from`, `import './x.js'`, dynamic `import('./x.js')` and
// `typeof import('./x.js')` alike. Only relative specifiers are followed (packages are not the tree).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

export const root = join(import.meta.dirname, '../..');

/** Every .ts file under `dir` (absolute paths, sorted). */
export function tsFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
    });
}

/** The module specifiers `text` imports, in every form (see the file's head). */
export function importsOf(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

/**
 * What each of `files` imports among `known` (both root-relative paths): a relative specifier resolves
 * as NodeNext writes it (`./x.js` is `./x.ts`), or to the folder's index.ts.
 */
export function importGraph(files: string[], known: ReadonlySet<string>): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets = importsOf(readFileSync(join(root, file), 'utf8'))
      .filter((s) => s.startsWith('.'))
      .map((s) => resolveSpecifier(file, s, known))
      .filter((t): t is string => t !== undefined);
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

function resolveSpecifier(from: string, spec: string, known: ReadonlySet<string>): string | undefined {
  const p = relative(root, join(root, dirname(from), spec));
  return [p, p.replace(/\.js$/, '.ts'), `${p}.ts`, join(p, 'index.ts')].find((c) => known.has(c));
}

/** The root-relative .ts files under `dir` (itself root-relative) and what each imports among them. */
export function sourceGraph(dir: string): Map<string, string[]> {
  const files = tsFiles(join(root, dir)).map((f) => relative(root, f));
  return importGraph(files, new Set(files));
}

/** Strongly connected components of `graph` (Tarjan), each with more than one file or importing itself. */
export function cycles(graph: ReadonlyMap<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return found.sort((a, b) => a[0].localeCompare(b[0]));
}

/** One shortest loop through `component`'s first file, as `a → b → a`: a place to start cutting. */
export function loopThrough(graph: ReadonlyMap<string, string[]>, component: string[]): string[] {
  const inside = new Set(component);
  const start = component[0];
  const cameFrom = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    for (const w of graph.get(queue[i]) ?? []) {
      if (!inside.has(w) || cameFrom.has(w)) continue;
      cameFrom.set(w, queue[i]);
      if (w === start) {
        const back: string[] = [];
        for (let at = queue[i]; at !== start; at = cameFrom.get(at)!) back.push(at);
        return [start, ...back.reverse(), start];
      }
      queue.push(w);
    }
  }
  return [start];
}
