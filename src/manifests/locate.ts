// Locate: find the one document for a workload and, in it, the `spec.replicas` scalar or the
// point where a missing one goes. Offsets come from the `yaml` package's node ranges (string
// indices into the original text, BOM included); nothing here re-serializes a document.
import { isAlias, isMap, isScalar, parseAllDocuments, visit, type Document, type Pair, type YAMLMap } from 'yaml';
import { ManifestError } from '../errors.js';
import type { Location, ManifestErrorCode, ScalarStyle, WorkloadTarget } from './types.js';
import { MAX_REPLICAS, REPLICAS_FIELD, describeTarget } from './types.js';

type Doc = Document.Parsed;

/** 1-based line of a string offset. */
export function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

export function manifestError(code: ManifestErrorCode, message: string, file: string, target: WorkloadTarget, line?: number): ManifestError {
  return new ManifestError(code, message, { file, field: REPLICAS_FIELD, object: describeTarget(target), ...(line === undefined ? {} : { line }) });
}

/** Every document of the stream; a syntax error anywhere refuses the whole file. */
export function parseStream(text: string): Doc[] {
  // prettyErrors off: messages stay one line and we compute the line ourselves. logLevel
  // 'error': toJS() in the confirm step must not print process warnings (collection keys).
  return Array.from(parseAllDocuments(text, { prettyErrors: false, logLevel: 'error' }));
}

function stringAt(map: YAMLMap, key: string): string | undefined {
  const node = map.get(key, true);
  return isScalar(node) && typeof node.value === 'string' && node.value !== '' ? node.value : undefined;
}

interface Identity { kind?: string; name?: string; namespace?: string; line: number }

function identify(text: string, doc: Doc): Identity | null {
  const root = doc.contents;
  if (!isMap(root)) return null;
  const metadata = root.get('metadata', true);
  const meta = isMap(metadata) ? metadata : undefined;
  return {
    kind: stringAt(root, 'kind'),
    name: meta && stringAt(meta, 'name'),
    namespace: meta && stringAt(meta, 'namespace'),
    line: lineOf(text, root.range?.[0] ?? 0),
  };
}

function matches(id: Identity | null, target: WorkloadTarget): boolean {
  return !!id && id.kind === target.kind && id.name === target.name && (id.namespace === undefined || id.namespace === target.namespace);
}

function inventory(ids: (Identity | null)[], target: WorkloadTarget): string {
  const named = ids.filter((id): id is Identity => !!id && (!!id.kind || !!id.name));
  if (named.length === 0) return 'the file has no Kubernetes objects';
  const shown = named.slice(0, 8).map((id) => {
    const ns = id.namespace ? `${id.namespace}/` : '';
    const note = id.kind === target.kind && id.name === target.name ? ', other namespace' : '';
    return `${id.kind ?? '(no kind)'} ${ns}${id.name ?? '(no name)'} (line ${id.line}${note})`;
  });
  const more = named.length > shown.length ? `, and ${named.length - shown.length} more` : '';
  return `the file has: ${shown.join(', ')}${more}`;
}

function keyIs(pair: Pair, key: string): boolean {
  return isScalar(pair.key) && pair.key.value === key;
}

