// manifests/: find and rewrite one replica field in YAML text, byte-for-byte outside that field.
// Pure: text in, text out. Locate → splice → re-read → confirm (STYLE §7).
import { locate, manifestError } from './locate.js';
import { applyEdit, confirmEdit, editFor } from './splice.js';
import type { ReplicaField, WorkloadTarget } from './types.js';
import { MAX_REPLICAS, REPLICAS_FIELD, describeTarget } from './types.js';

export { unifiedDiff } from './diff.js';
export { MANIFEST_ERROR_CODES, MAX_REPLICAS } from './types.js';
export type { ManifestErrorCode, ReplicaField, WorkloadTarget } from './types.js';

/** The replica count `file` holds for `target`: the explicit value, or Kubernetes' default 1. */
export function readReplicas(text: string, target: WorkloadTarget, file: string): ReplicaField {
  const loc = locate(text, target, file);
  return loc.kind === 'value'
    ? { replicas: loc.replicas, explicit: true, line: loc.line }
    : { replicas: 1, explicit: false, line: loc.line };
}

/**
 * `text` with `target`'s spec.replicas set to `replicas`; every other byte unchanged. Returns
 * `text` itself when it already reads `replicas` — including an absent field when `replicas` is
 * 1, since Kubernetes' default already says so and adding a line would be a change without effect.
 */
export function setReplicas(text: string, target: WorkloadTarget, replicas: number, file: string): string {
  if (!Number.isSafeInteger(replicas) || replicas < 0 || replicas > MAX_REPLICAS) {
    throw manifestError('REPLICAS_OUT_OF_RANGE',
      `${describeTarget(target)} in ${file}: cannot set ${REPLICAS_FIELD} to ${replicas}; it must be an integer from 0 to ${MAX_REPLICAS}`,
      file, target);
  }
  const loc = locate(text, target, file);
  const current = loc.kind === 'value' ? loc.replicas : 1;
  if (current === replicas) return text;
  const edit = editFor(loc, replicas);
  const after = applyEdit(text, edit);
  confirmEdit(text, after, edit, target, replicas, file);
  return after;
}
