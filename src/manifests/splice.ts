// Splice and confirm: replace only the located bytes, then re-read the new text and prove the
// edit did what it claims (docs/architecture.md §6). A failed confirmation throws EDIT_NOT_CONFIRMED and the
// caller writes nothing. Shared by every format.
import { isDeepStrictEqual } from 'node:util';
import type { Document } from 'yaml';
import { errorMessage } from '../errors.js';
import { manifestError, parseStream } from './common.js';
import { locate } from './dispatch.js';
import type { Edit, Location, PathSeg, WorkloadTarget } from './types.js';
import { describeTarget } from './types.js';

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
 * target now reads `replicas` at the same place, from a scalar inside the spliced bytes; every
 * document parses to the same data as before, except the one value (or the one inserted key or
 * list entry). `loc` is where `before` held the value (located again when omitted).
 */
export function confirmEdit(
  before: string,
  after: string,
  edit: Edit,
  target: WorkloadTarget,
  replicas: number,
  file: string,
  loc?: Location,
): void {
  let was: Location | undefined = loc;
  const fail = (why: string): never => {
    const field = was?.field ?? 'spec.replicas';
    throw manifestError(
      'EDIT_NOT_CONFIRMED',
      `${describeTarget(target)} in ${file}: setting ${field} to ${replicas} was not confirmed (${why}); nothing was written`,
      file,
      target,
      undefined,
      field,
    );
  };
  const newEnd = edit.start + edit.text.length;
  if (after.slice(0, edit.start) !== before.slice(0, edit.start)) fail('bytes before the edit changed');
  if (after.slice(newEnd) !== before.slice(edit.end)) fail('bytes after the edit changed');
  if (after.slice(edit.start, newEnd) !== edit.text) fail('the spliced bytes differ from the edit');
  try {
    was ??= locate(before, target, file);
  } catch (e) {
    return fail(`the old text does not read: ${errorMessage(e)}`);
  }
  let now: Location;
  try {
    now = locate(after, target, file);
  } catch (e) {
    return fail(`the new text no longer reads: ${errorMessage(e)}`);
  }
  if (now.kind !== 'value') return fail('the new text has no replicas value');
  if (now.replicas !== replicas) fail(`the new text reads ${now.replicas}`);
  if (now.start < edit.start || now.end > newEnd) fail('the value read back lies outside the spliced bytes');
  if (now.format !== was.format || now.doc !== was.doc || !isDeepStrictEqual(now.path, was.path)) {
    fail(`the new text reads ${now.format} ${now.field} instead of ${was.format} ${was.field}`);
  }

  const oldDocs = parseStream(before);
  const newDocs = parseStream(after);
  if (oldDocs.length !== newDocs.length) fail(`the file had ${oldDocs.length} documents and now has ${newDocs.length}`);
  for (let i = 0; i < oldDocs.length; i++) {
    const old = data(oldDocs[i], fail);
    const neu = data(newDocs[i], fail);
    if (i !== was.doc) {
      if (!isDeepStrictEqual(old, neu)) fail(`document ${i + 1}, which the edit does not touch, changed`);
      continue;
    }
    const got = getAt(neu, now.path);
    if (got !== replicas && got !== String(replicas)) fail(`the data at ${now.field} is ${JSON.stringify(got)}`);
    const same =
      was.kind === 'value'
        ? isDeepStrictEqual(setAt(old, was.path, MARK), setAt(neu, was.path, MARK))
        : isDeepStrictEqual(old, removeAt(neu, was.adds));
    if (!same) fail(`document ${i + 1} changed beyond ${now.field}`);
  }
}

function data(doc: Document.Parsed, fail: (why: string) => never): unknown {
  try {
    return doc.toJS();
  } catch (e) {
    return fail(`a document cannot be converted to data: ${errorMessage(e)}`);
  }
}

const MARK = Symbol('replicas');
type Tree = Record<string | number, unknown>;
const isTree = (v: unknown): v is Tree => typeof v === 'object' && v !== null;

function getAt(v: unknown, path: PathSeg[]): unknown {
  return path.reduce<unknown>((o, k) => (isTree(o) ? o[k] : undefined), v);
}

/** A copy of `v` with the value at `path` replaced (`put`) or removed (no `put`); copies only the spine. */
function update(v: unknown, path: PathSeg[], put: { value: unknown } | null): unknown {
  if (path.length === 0) return put ? put.value : undefined;
  if (!isTree(v)) return v;
  const [k, ...rest] = path;
  const copy: Tree = Array.isArray(v) ? ([...(v as unknown[])] as unknown as Tree) : { ...v };
  if (rest.length === 0 && !put) {
    if (Array.isArray(copy) && typeof k === 'number') (copy as unknown as unknown[]).splice(k, 1);
    else delete copy[k];
    return copy;
  }
  copy[k] = update(copy[k], rest, put);
  return copy;
}

const setAt = (v: unknown, path: PathSeg[], value: unknown): unknown => update(v, path, { value });
const removeAt = (v: unknown, path: PathSeg[]): unknown => update(v, path, null);
