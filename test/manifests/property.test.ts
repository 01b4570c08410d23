// Properties of setReplicas over generated manifests: random comments, quoting, block or flow spec,
// LF or CRLF, BOM, document markers and surrounding documents. The generator also renders the
// text it expects, so each run checks the exact bytes as well as the invariants.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ManifestError } from '../../src/errors.js';
import { readReplicas, setReplicas } from '../../src/manifests/index.js';

const target = { kind: 'Deployment', name: 'consumer', namespace: 'default' };
const file = 'apps/consumer.yaml';

type Quote = '' | '"' | "'";
interface Spec {
  eol: '\n' | '\r\n';
  bom: boolean;
  leadingSeparator: boolean;
  endMarkers: boolean;
  finalEol: boolean;
  indent: string;
  style: 'block' | 'flow' | 'flow-multiline';
  namespace: boolean;
  anchors: boolean;
  replicas: { value: number; quote: Quote; at: number; comment: string | null; commentAbove: string | null } | null;
  comments: { top: string | null; kind: string | null; spec: string | null; firstKey: string | null; tail: string | null };
  before: string[][];
  after: string[][];
}

const commentText = fc.string({
  unit: fc.constantFrom('a', 'Z', '#', ' ', '\t', ':', '-', '{', '}', '"', "'", '&', '*', 'é', '😀', '\\', '|', '>'),
  maxLength: 16,
});
const comment = fc.option(commentText, { nil: null });
const count = fc.oneof(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 2_147_483_647 }));

// Documents that never match the target.
const otherDocs = fc.constantFrom<string[]>(
  ['apiVersion: v1', 'kind: Service', 'metadata:', '  name: consumer', 'spec:', '  ports:', '    - port: 80 # http'],
  ['apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: consumer-config}', 'data:', '  replicas: "3"'],
  ['kind: Deployment', 'metadata:', '  name: consumer', '  namespace: other', 'spec:', '  replicas: 4'],
  ['kind: Deployment', 'metadata: {name: producer}', 'spec: {replicas: 2, selector: &sel {app: p}, x: *sel}'],
  ['kind: StatefulSet', 'metadata:', '  name: consumer', 'spec:', '  replicas: 1'],
  ['# a document holding only a comment'],
);

const specArb: fc.Arbitrary<Spec> = fc.record({
  eol: fc.constantFrom('\n' as const, '\r\n' as const),
  bom: fc.boolean(),
  leadingSeparator: fc.boolean(),
  endMarkers: fc.boolean(),
  finalEol: fc.boolean(),
  indent: fc.constantFrom('  ', '    ', '   '),
  style: fc.constantFrom('block' as const, 'flow' as const, 'flow-multiline' as const),
  namespace: fc.boolean(),
  anchors: fc.boolean(),
  replicas: fc.option(
    fc.record({
      value: count,
      quote: fc.constantFrom<Quote>('', '"', "'"),
      at: fc.integer({ min: 0, max: 2 }),
      comment,
      commentAbove: comment,
    }),
    { nil: null },
  ),
  comments: fc.record({ top: comment, kind: comment, spec: comment, firstKey: comment, tail: comment }),
  before: fc.array(otherDocs, { maxLength: 3 }),
  after: fc.array(otherDocs, { maxLength: 3 }),
});

const trail = (c: string | null): string => (c === null ? '' : ` # ${c}`);

/** The target Deployment's lines; `set` renders it as setReplicas should leave it. */
function targetLines(s: Spec, set?: number): string[] {
  const c = s.comments;
  const i = s.indent;
  const lines: string[] = [];
  if (c.top !== null) lines.push(`# ${c.top}`);
  lines.push('apiVersion: apps/v1', `kind: Deployment${trail(c.kind)}`, 'metadata:', `${i}name: consumer`);
  if (s.namespace) lines.push(`${i}namespace: default`);
  if (s.anchors) lines.push(`${i}labels: &labels {app: consumer}`);
  const labels = s.anchors ? '*labels' : '{app: consumer}';
  const r = s.replicas;
  const value = (n: number): string => (r ? `${r.quote}${n}${r.quote}` : `${n}`);
  const replicas = r ? value(set ?? r.value) : null;
  const inserted = !r && set !== undefined ? `${set}` : null;
  if (s.style === 'block') {
    const keys: string[][] = [
      [`${i}selector:`, `${i}${i}matchLabels: ${labels}`],
      [`${i}minReadySeconds: 5`],
      [`${i}template:`, `${i}${i}metadata: {labels: ${labels}}`],
    ];
    if (c.firstKey !== null) keys[0].unshift(`${i}# ${c.firstKey}`);
    if (r && replicas !== null) {
      const entry = [`${i}replicas: ${replicas}${trail(r.comment)}`];
      if (r.commentAbove !== null) entry.unshift(`# ${r.commentAbove}`);
      keys.splice(r.at, 0, entry);
    }
    lines.push(`spec:${trail(c.spec)}`);
    if (inserted !== null) lines.push(`${i}replicas: ${inserted}`);
    for (const k of keys) lines.push(...k);
  } else {
    const keys = [`selector: {matchLabels: ${labels}}`, 'minReadySeconds: 5', `template: {metadata: {labels: ${labels}}}`];
    if (replicas !== null) keys.splice(r!.at, 0, `replicas: ${replicas}`);
    if (s.style === 'flow') {
      const first = inserted !== null ? `replicas: ${inserted}, ` : '';
      lines.push(`spec: {${first}${keys.join(', ')}}${trail(c.spec)}`);
    } else {
      lines.push(`spec: {${inserted !== null ? `replicas: ${inserted},` : ''}${trail(c.spec)}`);
      keys.forEach((k, n) => lines.push(`${i}${k}${n < keys.length - 1 ? ',' : ''}`));
      lines.push('}');
    }
  }
  if (c.tail !== null) lines.push(`# ${c.tail}`);
  return lines;
}

