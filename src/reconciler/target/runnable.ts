// Which objects cannot run: their target (the manifest file `gitscale.dev/path` names, the workload
// in it, its replica field) cannot be found or read, so every tick fails the same way until Git
// changes. Unlike a trigger that fails or a push that is refused, nothing gets better by waiting.
// `run` exits 2 when no object can run at start, and reports the ones that stop running later on
// /readyz (and in `kubectl get gso`, and the log) while the others run. Pure.
import type { ConfigProblem } from '../../config/types.js';
import { MANIFEST_CODES, type ErrorCode } from '../../errors/codes.js';
import type { ObjectResult } from '../types.js';

export interface Unrunnable {
  code: ErrorCode;
  message: string;
  /** The file the object names (or the one found to hold its marker). */
  file: string;
}

/** The codes of a target that cannot be read (reconciler/target/locate.ts and the manifests room's): every ManifestError's but a write's. */
const TARGET_CODES: ReadonlySet<string> = new Set<string>(Object.keys(MANIFEST_CODES).filter((c) => c !== 'EDIT_NOT_CONFIRMED'));

export function isTargetCode(code: string | null | undefined): boolean {
  return code !== null && code !== undefined && TARGET_CODES.has(code);
}

/**
 * The unrunnable objects after a tick's results: an object whose target failed is in, one that was
 * decided (or failed later, at a trigger or the write) is out; a deferred one (its target's answer
 * not used yet) stays as it was.
 */
export function afterResults(prev: ReadonlyMap<string, Unrunnable>, results: readonly ObjectResult[]): Map<string, Unrunnable> {
  const next = new Map(prev);
  for (const r of results) {
    if (r.error && isTargetCode(r.errorCode)) next.set(r.key, { code: r.errorCode!, message: r.error, file: r.file });
    else if (r.error || r.current !== null) next.delete(r.key);
  }
  return next;
}

/** The unrunnable objects `validate`'s target check found (problems of a repository that did not sync say nothing of its objects). */
export function fromProblems(problems: readonly ConfigProblem[], keys: readonly string[]): Map<string, Unrunnable> {
  const known = new Set(keys);
  return new Map(
    problems
      .filter((p) => known.has(p.object) && isTargetCode(p.code))
      .map((p) => [p.object, { code: p.code, message: p.message, file: p.file }]),
  );
}
