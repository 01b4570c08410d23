// Shared by every format: parsing with errors refused up front, line numbers, the integer rules
// for a replica scalar, and anchor/alias checks. Offsets are string indices into the original
// text (BOM included), taken from the `yaml` package's node ranges; nothing is re-serialized.
import { isAlias, isCollection, isMap, isScalar, parseAllDocuments, visit, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { ManifestError, type ManifestCode } from '../errors.js';
import { Lru } from '../lru.js';
import { MANIFEST_BYTES_CEILING, MANIFEST_LIMITS, yamlLimitProblem } from '../yaml-limits.js';
import type { PathSeg, ScalarStyle, WorkloadTarget } from './types.js';
import { MAX_REPLICAS, REPLICAS_FIELD, describeTarget } from './types.js';

export type Doc = Document.Parsed;

/** What every error names: the object, the file, and the field being read or written. */
export interface Ctx {
  text: string;
  target: WorkloadTarget;
  file: string;
  field: string;
}

export type ValueLoc = { kind: 'value'; start: number; end: number; replicas: number; style: ScalarStyle; line: number };
export type InsertLoc = { kind: 'insert'; at: number; prefix: string; suffix: string; line: number; adds: PathSeg[] };

export const isObj = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** 1-based line of a string offset. */
export function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

export function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** The file's line ending: that of its first line (LF for a one-line file). */
export function eolOf(text: string): string {
  const nl = text.indexOf('\n');
  return nl > 0 && text[nl - 1] === '\r' ? '\r\n' : '\n';
}

export function manifestError(
  code: ManifestCode,
  message: string,
  file: string,
  target: WorkloadTarget,
  line?: number,
  field: string = REPLICAS_FIELD,
): ManifestError {
  return new ManifestError(code, message, { file, field, object: describeTarget(target), ...(line === undefined ? {} : { line }) });
}

/** `Deployment default/consumer in apps/x.yaml`, the head of most messages. */
export function where(ctx: Ctx): string {
  return `${describeTarget(ctx.target)} in ${ctx.file}`;
}

export function fail(ctx: Ctx, code: ManifestCode, why: string, line?: number): ManifestError {
  return manifestError(code, `${where(ctx)}: ${why}`, ctx.file, ctx.target, line, ctx.field);
}

/**
 * Every document of the stream; a syntax error anywhere refuses the whole file. Throws for a text
 * beyond MANIFEST_LIMITS at the ceiling size (callers check the repository's own size limit first).
 */
export function parseStream(text: string): Doc[] {
  let docs = parsed.get(text);
  if (docs) return docs;
  const beyond = yamlLimitProblem(text, CEILING);
  if (beyond) throw new Error(beyond);
  // prettyErrors off: messages stay one line and we compute the line ourselves. logLevel
  // 'error': toJS() in the confirm step must not print process warnings (collection keys).
  // Frozen: every caller shares this answer, so none may add or drop a document.
  docs = Object.freeze(Array.from(parseAllDocuments(text, { prettyErrors: false, logLevel: 'error' }))) as Doc[];
  parsed.set(text, docs);
  return docs;
}

const CEILING = { ...MANIFEST_LIMITS, maxBytes: MANIFEST_BYTES_CEILING };

// The last few parses, shared by the steps of one edit (locate, splice, confirm); documents are
// only read, never changed. Bounded by the text they came from (a parsed document takes some 50–100
// times its text): 64 kB of text, and always the latest one.
const parsed = new Lru<string, Doc[]>(64 * 1024, (_, text) => text.length);

/** Parse, refusing syntax errors and unresolved aliases. Repeated keys are left to `rejectDuplicates`. */
export function parseChecked(ctx: Ctx): Doc[] {
  const { text, file } = ctx;
  const docs = parseStream(text);
  const syntax = docs.flatMap((d) => d.errors).find((e) => e.code !== 'DUPLICATE_KEY');
  if (syntax) {
    const template = helmTemplate(ctx);
    if (template) throw template;
    const line = lineOf(text, syntax.pos[0]);
    const column = syntax.pos[0] - lineStart(text, syntax.pos[0]) + 1;
    throw manifestError(
      'MANIFEST_YAML_INVALID',
      `${file} is not valid YAML at line ${line}, column ${column}: ${syntax.message} (looking for ${ctx.field} of ${describeTarget(ctx.target)})`,
      file,
      ctx.target,
      line,
      ctx.field,
    );
  }
  const unresolved = docs.map(firstUnresolvedAlias).find((a) => a !== undefined);
  if (unresolved) {
    const line = lineOf(text, unresolved.offset);
    throw manifestError(
      'MANIFEST_YAML_INVALID',
      `${file} is not valid YAML at line ${line}: alias *${unresolved.name} has no anchor &${unresolved.name} before it (looking for ${ctx.field} of ${describeTarget(ctx.target)})`,
      file,
      ctx.target,
      line,
      ctx.field,
    );
  }
  return docs;
}

const ACTION = /\{\{-?[^}]*\}\}/;

