// Properties of setReplicas over generated values files (plain, inside a HelmRelease or an Argo CD
// Application), marker-carrying scalars and kustomizations: comments, flow and block styles,
// anchors and aliases elsewhere, quoted scalars, block scalars holding look-alike text, several
// documents, LF or CRLF. After an edit only the scalar's bytes differ (or, for an insertion, only
// inserted bytes), the file re-parses to the same data except that value, and it reads back N.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { readReplicas, setReplicas, type WorkloadTarget } from '../../src/manifests/index.js';

const count = fc.oneof(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 2_147_483_647 }));
const commentText = fc.string({
  unit: fc.constantFrom('a', 'Z', '#', ' ', '\t', ':', '-', '{', '}', '"', "'", '&', '*', 'é', '\\'),
  maxLength: 12,
});
const trailing = fc.option(
  commentText.map((c) => ` # ${c}`),
  { nil: '' },
);
const quote = fc.constantFrom('', '"', "'");
const MARKER = '# {"$gitscale": "default/consumer"}';
type Seg = string | number;

/** Sibling lines at one indentation level: never the keys on the path (those start with k). */
const filler = (i: string, n: number): fc.Arbitrary<string[]> =>
  fc.constantFrom(
    [`${i}# a comment line`],
    [`${i}f${n}: {repository: ghcr.io/x, tag: "1.0"} # flow`],
    [`${i}f${n}a: &a${n} {cpu: 1, mem: "2Gi"}`, `${i}f${n}b: *a${n}`],
    [`${i}f${n}: |`, `${i}  replicas: 3 # {"$gitscale": "default/other"}`, `${i}  echo # not a comment`],
    [`${i}f${n}: "3"`],
    [`${i}f${n}:`, `${i}  - a`, `${i}  - {b: 2}`],
    [`${i}f${n}: 'it''s' # {"$gitscale": "default/other"}`],
    [`${i}f${n}: 4 # {"$gitscale": "default/producer"}`],
  );
const fillers = (i: string, level: number) =>
  fc
    .uniqueArray(fc.integer({ min: 0, max: 99 }), { maxLength: 2 })
    .chain((ns) => fc.tuple(...ns.map((n) => filler(i, level * 100 + n))).map((xs) => xs.flat()));

const keyArb = fc.constantFrom('kconsumer', 'k.with.dots', 'k with space', 'k2', "k'q");

interface Tree {
  keys: string[];
  list: 'none' | 'block' | 'flow';
  index: number;
  quote: string;
  value: number;
  comment: string;
  fill: string[][];
  indent: string;
}

const treeArb: fc.Arbitrary<Tree> = fc.record({
  keys: fc.uniqueArray(keyArb, { minLength: 1, maxLength: 3 }),
  list: fc.constantFrom('none' as const, 'block' as const, 'flow' as const),
  index: fc.integer({ min: 0, max: 2 }),
  quote,
  value: count,
  comment: trailing,
  indent: fc.constantFrom('  ', '    '),
  fill: fc.tuple(fillers('@', 0), fillers('@', 1), fillers('@', 2), fillers('@', 3)),
});