function offsetOf(node: unknown): number {
  return (node as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;
}

/** Find the workload's replica count, or where it would go. Throws ManifestError. */
export function locate(text: string, target: WorkloadTarget, file: string): Location {
  const docs = parseStream(text);
  const errors = docs.flatMap((d) => d.errors);
  const syntax = errors.find((e) => e.code !== 'DUPLICATE_KEY');
  if (syntax) {
    const line = lineOf(text, syntax.pos[0]);
    const column = syntax.pos[0] - lineStart(text, syntax.pos[0]) + 1;
    throw manifestError('MANIFEST_YAML_INVALID',
      `${file} is not valid YAML at line ${line}, column ${column}: ${syntax.message} (looking for ${REPLICAS_FIELD} of ${describeTarget(target)})`,
      file, target, line);
  }
  const unresolved = docs.map(firstUnresolvedAlias).find((a) => a !== undefined);
  if (unresolved) {
    const line = lineOf(text, unresolved.offset);
    throw manifestError('MANIFEST_YAML_INVALID',
      `${file} is not valid YAML at line ${line}: alias *${unresolved.name} has no anchor &${unresolved.name} before it (looking for ${REPLICAS_FIELD} of ${describeTarget(target)})`,
      file, target, line);
  }
  const ids = docs.map((d) => identify(text, d));
  const found = docs.filter((_, i) => matches(ids[i], target));
  if (found.length === 1) checkDuplicateReplicas(text, found[0], target, file);
  const duplicate = errors[0];
  if (duplicate) {
    const line = lineOf(text, duplicate.pos[0]);
    throw manifestError('MANIFEST_YAML_INVALID',
      `${file} is not valid YAML at line ${line}: a mapping repeats a key (looking for ${REPLICAS_FIELD} of ${describeTarget(target)})`,
      file, target, line);
  }
  if (found.length === 0) {
    throw manifestError('TARGET_NOT_FOUND',
      `${describeTarget(target)} not found in ${file}; ${inventory(ids, target)}`, file, target);
  }
  if (found.length > 1) {
    const lines = docs.map((_, i) => ids[i]).filter((id) => matches(id, target)).map((id) => id?.line);
    throw manifestError('TARGET_AMBIGUOUS',
      `${describeTarget(target)} matches ${found.length} documents in ${file} (lines ${lines.join(', ')}); refusing to guess which ${REPLICAS_FIELD} to edit`,
      file, target, lines[0]);
  }
  return locateIn(text, found[0], target, file);
}

function checkDuplicateReplicas(text: string, doc: Doc, target: WorkloadTarget, file: string): void {
  const spec = (doc.contents as YAMLMap).get('spec', true);
  if (!isMap(spec)) return;
  const keys = spec.items.filter((p) => keyIs(p, 'replicas'));
  if (keys.length < 2) return;
  const lines = keys.map((p) => lineOf(text, offsetOf(p.key)));
  throw manifestError('REPLICAS_DUPLICATE',
    `${describeTarget(target)} in ${file}: ${REPLICAS_FIELD} appears ${keys.length} times (lines ${lines.join(', ')})`,
    file, target, lines[0]);
}

function locateIn(text: string, doc: Doc, target: WorkloadTarget, file: string): Location {
  const where = `${describeTarget(target)} in ${file}`;
  const root = doc.contents as YAMLMap;
  const specPair = root.items.find((p) => keyIs(p, 'spec'));
  if (!specPair) {
    const line = lineOf(text, offsetOf(root));
    throw manifestError('SPEC_NOT_MAP', `${where}: the object (line ${line}) has no spec, so ${REPLICAS_FIELD} cannot be read or set`, file, target, line);
  }
  const specLine = lineOf(text, offsetOf(specPair.key));
  const spec = specPair.value;
  if (isAlias(spec)) {
    throw manifestError('SPEC_NOT_MAP', `${where}: spec at line ${specLine} is an alias (*${spec.source}); edit the anchored map instead`, file, target, specLine);
  }
  if (!isMap(spec)) {
    throw manifestError('SPEC_NOT_MAP', `${where}: spec at line ${specLine} is not a map, so ${REPLICAS_FIELD} cannot be read or set`, file, target, specLine);
  }
  if (spec.anchor && aliasNames(doc).has(spec.anchor)) {
    throw manifestError('REPLICAS_ALIAS', `${where}: spec at line ${specLine} is anchored (&${spec.anchor}) and aliased elsewhere; an edit would change every alias`, file, target, specLine);
  }
  const pair = spec.items.find((p) => keyIs(p, 'replicas'));
  if (pair) return valueLocation(text, pair, where, target, file);
  if (spec.items.some((p) => keyIs(p, '<<'))) {
    throw manifestError('REPLICAS_ALIAS', `${where}: spec at line ${specLine} has a merge key (<<), so ${REPLICAS_FIELD} may come from an anchor; set it explicitly first`, file, target, specLine);
  }
  return insertLocation(text, specPair, spec, where, target, file, specLine);
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

function aliasNames(doc: Doc): Set<string> {
  const names = new Set<string>();
  visit(doc, { Alias: (_, node) => { names.add(node.source); } });
  return names;
}

const DIGITS = /^(0|[1-9][0-9]*)$/;

function valueLocation(text: string, pair: Pair, where: string, target: WorkloadTarget, file: string): Location {
  const node = pair.value;
  const line = lineOf(text, offsetOf(node ?? pair.key));
  const refuse = (code: ManifestErrorCode, what: string): ManifestError =>
    manifestError(code, `${where}: ${REPLICAS_FIELD} at line ${line} ${what}`, file, target, line);
  if (isAlias(node)) throw refuse('REPLICAS_ALIAS', `is an alias (*${node.source}); gitscale edits only literal values`);
  if (!isScalar(node) || !node.range) {
    const source = node && (node as { range?: number[] }).range ? text.slice(offsetOf(node), (node as { range: number[] }).range[1]) : '';
    const hint = source.includes('{{') ? ` (it looks like a template: ${source.trim()}); render it before gitscale edits it` : '';
    throw refuse('REPLICAS_NOT_INTEGER', `is ${node ? 'a collection' : 'empty'}, not a non-negative integer${hint}`);
  }
  if (node.anchor) throw refuse('REPLICAS_ALIAS', `carries an anchor (&${node.anchor}) that other nodes may alias; gitscale will not change them too`);
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
    throw refuse('REPLICAS_NOT_INTEGER', `is ${shown}, not a non-negative integer`);
  }
  const replicas = Number(digits);
  if (replicas > MAX_REPLICAS) throw refuse('REPLICAS_OUT_OF_RANGE', `is ${digits}, above the int32 maximum ${MAX_REPLICAS}`);
  return { kind: 'value', start, end, replicas, style, line };
}

function insertLocation(text: string, specPair: Pair, spec: YAMLMap, where: string, target: WorkloadTarget, file: string, line: number): Location {
  const cannot = (why: string): ManifestError =>
    manifestError('SPEC_NOT_MAP', `${where}: cannot insert ${REPLICAS_FIELD} into spec at line ${line}: ${why}`, file, target, line);
  const open = offsetOf(spec);
  if (spec.flow) {
    if (text[open] !== '{') throw cannot('the flow map does not start with {');
    if (spec.items.length === 0) return { kind: 'insert', at: open + 1, prefix: 'replicas: ', suffix: '', line };
    let at = open + 1;
    while (text[at] === ' ' || text[at] === '\t') at++;
    // `{` followed by a line break or comment: insert right after `{`, ending with a bare comma.
    if (at >= text.length || '\r\n#'.includes(text[at])) return { kind: 'insert', at: open + 1, prefix: 'replicas: ', suffix: ',', line };
    return { kind: 'insert', at, prefix: 'replicas: ', suffix: ', ', line };
  }
  const firstKey = spec.items[0]?.key;
  if (!isScalar(firstKey) || !firstKey.range) throw cannot('its first key is not a plain key');
  const firstLine = lineStart(text, firstKey.range[0]);
  const lead = text.slice(firstLine, firstKey.range[0]);
  const indent = /^ */.exec(lead)?.[0] ?? '';
  // Only indentation and the key's own properties (&anchor, !tag) may precede the first key.
  if (indent === '' || !/^ +(?:[&!]\S*[ \t]+)*$/.test(lead)) throw cannot('its first key does not start an indented line');
  // The new entry goes right under `spec:`, before comment lines that belong to the first key;
  // if anything else lies between (the map's own &anchor or !tag line), right before the first key.
  const specKeyEnd = (specPair.key as { range?: number[] }).range?.[1] ?? firstLine;
  const nl = text.indexOf('\n', specKeyEnd);
  const between = nl !== -1 && nl + 1 <= firstLine ? text.slice(nl + 1, firstLine) : null;
  const onlyComments = between !== null && between.split('\n').every((l) => /^[ \t]*(#.*)?\r?$/.test(l));
  const at = onlyComments ? nl + 1 : firstLine;
  const eol = text[at - 2] === '\r' ? '\r\n' : '\n';
  return { kind: 'insert', at, prefix: `${indent}replicas: `, suffix: eol, line };
}
