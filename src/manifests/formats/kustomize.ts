// Kustomize: the `replicas: [{name, count}]` list of a kustomization (or of an Argo CD
// Application's spec.source.kustomize). Updates `count` in place; a missing entry is appended in
// the list's own style; a missing list is appended as a block at the end of its map.
import { isAlias, isMap, isScalar, isSeq, visit, type Node, type YAMLMap, type YAMLSeq } from 'yaml';
import type { Location, ManifestFormat, PathSeg, WorkloadTarget } from '../types.js';
import {
  checkAnchoredAncestors,
  eolOf,
  fail,
  identify,
  keyIs,
  lineOf,
  lineStart,
  offsetOf,
  parseChecked,
  rejectDuplicates,
  scalarLocation,
  showPath,
  stringAt,
  type Ctx,
  type Doc,
  type InsertLoc,
  type ValueLoc,
} from '../common.js';
import { walk } from '../path.js';
import { isArgoApplication, pickWrapper } from './values.js';

/** The names kustomize reads a directory's kustomization from, in its order. */
export const KUSTOMIZATION_FILE_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;
const FILE_NAMES: ReadonlySet<string> = new Set(KUSTOMIZATION_FILE_NAMES);

export const isKustomizationFile = (file: string): boolean => FILE_NAMES.has(file.slice(file.lastIndexOf('/') + 1));
export const isKustomization = (apiVersion?: string, kind?: string): boolean =>
  kind === 'Kustomization' && !!apiVersion?.startsWith('kustomize.config.k8s.io/');

/** Indices of the kustomization documents (by kind; else, in a kustomization file, the filled ones). */
export function kustomizationDocs(text: string, file: string, docs: Doc[]): number[] {
  const byKind = docs
    .map((d, i) => ({ id: identify(text, d), i }))
    .filter(({ id }) => isKustomization(id?.apiVersion, id?.kind))
    .map(({ i }) => i);
  if (byKind.length > 0 || !isKustomizationFile(file)) return byKind;
  const filled = docs.map((d, i) => (d.contents === null ? -1 : i)).filter((i) => i >= 0);
  return filled.length === 0 && docs.length > 0 ? [0] : filled;
}

/** Argo CD Applications with a spec.source.kustomize map. */
export function argoKustomizeDocs(text: string, docs: Doc[]): { doc: number; name?: string; line: number }[] {
  return docs.flatMap((d, doc) => {
    const id = identify(text, d);
    if (!id || !isArgoApplication(id.apiVersion, id.kind) || !isMap(d.getIn(['spec', 'source', 'kustomize'], true))) return [];
    return [{ doc, name: id.name, line: id.line }];
  });
}

/** YAML for a name: plain when that reads back as the same string, else double-quoted. */
function yamlName(name: string): string {
  return /^[a-z]([-a-z0-9.]*[a-z0-9])?$/.test(name) && !/^(true|false|null|yes|no|on|off|y|n)$/.test(name) ? name : JSON.stringify(name);
}

export function locateKustomize(text: string, target: WorkloadTarget, file: string, format: ManifestFormat): Location {
  const ctx: Ctx = { text, target, file, field: 'replicas' };
  const docs = parseChecked(ctx);
  let doc: number;
  let base: PathSeg[] = [];
  if (format === 'argo-application') {
    ({ doc } = pickWrapper(ctx, argoKustomizeDocs(text, docs), 'Application'));
    base = ['spec', 'source', 'kustomize'];
  } else {
    const found = kustomizationDocs(text, file, docs);
    if (found.length !== 1) {
      throw fail(
        ctx,
        'TARGET_AMBIGUOUS',
        `the file holds ${found.length} kustomization documents; refusing to guess which replicas list to edit`,
      );
    }
    doc = found[0];
  }
  ctx.field = showPath([...base, 'replicas']);
  const container = walk(ctx, docs[doc].contents, [], base).node;
  const loc = locateIn(ctx, docs[doc], container, base, docs.length);
  rejectDuplicates(ctx, docs);
  return { ...loc, doc, format, field: ctx.field };
}

type Found = (ValueLoc | InsertLoc) & { path: PathSeg[] };

