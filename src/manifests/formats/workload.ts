// Workload: `spec.replicas` of the Deployment, StatefulSet, Argo Rollouts Rollout … whose kind
// and metadata.name match, in any document of a multi-document file; or the point where a
// missing one goes (right under `spec:`).
import { isAlias, isMap, isScalar, type Pair, type YAMLMap } from 'yaml';
import type { ManifestError } from '../../errors.js';
import type { Location, WorkloadTarget } from '../types.js';
import { missingFieldError } from './values.js';
import { REPLICAS_FIELD, describeTarget } from '../types.js';
import {
  aliasNames,
  fail,
  identify,
  keyIs,
  lineOf,
  lineStart,
  manifestError,
  offsetOf,
  parseChecked,
  rejectDuplicates,
  scalarLocation,
  type Ctx,
  type Doc,
  type Identity,
  type InsertLoc,
  type ValueLoc,
} from '../common.js';

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

/** Find the workload's replica count, or where it would go. Throws ManifestError. */
export function locateWorkload(text: string, target: WorkloadTarget, file: string): Location {
  const ctx: Ctx = { text, target, file, field: REPLICAS_FIELD };
  const docs = parseChecked(ctx);
  const ids = docs.map((d) => identify(text, d));
  const found = docs.map((_, i) => i).filter((i) => matches(ids[i], target));
  if (found.length === 1) checkDuplicateReplicas(ctx, docs[found[0]]);
  rejectDuplicates(ctx, docs);
  if (found.length === 0)
    throw (
      missingFieldError(text, target, file, docs) ??
      manifestError('TARGET_NOT_FOUND', notFoundMessage(text, target, file, docs), file, target)
    );
  if (found.length > 1) {
    const lines = found.map((i) => ids[i]?.line);
    throw fail(
      ctx,
      'TARGET_AMBIGUOUS',
      `matches ${found.length} documents (lines ${lines.join(', ')}); refusing to guess which ${REPLICAS_FIELD} to edit`,
      lines[0],
    );
  }
  const at = { doc: found[0], path: ['spec', 'replicas'], format: 'workload' as const, field: REPLICAS_FIELD };
  return { ...locateIn(ctx, docs[found[0]]), ...at };
}

/** The not-found message names what the file holds instead. */
export function notFoundMessage(text: string, target: WorkloadTarget, file: string, docs: Doc[]): string {
  return `${describeTarget(target)} not found in ${file}; ${inventory(
    docs.map((d) => identify(text, d)),
    target,
  )}`;
}

function checkDuplicateReplicas(ctx: Ctx, doc: Doc): void {
  const spec = (doc.contents as YAMLMap).get('spec', true);
  if (!isMap(spec)) return;
  const keys = spec.items.filter((p) => keyIs(p, 'replicas'));
  if (keys.length < 2) return;
  const lines = keys.map((p) => lineOf(ctx.text, offsetOf(p.key)));
  throw fail(ctx, 'REPLICAS_DUPLICATE', `${REPLICAS_FIELD} appears ${keys.length} times (lines ${lines.join(', ')})`, lines[0]);
}

type Found = ValueLoc | InsertLoc;

function locateIn(ctx: Ctx, doc: Doc): Found {
  const { text } = ctx;
  const root = doc.contents as YAMLMap;
  const specPair = root.items.find((p) => keyIs(p, 'spec'));
  if (!specPair) {
    const line = lineOf(text, offsetOf(root));
    throw fail(ctx, 'SPEC_NOT_MAP', `the object (line ${line}) has no spec, so ${REPLICAS_FIELD} cannot be read or set`, line);
  }
  const specLine = lineOf(text, offsetOf(specPair.key));
  const spec = specPair.value;
  if (isAlias(spec))
    throw fail(ctx, 'SPEC_NOT_MAP', `spec at line ${specLine} is an alias (*${spec.source}); edit the anchored map instead`, specLine);
  if (!isMap(spec))
    throw fail(ctx, 'SPEC_NOT_MAP', `spec at line ${specLine} is not a map, so ${REPLICAS_FIELD} cannot be read or set`, specLine);
  if (spec.anchor && aliasNames(doc).has(spec.anchor)) {
    throw fail(
      ctx,
      'REPLICAS_ALIAS',
      `spec at line ${specLine} is anchored (&${spec.anchor}) and aliased elsewhere; an edit would change every alias`,
      specLine,
    );
  }
  const pair = spec.items.find((p) => keyIs(p, 'replicas'));
  if (pair) return scalarLocation(ctx, pair.value as never, offsetOf(pair.key));
  if (spec.items.some((p) => keyIs(p, '<<'))) {
    throw fail(
      ctx,
      'REPLICAS_ALIAS',
      `spec at line ${specLine} has a merge key (<<), so ${REPLICAS_FIELD} may come from an anchor; set it explicitly first`,
      specLine,
    );
  }
  return insertLocation(ctx, specPair, spec, specLine);
}

function insertLocation(ctx: Ctx, specPair: Pair, spec: YAMLMap, line: number): Found {
  const { text } = ctx;
  const adds = ['spec', 'replicas'];
  const cannot = (why: string): ManifestError =>
    fail(ctx, 'SPEC_NOT_MAP', `cannot insert ${REPLICAS_FIELD} into spec at line ${line}: ${why}`, line);
  const open = offsetOf(spec);
  if (spec.flow) {
    if (text[open] !== '{') throw cannot('the flow map does not start with {');
    if (spec.items.length === 0) return { kind: 'insert', at: open + 1, prefix: 'replicas: ', suffix: '', line, adds };
    let at = open + 1;
    while (text[at] === ' ' || text[at] === '\t') at++;
    // `{` followed by a line break or comment: insert right after `{`, ending with a bare comma.
    if (at >= text.length || '\r\n#'.includes(text[at]))
      return { kind: 'insert', at: open + 1, prefix: 'replicas: ', suffix: ',', line, adds };
    return { kind: 'insert', at, prefix: 'replicas: ', suffix: ', ', line, adds };
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
  return { kind: 'insert', at, prefix: `${indent}replicas: `, suffix: eol, line, adds };
}