function render(s: Spec, set?: number): string {
  const docs = [...s.before, targetLines(s, set), ...s.after];
  const out: string[] = [];
  docs.forEach((doc, n) => {
    if (n > 0 || s.leadingSeparator) out.push('---');
    out.push(...doc);
    if (s.endMarkers) out.push('...');
  });
  return (s.bom ? '\uFEFF' : '') + out.join(s.eol) + (s.finalEol ? s.eol : '');
}

function commonPrefix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

function commonSuffix(a: string, b: string, max: number): number {
  let n = 0;
  while (n < max && a[a.length - 1 - n] === b[b.length - 1 - n]) n++;
  return n;
}

type Obj = Record<string, Record<string, unknown>>;

describe('setReplicas properties', () => {
  it('edits only the replica value, keeps every other byte and document, and reads back N', () => {
    fc.assert(
      fc.property(specArb, count, (s, n) => {
        const before = render(s);
        const current = s.replicas ? s.replicas.value : 1;
        expect(readReplicas(before, target, file)).toMatchObject({ replicas: current, explicit: s.replicas !== null });

        const after = setReplicas(before, target, n, file);
        if (n === current) {
          expect(after).toBe(before);
          return;
        }
        // The exact bytes the generator expects.
        expect(after).toBe(render(s, n));
        // Re-parses with replicas N.
        expect(readReplicas(after, target, file)).toMatchObject({ replicas: n, explicit: true });

        // Outside the value's range, bytes are identical.
        const p = commonPrefix(before, after);
        const q = commonSuffix(before, after, Math.min(before.length, after.length) - p);
        const oldDocs = parseAllDocuments(before, { logLevel: 'error' });
        const newDocs = parseAllDocuments(after, { logLevel: 'error' });
        const t = oldDocs.findIndex(
          (d) =>
            d.getIn(['metadata', 'name']) === 'consumer' &&
            d.get('kind') === 'Deployment' &&
            [undefined, 'default'].includes(d.getIn(['metadata', 'namespace']) as string | undefined),
        );
        if (s.replicas) {
          const node = oldDocs[t].getIn(['spec', 'replicas'], true) as { range: [number, number, number] };
          expect(p).toBeGreaterThanOrEqual(node.range[0]);
          expect(before.length - q).toBeLessThanOrEqual(node.range[1]);
        } else {
          expect(before.length - q).toBe(p); // a pure insertion: nothing of the old text removed
          expect(after.slice(p, after.length - q)).toHaveLength(after.length - before.length);
        }

        // Every other document's data is unchanged; the target's differs only in spec.replicas.
        expect(newDocs.length).toBe(oldDocs.length);
        oldDocs.forEach((d, i) => {
          const was = d.toJS() as Obj;
          const now = newDocs[i].toJS() as Obj;
          if (i !== t) {
            expect(now).toEqual(was);
            return;
          }
          const want = s.replicas?.quote ? String(n) : n;
          expect(now.spec.replicas).toBe(want);
          expect({ ...now, spec: { ...now.spec, replicas: undefined } }).toEqual({ ...was, spec: { ...was.spec, replicas: undefined } });
        });
      }),
      { numRuns: 1000 },
    );
  });

  it('on damaged input either confirms the edit or throws a ManifestError, never anything else', () => {
    const junk = fc.constantFrom(
      ':',
      '{',
      '}',
      '[',
      ',',
      '"',
      "'",
      '&a ',
      '*a',
      '*labels',
      '\n',
      '\r',
      '\t',
      ' ',
      '  ',
      '- ',
      '? ',
      '#',
      '---\n',
      '...\n',
      '',
      'x',
      '!!str ',
      '!!map ',
      '|\n',
      '{{ x }}',
      '<<: *labels\n',
      'replicas: 3\n',
      '  replicas: 2\n',
      '\uFEFF',
    );
    // Insert a fragment at a random offset, replacing one character a third of the time.
    const damaged = fc.tuple(specArb, fc.nat(), junk).map(([s, at, piece]) => {
      const text = render(s);
      const k = at % (text.length + 1);
      return text.slice(0, k) + piece + text.slice(k + (at % 3 === 0 ? 1 : 0));
    });
    fc.assert(
      fc.property(damaged, count, (text, n) => {
        let after: string;
        try {
          after = setReplicas(text, target, n, file);
        } catch (e) {
          expect(e).toBeInstanceOf(ManifestError);
          // The safety net must stay a net: locate should never plan an edit that fails to confirm.
          expect((e as ManifestError).code, (e as Error).message).not.toBe('EDIT_NOT_CONFIRMED');
          return;
        }
        expect(readReplicas(after, target, file).replicas).toBe(n);
      }),
      { numRuns: 1000 },
    );
  });
});
