// Splice and confirm: replace only the located bytes, then re-read the new text and prove the
// edit did what it claims (STYLE §7). A failed confirmation throws EDIT_NOT_CONFIRMED and the
// caller writes nothing.
import { isDeepStrictEqual } from 'node:util';
import type { Document } from 'yaml';
import { errorMessage } from '../errors.js';
import { locate, manifestError, parseStream } from './locate.js';
import type { Edit, Location, WorkloadTarget } from './types.js';
import { REPLICAS_FIELD, describeTarget } from './types.js';

const QUOTES = { plain: '', double: '"', single: "'" } as const;

/** The edit that makes `loc` read `replicas`, keeping the scalar's quoting. */
export function editFor(loc: Location, replicas: number): Edit {
  if (loc.kind === 'value') {
    const q = QUOTES[loc.style];
    return { start: loc.start, end: loc.end, text: `${q}${replicas}${q}` };
  }
  return { start: loc.at, end: loc.at, text: `${loc.prefix}${replicas}${loc.suffix}` };
}

export function applyEdit(text: string, edit: Edit): string {
  return text.slice(0, edit.start) + edit.text + text.slice(edit.end);
}

/**
 * Re-read `after` and check that: the bytes before and after the edit are the original ones; the
 * workload now reads `replicas` from a scalar inside the spliced bytes; every document parses to
 * the same data as before, except the target's `spec.replicas`.
 */
export function confirmEdit(before: string, after: string, edit: Edit, target: WorkloadTarget, replicas: number, file: string): void {
  const fail = (why: string): never => {
    throw manifestError('EDIT_NOT_CONFIRMED',
      `${describeTarget(target)} in ${file}: setting ${REPLICAS_FIELD} to ${replicas} was not confirmed (${why}); nothing was written`,
      file, target);
  };
  const newEnd = edit.start + edit.text.length;
  if (after.slice(0, edit.start) !== before.slice(0, edit.start)) fail('bytes before the edit changed');
  if (after.slice(newEnd) !== before.slice(edit.end)) fail('bytes after the edit changed');
  if (after.slice(edit.start, newEnd) !== edit.text) fail('the spliced bytes differ from the edit');

  let loc: Location;
  try {
    loc = locate(after, target, file);
  } catch (e) {
    return fail(`the new text no longer reads: ${errorMessage(e)}`);
  }
  if (loc.kind !== 'value') return fail('the new text has no replicas value');
  if (loc.replicas !== replicas) fail(`the new text reads ${loc.replicas}`);
  if (loc.start < edit.start || loc.end > newEnd) fail('the value read back lies outside the spliced bytes');

  const was = parseStream(before);
  const now = parseStream(after);
  if (was.length !== now.length) fail(`the file had ${was.length} documents and now has ${now.length}`);
  for (let i = 0; i < was.length; i++) {
    const old = data(was[i], fail);
    const neu = data(now[i], fail);
    if (isDeepStrictEqual(old, neu)) continue;
    const [from, to] = now[i].range;
    if (edit.start < from || edit.start > to) fail(`document ${i + 1}, which the edit does not touch, changed`);
    if (!sameButReplicas(old, neu)) fail(`document ${i + 1} changed beyond ${REPLICAS_FIELD}`);
  }
}

function data(doc: Document.Parsed, fail: (why: string) => never): unknown {
  try {
    return doc.toJS();
  } catch (e) {
    return fail(`a document cannot be converted to data: ${errorMessage(e)}`);
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function sameButReplicas(old: unknown, neu: unknown): boolean {
  if (!isObj(old) || !isObj(neu) || !isObj(old.spec) || !isObj(neu.spec)) return false;
  const spec = { ...old.spec };
  if ('replicas' in neu.spec) spec.replicas = neu.spec.replicas;
  return isDeepStrictEqual({ ...old, spec }, neu);
}