const yamlKey = (k: string): string => (/^[a-z0-9.]+$/.test(k) ? k : /'/.test(k) ? JSON.stringify(k) : `'${k}'`);
const pathKey = (k: string): string => (/^[a-z0-9]+$/.test(k) ? k : JSON.stringify(k));

/** Lines of the values tree at `base` indentation, with the leaf set to `set` when given; and the data path. */
function renderTree(t: Tree, base: string, marker: boolean, set?: number): { lines: string[]; path: Seg[] } {
  const lines: string[] = [];
  const path: Seg[] = [];
  const v = `${t.quote}${set ?? t.value}${t.quote}`;
  const tail = marker ? ` ${MARKER}` : t.comment;
  let i = base;
  t.keys.forEach((k, d) => {
    lines.push(...t.fill[d].map((l) => l.replace(/^@/, i)));
    path.push(k);
    const last = d === t.keys.length - 1;
    if (!last) {
      lines.push(`${i}${yamlKey(k)}:`);
      i += t.indent;
    } else if (t.list === 'none') {
      lines.push(`${i}${yamlKey(k)}: ${v}${tail}`);
    } else if (t.list === 'flow') {
      const items = ['1', '"x"', '{a: 1}'].slice(0, t.index);
      lines.push(`${i}${yamlKey(k)}: [${[...items, v].join(', ')}]${marker ? '' : t.comment}`);
      path.push(t.index);
    } else {
      lines.push(`${i}${yamlKey(k)}:`);
      for (let n = 0; n < t.index; n++) lines.push(`${i}  - name: w${n}`, `${i}    replicas: 1`);
      lines.push(`${i}  - name: consumer`, `${i}    replicas: ${v}${tail}`);
      path.push(t.index, 'replicas');
    }
  });
  lines.push(...t.fill[3].map((l) => l.replace(/^@/, base)));
  return { lines, path };
}

interface File {
  wrap: 'values' | 'helm-release' | 'argo-application' | 'marker';
  tree: Tree;
  eol: string;
  finalEol: boolean;
  before: boolean;
  after: boolean;
}

const fileArb: fc.Arbitrary<File> = fc
  .record({
    wrap: fc.constantFrom('values' as const, 'helm-release' as const, 'argo-application' as const, 'marker' as const),
    tree: treeArb,
    eol: fc.constantFrom('\n', '\r\n'),
    finalEol: fc.boolean(),
    before: fc.boolean(),
    after: fc.boolean(),
  })
  .filter((f) => !(f.wrap === 'marker' && f.tree.list === 'flow'));

const OTHER = [
  'apiVersion: v1',
  'kind: ConfigMap',
  'metadata: {name: consumer}',
  'data:',
  '  replicas: "3" # {"$gitscale": "default/producer"}',
];

function renderFile(f: File, set?: number): { text: string; path: Seg[]; doc: number } {
  const marker = f.wrap === 'marker';
  const several = f.wrap !== 'values';
  let body: string[];
  let { lines, path } = renderTree(f.tree, '', marker, set);
  if (f.wrap === 'helm-release' || f.wrap === 'argo-application') {
    const root = f.wrap === 'helm-release' ? ['spec', 'values'] : ['spec', 'source', 'helm', 'valuesObject'];
    ({ lines, path } = renderTree(f.tree, ' '.repeat(2 * root.length), false, set));
    path = [...root, ...path];
    const head =
      f.wrap === 'helm-release'
        ? ['apiVersion: helm.toolkit.fluxcd.io/v2', 'kind: HelmRelease', 'metadata: {name: consumer} # hr', 'spec:', '  values:']
        : [
            'apiVersion: argoproj.io/v1alpha1',
            'kind: Application',
            'metadata:',
            '  name: consumer',
            'spec:',
            '  source:',
            '    helm:',
            '      valuesObject:',
          ];
    body = [...head, ...lines];
  } else {
    body = lines;
  }
  const docs = [...(several && f.before ? [OTHER] : []), body, ...(several && f.after ? [OTHER] : [])];
  const text = docs.map((d) => d.join(f.eol)).join(`${f.eol}---${f.eol}`) + (f.finalEol ? f.eol : '');
  return { text, path, doc: several && f.before ? 1 : 0 };
}

const fieldOf = (f: File): string => {
  let s = '';
  f.tree.keys.forEach((k, d) => {
    s += (d ? '.' : '') + pathKey(k);
  });
  if (f.tree.list === 'flow') s += `[${f.tree.index}]`;
  if (f.tree.list === 'block') s += `[${f.tree.index}].replicas`;
  return s;
};

function diffRange(a: string, b: string): [number, number, number] {
  let p = 0;
  while (p < a.length && p < b.length && a[p] === b[p]) p++;
  let q = 0;
  while (q < Math.min(a.length, b.length) - p && a[a.length - 1 - q] === b[b.length - 1 - q]) q++;
  return [p, a.length - q, b.length - q];
}

type Data = Record<string | number, unknown>;
const js = (text: string): unknown[] => parseAllDocuments(text, { logLevel: 'error' }).map((d) => d.toJS());
const dig = (v: unknown, path: Seg[]): unknown => path.reduce<unknown>((o, k) => (o as Data)?.[k], v);
const blank = (v: unknown, path: Seg[]): unknown => {
  const copy = structuredClone(v) as Data;
  const parent = dig(copy, path.slice(0, -1)) as Data;
  parent[path[path.length - 1]] = '<value>';
  return copy;
};

describe('setReplicas properties: values files, HelmRelease, Application, markers', () => {
  it('changes only the scalar and reads back N', () => {
    fc.assert(
      fc.property(fileArb, count, (f, n) => {
        const target: WorkloadTarget =
          f.wrap === 'marker'
            ? { kind: 'Deployment', name: 'consumer', namespace: 'default', object: 'default/consumer' }
            : { kind: 'Deployment', name: 'consumer', namespace: 'default', field: fieldOf(f) };
        const file = 'apps/values.yaml';
        const { text: before, path, doc } = renderFile(f);
        expect(readReplicas(before, target, file)).toMatchObject({
          replicas: f.tree.value,
          explicit: true,
          format: f.wrap === 'values' ? 'helm-values' : f.wrap,
        });
        const after = setReplicas(before, target, n, file);
        if (n === f.tree.value) {
          expect(after).toBe(before);
          return;
        }
        expect(after).toBe(renderFile(f, n).text);
        expect(readReplicas(after, target, file).replicas).toBe(n);
        // Only the scalar's bytes (inside its quotes) differ.
        const [p, oldEnd, newEnd] = diffRange(before, after);
        expect(before.slice(p, oldEnd)).toMatch(/^[0-9]*$/);
        expect(after.slice(p, newEnd)).toMatch(/^[0-9]*$/);
        const was = js(before);
        const now = js(after);
        expect(now.length).toBe(was.length);
        now.forEach((d, i) => {
          if (i !== doc) return expect(d).toEqual(was[i]);
          expect(dig(d, path)).toBe(f.tree.quote ? String(n) : n);
          return expect(blank(d, path)).toEqual(blank(was[i], path));
        });
      }),
      { numRuns: 600 },
    );
  });
});

interface Kust {
  style: 'block' | 'block-flat' | 'flow' | 'none';
  others: string[];
  at: number;
  has: boolean;
  quote: string;
  value: number;
  comment: string;
  tail: boolean;
  eol: string;
  finalEol: boolean;
  header: boolean;
  byName: boolean;
}

const kustArb: fc.Arbitrary<Kust> = fc
  .record({
    style: fc.constantFrom('block' as const, 'block-flat' as const, 'flow' as const, 'none' as const),
    others: fc.uniqueArray(fc.constantFrom('producer', 'web', 'db-0', 'consumer-v2'), { maxLength: 3 }),
    at: fc.nat(),
    has: fc.boolean(),
    quote,
    value: count,
    comment: trailing,
    tail: fc.boolean(),
    eol: fc.constantFrom('\n', '\r\n'),
    finalEol: fc.boolean(),
    header: fc.boolean(),
    byName: fc.boolean(),
  })
  .filter((k) => k.byName || k.header);

function renderKust(k: Kust): string {
  const lines: string[] = [];
  if (k.header) lines.push('apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization # k');
  lines.push(
    '# resources',
    'resources:',
    k.style === 'block-flat' ? '- ../../base' : '  - ../../base',
    'commonLabels: &l {app: c}',
    'labels:',
    '  - pairs: *l',
  );
  const names = [...k.others];
  if (k.has && k.style !== 'none') names.splice(k.at % (names.length + 1), 0, 'consumer');
  const count = (name: string): string => (name === 'consumer' ? `${k.quote}${k.value}${k.quote}` : '2');
  if (k.style === 'flow') lines.push(`replicas: [${names.map((n) => `{name: ${n}, count: ${count(n)}}`).join(', ')}]${k.comment}`);
  if ((k.style === 'block' || k.style === 'block-flat') && names.length > 0) {
    const d = k.style === 'block' ? '  ' : '';
    lines.push(`replicas:${k.comment}`);
    for (const n of names) lines.push(`${d}- name: ${n} # entry`, `${d}  count: ${count(n)}${n === 'consumer' ? k.comment : ''}`);
  }
  if (k.tail) lines.push('images:', '  - name: app', '    newTag: "v2" # tag');
  return lines.join(k.eol) + (k.finalEol ? k.eol : '');
}

describe('setReplicas properties: kustomizations', () => {
  const target: WorkloadTarget = { kind: 'Deployment', name: 'consumer', namespace: 'default' };
  it('updates the entry in place or inserts only new bytes, and reads back N', () => {
    fc.assert(
      fc.property(kustArb, count, (k, n) => {
        const file = k.byName ? 'overlays/prod/kustomization.yaml' : 'overlays/prod/all.yaml';
        const before = renderKust(k);
        const present = k.has && k.style !== 'none';
        const current = present ? k.value : 1;
        expect(readReplicas(before, target, file)).toMatchObject({ replicas: current, explicit: present, format: 'kustomize' });
        const after = setReplicas(before, target, n, file);
        // A missing entry is always added: the count the layers below render is not known here.
        if (present && n === current) {
          expect(after).toBe(before);
          return;
        }
        expect(readReplicas(after, target, file)).toMatchObject({ replicas: n, explicit: true });
        const [p, oldEnd, newEnd] = diffRange(before, after);
        const [was] = js(before) as Data[];
        const [now] = js(after) as Data[];
        const list = (d: Data) => (d.replicas ?? []) as { name: string; count: unknown }[];
        if (present) {
          expect(before.slice(p, oldEnd)).toMatch(/^[0-9]*$/);
          expect(after.slice(p, newEnd)).toMatch(/^[0-9]*$/);
          expect({ ...now, replicas: list(now).map((e) => (e.name === 'consumer' ? { ...e, count: 0 } : e)) }).toEqual({
            ...was,
            replicas: list(was).map((e) => (e.name === 'consumer' ? { ...e, count: 0 } : e)),
          });
          return;
        }
        // An insertion: nothing of the old text removed; the data gains exactly one entry.
        expect(oldEnd).toBe(p);
        expect(after.slice(p, newEnd)).toContain(`${n}`);
        expect(after.slice(p, newEnd).replace(/\r?\n/g, '\n').split('\n').join(k.eol)).toBe(after.slice(p, newEnd));
        expect(list(now)).toEqual([...list(was), { name: 'consumer', count: n }]);
        expect({ ...now, replicas: undefined }).toEqual({ ...was, replicas: undefined });
      }),
      { numRuns: 500 },
    );
  });
});

describe('setReplicas properties: damaged input in every format', () => {
  it('either confirms the edit or throws a ManifestError other than EDIT_NOT_CONFIRMED', () => {
    const junk = fc.constantFrom(
      ':',
      '{',
      '}',
      '[',
      ']',
      ',',
      '"',
      "'",
      '&a ',
      '*a',
      '*l',
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
      '|\n',
      '{{ x }}',
      '<<: *l\n',
      ` ${MARKER}`,
      '- name: consumer\n',
      'count: 3\n',
      'replicas:\n',
      '\uFEFF',
    );
    const input = fc.oneof(
      fileArb.map((f) => ({
        text: renderFile(f).text,
        target:
          f.wrap === 'marker'
            ? { kind: 'Deployment', name: 'consumer', namespace: 'default', object: 'default/consumer' }
            : { kind: 'Deployment', name: 'consumer', namespace: 'default', field: fieldOf(f) },
        file: 'apps/values.yaml',
      })),
      kustArb.map((k) => ({
        text: renderKust(k),
        target: { kind: 'Deployment', name: 'consumer', namespace: 'default' },
        file: 'kustomization.yaml',
      })),
    );
    const damaged = fc.tuple(input, fc.nat(), junk).map(([c, at, piece]) => {
      const k = at % (c.text.length + 1);
      return { ...c, text: c.text.slice(0, k) + piece + c.text.slice(k + (at % 3 === 0 ? 1 : 0)) };
    });
    fc.assert(
      fc.property(damaged, count, ({ text, target, file }, n) => {
        let after: string;
        try {
          after = setReplicas(text, target, n, file);
        } catch (e) {
          expect((e as Error).name, (e as Error).stack).toBe('ManifestError');
          expect((e as { code: string }).code, (e as Error).message).not.toBe('EDIT_NOT_CONFIRMED');
          return;
        }
        expect(readReplicas(after, target as WorkloadTarget, file).replicas).toBe(n);
      }),
      { numRuns: 600 },
    );
  });
});