/**
 * A file that does not parse and holds Helm actions (`{{ … }}`) is a chart template: gitscale
 * edits the values the chart reads, so the error points at the values file and, when the
 * template reads `.Values.<key>` on its replicas line, at that key.
 */
function helmTemplate(ctx: Ctx): ManifestError | undefined {
  const { text, file } = ctx;
  const m = ACTION.exec(text);
  if (!m) return undefined;
  const line = lineOf(text, m.index);
  const values = /(^|\/)templates\//.test(file) ? file.replace(/(^|\/)templates\/.*$/, '$1values.yaml') : "the chart's values.yaml";
  const key = /replicas:\s*\{\{-?\s*\.Values\.([A-Za-z0-9_.]+)/.exec(text)?.[1] ?? 'replicaCount';
  return manifestError(
    'HELM_TEMPLATE',
    `${file} is a Helm template ({{ … }} at line ${line}), not YAML gitscale can edit: point gitscale.dev/path at ${values} and set gitscale.dev/field to the key the template reads (e.g. ${key})`,
    file,
    ctx.target,
    line,
    ctx.field,
  );
}

/** A repeated key anywhere (outside the field, which formats check themselves) refuses the file. */
export function rejectDuplicates(ctx: Ctx, docs: Doc[]): void {
  const duplicate = docs.flatMap((d) => d.errors)[0];
  if (!duplicate) return;
  const line = lineOf(ctx.text, duplicate.pos[0]);
  throw manifestError(
    'MANIFEST_YAML_INVALID',
    `${ctx.file} is not valid YAML at line ${line}: a mapping repeats a key (looking for ${ctx.field} of ${describeTarget(ctx.target)})`,
    ctx.file,
    ctx.target,
    line,
    ctx.field,
  );
}

export function keyIs(pair: Pair, key: string): boolean {
  return isScalar(pair.key) && pair.key.value === key;
}

export function offsetOf(node: unknown): number {
  return (node as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;
}

export function stringAt(map: YAMLMap, key: string): string | undefined {
  const node = map.get(key, true);
  return isScalar(node) && typeof node.value === 'string' && node.value !== '' ? node.value : undefined;
}

/** kind, apiVersion and metadata.name/namespace of a document whose root is a map. */
export interface Identity {
  kind?: string;
  apiVersion?: string;
  name?: string;
  namespace?: string;
  line: number;
}

export function identify(text: string, doc: Doc): Identity | null {
  const root = doc.contents;
  if (!isMap(root)) return null;
  const metadata = root.get('metadata', true);
  const meta = isMap(metadata) ? metadata : undefined;
  return {
    kind: stringAt(root, 'kind'),
    apiVersion: stringAt(root, 'apiVersion'),
    name: meta && stringAt(meta, 'name'),
    namespace: meta && stringAt(meta, 'namespace'),
    line: lineOf(text, root.range?.[0] ?? 0),
  };
}

/** An alias with no anchor of its name before it (the parser accepts it; converting fails). */
function firstUnresolvedAlias(doc: Doc): { name: string; offset: number } | undefined {
  const anchors = new Set<string>();
  let found: { name: string; offset: number } | undefined;
  visit(doc, {
    Node: (_, node) => {
      if (isAlias(node) && !anchors.has(node.source)) {
        found = { name: node.source, offset: offsetOf(node) };
        return visit.BREAK;
      }
      if (!isAlias(node) && node.anchor) anchors.add(node.anchor);
      return undefined;
    },
  });
  return found;
}

export function aliasNames(doc: Doc): Set<string> {
  const names = new Set<string>();
  visit(doc, {
    Alias: (_, node) => {
      names.add(node.source);
    },
  });
  return names;
}

/** Refuse when a collection on the way to the value is anchored and aliased: the edit would change the copies. */
export function checkAnchoredAncestors(ctx: Ctx, doc: Doc, ancestors: unknown[]): void {
  const used = aliasNames(doc);
  for (const node of ancestors) {
    if (!isCollection(node) || !node.anchor || !used.has(node.anchor)) continue;
    const line = lineOf(ctx.text, offsetOf(node));
    throw fail(
      ctx,
      'REPLICAS_ALIAS',
      `the map or list holding ${ctx.field} (line ${line}) is anchored (&${node.anchor}) and aliased elsewhere; an edit would change every alias`,
      line,
    );
  }
}

/** `spec.values.a[2]."x.y"` from data path steps; keys holding `.`, `[`, quotes or spaces are quoted. */
export function showPath(path: PathSeg[]): string {
  return path
    .map((s, i) => (typeof s === 'number' ? `[${s}]` : `${i === 0 ? '' : '.'}${/^[^.[\]"'\s]+$/.test(s) ? s : JSON.stringify(s)}`))
    .join('');
}

const DIGITS = /^(0|[1-9][0-9]*)$/;

/**
 * The replica count a scalar node spells, under the rules every format shares: a literal
 * non-negative int32, plain or quoted; no alias, anchor, template, block scalar or leading zero.
 * `fallback` is the offset to report when the node is absent (e.g. the key of an empty value).
 */
export function scalarLocation(ctx: Ctx, node: Node | null | undefined, fallback: number): ValueLoc {
  const { text } = ctx;
  const line = lineOf(text, node ? offsetOf(node) : fallback);
  const refuse = (code: ManifestCode, what: string): ManifestError => fail(ctx, code, `${ctx.field} at line ${line} ${what}`, line);
  if (isAlias(node)) throw refuse('REPLICAS_ALIAS', `is an alias (*${node.source}); gitscale edits only literal values`);
  if (!isScalar(node) || !node.range) {
    const source = node?.range ? text.slice(offsetOf(node), node.range[1]) : '';
    const hint = source.includes('{{') ? ` (it looks like a template: ${source.trim()}); render it before gitscale edits it` : '';
    throw refuse('REPLICAS_NOT_INTEGER', `is ${node ? 'a collection' : 'empty'}, not a non-negative integer${hint}`);
  }
  if (node.anchor)
    throw refuse('REPLICAS_ALIAS', `carries an anchor (&${node.anchor}) that other nodes may alias; gitscale will not change them too`);
  const [start, end] = node.range;
  const source = text.slice(start, end);
  let style: ScalarStyle;
  let digits: string;
  if (node.type === 'PLAIN') {
    style = 'plain';
    digits = typeof node.value === 'number' ? source : '';
  } else if (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') {
    // A quoted count ("3", '3') is accepted as the integer it spells and keeps its quotes. kubectl
    // would reject a string for an int32, but the file may feed a tool that coerces (envsubst,
    // kustomize replacements, templating); its quoting is the author's choice, not ours to fix.
    style = node.type === 'QUOTE_DOUBLE' ? 'double' : 'single';
    digits = source.slice(1, -1);
  } else {
    throw refuse('REPLICAS_NOT_INTEGER', 'is a block scalar, not a non-negative integer');
  }
  if (!DIGITS.test(digits)) {
    // Leading zeros are refused too: 010 is 8 in YAML 1.1 (Kubernetes) and 10 in YAML 1.2.
    const shown = node.value === null ? 'null' : JSON.stringify(source);
    const hint = source.includes('{{') ? ' (a Helm template expression; gitscale edits only literal values)' : '';
    throw refuse('REPLICAS_NOT_INTEGER', `is ${shown}, not a non-negative integer${hint}`);
  }
  const replicas = Number(digits);
  if (replicas > MAX_REPLICAS) throw refuse('REPLICAS_OUT_OF_RANGE', `is ${digits}, above the int32 maximum ${MAX_REPLICAS}`);
  return { kind: 'value', start, end, replicas, style, line };
}
