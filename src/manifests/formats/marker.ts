// Marker comments, Flux-setter style: `replicas: 2 # {"$gitscale": "default/consumer"}` marks
// the scalar on the comment's line, in any document of any file. Only valid JSON after `#` counts.
import { isMap, isPair, isScalar, isSeq, visit, type Node } from 'yaml';
import type { Location, PathSeg, WorkloadTarget } from '../types.js';
import { checkAnchoredAncestors, fail, lineOf, parseChecked, rejectDuplicates, scalarLocation, showPath, type Ctx } from '../common.js';

const KEY = '$gitscale';

/**
 * Cheap screen, no parsing: false only when `text` cannot hold a marker for `object`. JSON may
 * escape characters (`\/`, `\u0024`), so any backslash keeps a file in.
 */
export function mayHoldMarker(text: string, object: string): boolean {
  if (!text.includes('#')) return false;
  return (text.includes(KEY) && text.includes(object)) || (text.includes('gitscale') && text.includes('\\'));
}

/** Offsets of `#` that start a JSON marker comment for `object` (some may lie inside strings; the caller checks). */
export function markerHashes(text: string, object: string): number[] {
  const out: number[] = [];
  const hasEscapes = text.includes('\\');
  for (let from = 0; from < text.length;) {
    const hit = hasEscapes ? text.indexOf('#', from) : text.indexOf(KEY, from);
    if (hit === -1) break;
    const start = text.lastIndexOf('\n', hit) + 1;
    let end = text.indexOf('\n', hit);
    if (end === -1) end = text.length;
    const line = text.slice(start, end);
    for (let h = line.indexOf('#'); h !== -1; h = line.indexOf('#', h + 1)) {
      if (isMarker(line.slice(h + 1), object)) {
        out.push(start + h);
        break;
      }
    }
    from = end + 1;
  }
  return out;
}

function isMarker(rest: string, object: string): boolean {
  const body = rest.trim();
  if (!body.startsWith('{') || !body.endsWith('}')) return false;
  try {
    const v = JSON.parse(body) as unknown;
    return typeof v === 'object' && v !== null && (v as Record<string, unknown>)[KEY] === object;
  } catch {
    return false;
  }
}

interface Marked {
  doc: number;
  node: Node;
  path: PathSeg[] | null;
  ancestors: Node[];
  isKey: boolean;
  siblings: number[];
}

/** The scalar marked for `target.object`, or null when the file holds no marker comment for it. */
export function locateMarker(text: string, target: WorkloadTarget, file: string): Location | null {
  const object = target.object;
  if (!object || !mayHoldMarker(text, object)) return null;
  const hashes = markerHashes(text, object);
  if (hashes.length === 0) return null;
  const ctx: Ctx = { text, target, file, field: `marker ${JSON.stringify(object)}` };
  const docs = parseChecked(ctx);
  const nodes: Marked[] = [];
  docs.forEach((d, doc) =>
    visit(d, {
      Node: (key, node, anc) => {
        if (!node.range) return;
        const chain = [...anc.slice(1), node] as unknown[];
        const ancestors = chain.slice(0, -1).filter((n) => isMap(n) || isSeq(n)) as Node[];
        nodes.push({ doc, node, path: dataPath(chain), ancestors, isKey: key === 'key', siblings: sameKey(chain) });
      },
    }),
  );
  // A `#` inside a scalar (a quoted string, a block scalar) is text, not a comment.
  const comments = hashes.filter((h) => !nodes.some(({ node }) => isScalar(node) && node.range![0] <= h && h < node.range![1]));
  if (comments.length === 0) return null;
  const marked = comments.map((h) => {
    const line = lineOf(text, h);
    // The node the comment follows on its line: a scalar, or an alias or flow collection to refuse.
    const s = nodes.find(({ node }) => node.range![1] <= h && /^[ \t]+$/.test(text.slice(node.range![1], h)));
    if (!s || s.isKey) {
      throw fail(
        ctx,
        'MARKER_MISPLACED',
        `the marker comment at line ${line} does not follow a scalar value on its line (write it as \`replicas: 2 # {"${KEY}": "${object}"}\`)`,
        line,
      );
    }
    return s;
  });
  if (marked.length > 1) {
    const lines = marked.map((m) => lineOf(text, m.node.range![0]));
    throw fail(
      ctx,
      'MARKER_AMBIGUOUS',
      `${marked.length} scalars carry the marker for ${object} (lines ${lines.join(', ')}); keep one`,
      lines[0],
    );
  }
  const m = marked[0];
  if (m.path === null) {
    const line = lineOf(text, m.node.range![0]);
    throw fail(ctx, 'MARKER_MISPLACED', `the marked scalar at line ${line} sits under a key that is not a plain string or number`, line);
  }
  ctx.field = showPath(m.path) || '(document root)';
  if (m.siblings.length > 1) {
    const lines = m.siblings.map((o) => lineOf(text, o));
    throw fail(ctx, 'REPLICAS_DUPLICATE', `${ctx.field} appears ${m.siblings.length} times (lines ${lines.join(', ')})`, lines[0]);
  }
  checkAnchoredAncestors(ctx, docs[m.doc], m.ancestors);
  const value = scalarLocation(ctx, m.node, m.node.range![0]);
  rejectDuplicates(ctx, docs);
  return { ...value, doc: m.doc, path: m.path, format: 'marker', field: ctx.field };
}

/** Data path (as toJS() keys it) of the last node of `chain` (ancestors below the Document, then the node). */
function dataPath(chain: unknown[]): PathSeg[] | null {
  const path: PathSeg[] = [];
  for (let i = 0; i < chain.length - 1; i++) {
    const a = chain[i];
    const b = chain[i + 1];
    if (isPair(a)) {
      if (b !== a.value) return null;
      // Only plain string or number keys make a path the confirm step can follow (not null, not complex).
      if (!isScalar(a.key) || (typeof a.key.value !== 'string' && typeof a.key.value !== 'number')) return null;
      path.push(String(a.key.value));
    } else if (isSeq(a)) {
      path.push(a.items.indexOf(b));
    }
  }
  return path;
}

/** Offsets of the keys in the parent map equal to the marked value's key (one when unique). */
function sameKey(chain: unknown[]): number[] {
  const [map, pair] = chain.slice(-3, -1);
  if (!isMap(map) || !isPair(pair) || !isScalar(pair.key)) return [];
  const key = (pair.key as { value: unknown }).value;
  return map.items.filter((p) => isScalar(p.key) && p.key.value === key).map((p) => (p.key as Node).range?.[0] ?? 0);
}