function locateIn(ctx: Ctx, doc: Doc, container: Node | null, base: PathSeg[], docCount: number): Found {
  const { text } = ctx;
  if (container === null) {
    if (docCount !== 1)
      throw fail(ctx, 'KUSTOMIZE_INVALID', 'the kustomization is an empty document among others; add a replicas list by hand');
    return appendList(ctx, doc, null, base);
  }
  if (!isMap(container))
    throw fail(ctx, 'KUSTOMIZE_INVALID', `${showPath(base) || 'the document'} is not a map`, lineOf(text, offsetOf(container)));
  const pairs = container.items.filter((p) => keyIs(p, 'replicas'));
  const lines = pairs.map((p) => lineOf(text, offsetOf(p.key)));
  if (pairs.length > 1)
    throw fail(ctx, 'REPLICAS_DUPLICATE', `${ctx.field} appears ${pairs.length} times (lines ${lines.join(', ')})`, lines[0]);
  if (pairs.length === 0) return appendList(ctx, doc, container, base);
  const list = pairs[0].value;
  const line = lines[0];
  if (isAlias(list))
    throw fail(ctx, 'REPLICAS_ALIAS', `${ctx.field} at line ${line} is an alias (*${list.source}); edit the anchored list instead`, line);
  if (!isSeq(list)) throw fail(ctx, 'KUSTOMIZE_INVALID', `${ctx.field} at line ${line} is not a list of {name, count} entries`, line);
  const entries: number[] = [];
  list.items.forEach((item, i) => {
    const itemLine = lineOf(text, offsetOf(item));
    if (isAlias(item))
      throw fail(
        ctx,
        'REPLICAS_ALIAS',
        `${ctx.field}[${i}] at line ${itemLine} is an alias (*${item.source}); gitscale edits only literal entries`,
        itemLine,
      );
    if (!isMap(item)) throw fail(ctx, 'KUSTOMIZE_INVALID', `${ctx.field}[${i}] at line ${itemLine} is not a {name, count} map`, itemLine);
    if (stringAt(item, 'name') === ctx.target.name) entries.push(i);
  });
  if (entries.length > 1) {
    const at = entries.map((i) => lineOf(text, offsetOf(list.items[i])));
    throw fail(
      ctx,
      'REPLICAS_DUPLICATE',
      `${ctx.field} has ${entries.length} entries named ${ctx.target.name} (lines ${at.join(', ')})`,
      at[0],
    );
  }
  if (entries.length === 0) {
    const adds = [...base, 'replicas', list.items.length];
    ctx.field = showPath([...adds, 'count']);
    return { ...appendEntry(ctx, list, line), adds, path: [...adds, 'count'] };
  }
  const i = entries[0];
  const entry = list.items[i] as YAMLMap;
  ctx.field = showPath([...base, 'replicas', i, 'count']);
  const counts = entry.items.filter((p) => keyIs(p, 'count'));
  const entryLine = lineOf(text, offsetOf(entry));
  if (counts.length > 1)
    throw fail(ctx, 'REPLICAS_DUPLICATE', `${ctx.field} appears ${counts.length} times in the entry at line ${entryLine}`, entryLine);
  if (counts.length === 0)
    throw fail(ctx, 'KUSTOMIZE_INVALID', `the entry for ${ctx.target.name} at line ${entryLine} has no count`, entryLine);
  checkAnchoredAncestors(ctx, doc, [container, list, entry]);
  return { ...scalarLocation(ctx, counts[0].value as Node | null, offsetOf(counts[0].key)), path: [...base, 'replicas', i, 'count'] };
}

/** Offset of the start of the line after the one where `end` falls (or the text's end). */
function lineAfter(text: string, end: number): number {
  if (end > 0 && text[end - 1] === '\n') return end;
  const nl = text.indexOf('\n', end);
  return nl === -1 ? text.length : nl + 1;
}

/** Insert at `at` (a line start, or the end of a file without a final newline) the lines `head` + N + eol. */
function lines(text: string, at: number, head: string, line: number, adds: PathSeg[]): InsertLoc {
  const eol = eolOf(text);
  const open = at === text.length && text.length > 0 && !text.endsWith('\n');
  return open
    ? { kind: 'insert', at, prefix: `${eol}${head}`, suffix: '', line, adds }
    : { kind: 'insert', at, prefix: head, suffix: eol, line, adds };
}

