// Field paths (`gitscale.dev/field`): dots separate keys, `[n]` indexes a list, `"…"` or `'…'`
// quotes a key holding dots or brackets. `walk` follows one through a parsed document and names
// the last step that existed when the next one does not; it never creates anything.
import { isAlias, isMap, isScalar, isSeq, type Node } from 'yaml';
import { fail, lineOf, offsetOf, showPath, type Ctx } from './common.js';
import type { PathSeg } from './types.js';

/** The steps of a field path, or why it does not parse. */
export function parsePath(path: string): { ok: true; steps: PathSeg[] } | { ok: false; why: string } {
  const steps: PathSeg[] = [];
  let i = 0;
  const bad = (why: string): { ok: false; why: string } => ({ ok: false, why: `${why} at character ${i + 1}` });
  if (path === '') return { ok: false, why: 'it is empty' };
  for (;;) {
    if (path[i] === '"') {
      const m = /^"(?:[^"\\]|\\.)*"/.exec(path.slice(i));
      if (!m) return bad('an unterminated "');
      steps.push(JSON.parse(m[0]) as string);
      i += m[0].length;
    } else if (path[i] === "'") {
      const m = /^'(?:[^']|'')*'/.exec(path.slice(i));
      if (!m) return bad("an unterminated '");
      steps.push(m[0].slice(1, -1).replace(/''/g, "'"));
      i += m[0].length;
    } else if (path[i] !== '[' || i > 0) {
      const m = /^[^.[\]"']+/.exec(path.slice(i));
      if (!m) return bad('an empty key');
      if (m[0].trim() !== m[0]) return bad('a key with surrounding spaces (quote it)');
      steps.push(m[0]);
      i += m[0].length;
    }
    while (path[i] === '[') {
      const m = /^\[(0|[1-9][0-9]*)\]/.exec(path.slice(i));
      if (!m) return bad('an index that is not [n]');
      steps.push(Number(m[1]));
      i += m[0].length;
    }
    if (i === path.length) return { ok: true, steps };
    if (path[i] !== '.') return bad(`an unexpected ${JSON.stringify(path[i])}`);
    i++;
    if (i === path.length) return bad('a trailing dot');
  }
}

export interface Walked {
  /** The node at the end of the path (may be null for an empty value). */
  node: Node | null;
  /** Offset to report if the node is absent: its key. */
  keyAt: number;
  /** The collections passed through, outermost first. */
  ancestors: Node[];
}

/**
 * Follow `steps` from `root`, whose own path is `base` (for messages and data paths). Refuses a
 * missing key or index (FIELD_NOT_FOUND), a key repeated on the way (REPLICAS_DUPLICATE) and an
 * alias on the way (REPLICAS_ALIAS).
 */
export function walk(ctx: Ctx, root: Node | null, base: PathSeg[], steps: PathSeg[]): Walked {
  let node: Node | null = root;
  let keyAt = offsetOf(root);
  const ancestors: Node[] = [];
  for (let k = 0; k < steps.length; k++) {
    const step = steps[k];
    const here = showPath([...base, ...steps.slice(0, k)]) || 'the document root';
    const hereLine = lineOf(ctx.text, node ? offsetOf(node) : keyAt);
    const missing = (why: string): never => {
      throw fail(ctx, 'FIELD_NOT_FOUND', `${ctx.field} not found: ${why}; gitscale never adds a values key, so add it first`, hereLine);
    };
    if (isAlias(node)) {
      throw fail(
        ctx,
        'REPLICAS_ALIAS',
        `${here} (line ${hereLine}) is an alias (*${node.source}); edit the anchored value instead`,
        hereLine,
      );
    }
    if (typeof step === 'string') {
      if (!isMap(node))
        return missing(`${here} (line ${hereLine}) is ${node ? 'not a map' : 'empty'}, so it has no key ${JSON.stringify(step)}`);
      const pairs = node.items.filter((p) => isScalar(p.key) && String(p.key.value) === step);
      if (pairs.length > 1) {
        const lines = pairs.map((p) => lineOf(ctx.text, offsetOf(p.key)));
        throw fail(
          ctx,
          'REPLICAS_DUPLICATE',
          `${showPath([...base, ...steps.slice(0, k + 1)])} appears ${pairs.length} times (lines ${lines.join(', ')})`,
          lines[0],
        );
      }
      if (pairs.length === 0) {
        const merge = node.items.some((p) => isScalar(p.key) && p.key.value === '<<')
          ? ' (it has a merge key <<; set the key explicitly)'
          : '';
        return missing(`${here} (line ${hereLine}) exists but has no key ${JSON.stringify(step)}${merge}`);
      }
      ancestors.push(node);
      keyAt = offsetOf(pairs[0].key);
      node = (pairs[0].value ?? null) as Node | null;
    } else {
      if (!isSeq(node)) return missing(`${here} (line ${hereLine}) is ${node ? 'not a list' : 'empty'}, so it has no item [${step}]`);
      if (step >= node.items.length) return missing(`${here} (line ${hereLine}) has ${node.items.length} items, so no item [${step}]`);
      ancestors.push(node);
      node = (node.items[step] ?? null) as Node | null;
      keyAt = node ? offsetOf(node) : keyAt;
    }
  }
  return { node, keyAt, ancestors };
}
