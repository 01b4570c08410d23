// No hidden module-level state in src/ (docs/architecture.md §1: clients passed in, pure logic apart
// from I/O): a top-level `let`/`var`, or an object made with `new` at the top level (a Map, Set, LRU
// ...) outside any function or class, is one value shared by every caller in the process. Each one
// there is today is listed below with why it may stay; a ReadonlySet/ReadonlyMap annotation is its
// own reason (tsc refuses writes to it). Read with the TypeScript parser, not regexes.
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { root, tsFiles } from './source-graph.js';

/** `file:name` (file relative to src/) → why this module-level value may stay. */
const ALLOWED: Record<string, string> = {
  // Constant lookup tables, filled once where they are declared and only read.
  'config/formula.ts:WORD_OPS': 'constant table: the formula words and the operators they stand for',
  'git/history.ts:MISSING': "constant: isomorphic-git's error names for an object that is not there",
  'git/remote.ts:RETRYABLE': "constant: isomorphic-git's error names for a push that lost a race",
  'manifests/render/kustomization.ts:REPLICAS_KINDS': 'constant: the kinds whose replicas kustomize `replicas:` sets',
  'manifests/render/kustomization.ts:DEFAULTS_TO_ONE': 'constant: the kinds whose unset replicas mean 1',
  'manifests/render/patch.ts:WORKLOAD_KINDS': 'constant: the kinds a patch may scale',
  'scalers/aws/common.ts:AUTH_ERRORS': "constant: AWS's error codes for refused credentials",
  'scalers/aws-s3.ts:NOT_FOUND': "constant: S3's error codes for a missing bucket",
  'scalers/aws-sqs-queue.ts:NOT_FOUND': "constant: SQS's error codes for a missing queue",
  'scalers/metrics-api/prometheus-text.ts:READABLE': 'constant: the Prometheus metric types a value is read from',
  'scalers/schema.ts:TRUE': "constant: the spellings Go's strconv.ParseBool reads as true",
  'scalers/schema.ts:FALSE': "constant: the spellings Go's strconv.ParseBool reads as false",
  // Memos of pure functions, keyed by their whole input: invisible to callers but for speed.
  'manifests/common.ts:parsed': 'bounded memo (Lru) of a pure YAML parse; its documents are only read',
  'manifests/index.ts:read': 'bounded memo (Lru) of the pure readReplicas, answers frozen',
  'manifests/index.ts:written': 'bounded memo (Lru) of the pure replica edit',
  'manifests/index.ts:where': 'bounded memo (Lru) of where the field is, answers frozen',
  'scalers/cron/schedule.ts:formatters': 'memo of immutable Intl formatters, one per time zone',
  // A cache across clients, on purpose.
};

interface Found {
  key: string;
  what: string;
}

/** The module-level state `text` declares: top-level `let`/`var`, and `new` outside functions and classes. */
function moduleState(file: string, text: string): Found[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Found[] = [];
  for (const st of sf.statements) {
    if (ts.isExportAssignment(st)) {
      for (const made of newsIn(st.expression, sf)) found.push({ key: `${file}:default`, what: `export default holding new ${made}` });
    }
    if (!ts.isVariableStatement(st)) continue;
    const isConst = (st.declarationList.flags & ts.NodeFlags.Const) !== 0;
    for (const d of st.declarationList.declarations) {
      const key = `${file}:${d.name.getText(sf)}`;
      if (!isConst) found.push({ key, what: `top-level ${st.declarationList.flags & ts.NodeFlags.Let ? 'let' : 'var'}` });
      if (d.type && ts.isTypeReferenceNode(d.type) && /^Readonly(Set|Map)$/.test(d.type.typeName.getText(sf))) continue;
      for (const made of d.initializer ? newsIn(d.initializer, sf) : []) found.push({ key, what: `new ${made}` });
    }
  }
  return found;
}

/** The classes `new`ed in `node`, not counting inside functions or classes (made per call, not once). */
function newsIn(node: ts.Node, sf: ts.SourceFile): string[] {
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isFunctionLike(n) || ts.isClassLike(n)) return;
    if (ts.isNewExpression(n)) out.push(n.expression.getText(sf));
    ts.forEachChild(n, visit);
  };
  visit(node);
  return out;
}

const src = join(root, 'src');
const found = tsFiles(src).flatMap((f) => moduleState(relative(src, f), readFileSync(f, 'utf8')));

describe('module-level state', () => {
  it('src/ has none beyond the allowed', () => {
    const hidden = found.filter((f) => !(f.key in ALLOWED)).map((f) => `${f.key}: ${f.what}`);
    expect(hidden, `module-level state (pass it in, or add it to ALLOWED with why it may stay):\n${hidden.join('\n')}`).toEqual([]);
  });

  it('each allowed one is still there (a stale entry would allow the next one of that name)', () => {
    const present = new Set(found.map((f) => f.key));
    expect(Object.keys(ALLOWED).filter((k) => !present.has(k))).toEqual([]);
  });

  it('finds a top-level let, a Map, an LRU inside an object and a default export; not what a function or class makes, nor a ReadonlySet', () => {
    const text = [
      'let count = 0;',
      'export const cache = new Map<string, number>();',
      'const table = { memo: new Lru(10), make: () => new Set() };',
      'const KNOWN: ReadonlySet<string> = new Set(["a"]);',
      'function f() { const m = new Map(); return m; }',
      'class C { seen = new Set(); }',
      'export default new WeakMap();',
    ].join('\n');
    expect(moduleState('x.ts', text).map((f) => `${f.key}: ${f.what}`)).toEqual([
      'x.ts:count: top-level let',
      'x.ts:cache: new Map',
      'x.ts:table: new Lru',
      'x.ts:default: export default holding new WeakMap',
    ]);
  });
});