function appendEntry(ctx: Ctx, list: YAMLSeq, line: number): InsertLoc {
  const { text } = ctx;
  const name = yamlName(ctx.target.name);
  const open = offsetOf(list);
  const last = list.items[list.items.length - 1] as Node | undefined;
  if (list.flow) {
    if (text[open] !== '[')
      throw fail(ctx, 'KUSTOMIZE_INVALID', `cannot add an entry: the flow list at line ${line} does not start with [`, line);
    const at = last?.range ? last.range[1] : open + 1;
    return { kind: 'insert', at, prefix: `${last ? ', ' : ''}{name: ${name}, count: `, suffix: '}', line, adds: [] };
  }
  const first = list.items[0] as Node;
  const lead = text.slice(lineStart(text, offsetOf(first)), offsetOf(first));
  const m = /^( *)- +$/.exec(lead);
  if (!m || !last?.range)
    throw fail(
      ctx,
      'KUSTOMIZE_INVALID',
      `cannot add an entry: the first entry of the list at line ${line} is not laid out as "- name: …"`,
      line,
    );
  const eol = eolOf(text);
  const itemIndent = ' '.repeat(lead.length);
  const entry = isMap(first) && first.flow ? `${m[1]}- {name: ${name}, count: ` : `${m[1]}- name: ${name}${eol}${itemIndent}count: `;
  const loc = lines(text, lineAfter(text, last.range[1]), entry, line, []);
  return isMap(first) && first.flow ? { ...loc, suffix: `}${loc.suffix}` } : loc;
}

/**
 * Dash indent of the document's block lists relative to their key (`key:\n  - x` → "  "); the
 * first such list decides. kustomize's own style ("") when the document has none.
 */
function dashIndent(text: string, doc: Doc): string {
  let found = '';
  visit(doc, {
    Pair: (_, p) => {
      const v = p.value;
      if (!isSeq(v) || v.flow || !isScalar(p.key) || !p.key.range) return undefined;
      const col = (o: number): number => o - lineStart(text, o);
      const d = col(offsetOf(v)) - col(p.key.range[0]);
      if (d < 0 || lineOf(text, offsetOf(v)) === lineOf(text, p.key.range[0])) return undefined;
      found = ' '.repeat(d);
      return visit.BREAK;
    },
  });
  return found;
}

function appendList(ctx: Ctx, doc: Doc, map: YAMLMap | null, base: PathSeg[]): Found {
  const { text } = ctx;
  const adds = [...base, 'replicas'];
  const path = [...adds, 0, 'count'];
  ctx.field = showPath(path);
  const name = yamlName(ctx.target.name);
  const eol = eolOf(text);
  if (map === null) {
    const head = `replicas:${eol}- name: ${name}${eol}  count: `;
    return { ...lines(text, text.length, head, 1, adds), path };
  }
  const line = lineOf(text, offsetOf(map));
  const firstKey = map.items[0]?.key;
  if (map.flow || !isScalar(firstKey) || !firstKey.range) {
    throw fail(
      ctx,
      'KUSTOMIZE_INVALID',
      `cannot add a replicas list to the ${map.flow ? 'flow ' : ''}map at line ${line}; add it by hand`,
      line,
    );
  }
  const lead = text.slice(lineStart(text, firstKey.range[0]), firstKey.range[0]);
  if (!/^ *$/.test(lead))
    throw fail(
      ctx,
      'KUSTOMIZE_INVALID',
      `cannot add a replicas list to the map at line ${line}: its first key does not start a line`,
      line,
    );
  const lastPair = map.items[map.items.length - 1];
  const end = (lastPair.value as Node | null)?.range?.[1] ?? (lastPair.key as Node).range?.[1] ?? text.length;
  const d = dashIndent(text, doc);
  const head = `${lead}replicas:${eol}${lead}${d}- name: ${name}${eol}${lead}${d}  count: `;
  return { ...lines(text, lineAfter(text, end), head, line, adds), path };
}
