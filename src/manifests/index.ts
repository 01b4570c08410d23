// manifests/: find and rewrite one replica count in YAML text, byte-for-byte outside that field.
// Pure: text in, text out. Locate → splice → re-read → confirm (docs/architecture.md §6). Formats and how one
// is chosen for a file: dispatch.ts.
import { Lru } from '../lru.js';
import { manifestLimits, yamlLimitProblem } from '../yaml-limits.js';
import { manifestError } from './common.js';
import { locate } from './dispatch.js';
import { locateMarker } from './formats/marker.js';
import { applyEdit, confirmEdit, editFor } from './splice.js';
import type { Location, ReplicaField, WorkloadTarget } from './types.js';
import { MAX_REPLICAS, describeTarget } from './types.js';

export { unifiedDiff } from './diff.js';
export { mayHoldMarker } from './formats/marker.js';
export { defaultsToOne, renderedCount, renderedObjects } from './render/kustomization.js';
export { isKustomizationFile } from './formats/kustomize.js';
export type { Count, Files, Rendered, Tracked } from './render/types.js';
export { containerEnv, podServiceAccount, type EnvSource } from './env.js';
export { MAX_REPLICAS } from './types.js';
export type { ManifestFormat, ReplicaField, WorkloadTarget } from './types.js';

/**
 * The replica count `file` holds for `target`: the explicit value, or 1 when absent. For a workload
 * that is Kubernetes' default; a kustomization without an entry (`explicit: false`, format
 * kustomize or argo-application) carries what its layers render, which the caller must find
 * (renderedCount) — the 1 here is only a placeholder.
 */
export function readReplicas(text: string, target: WorkloadTarget, file: string): ReplicaField {
  const key = memoKey(text, target, file);
  let field = read.get(key);
  // Frozen: every caller with the same input shares this answer.
  if (!field) read.set(key, (field = Object.freeze(toField(located(key, text, target, file)))));
  return field;
}

// Both functions are pure: their answers are kept by input (bounded by the text they hold), so a
// file read in one tick and written in the same tick, or unchanged in the next, is parsed once.
const MEMO_BYTES = 32 * 1024 * 1024;
const read = new Lru<string, ReplicaField>(MEMO_BYTES, (_, k) => k.length);
const written = new Lru<string, string>(MEMO_BYTES, (v, k) => k.length + v.length);
// Where the field is, shared by the read (evaluate) and the edit (write) of the same text: in a
// tick that changes many files the reads run first, and the edit would otherwise parse again.
const where = new Lru<string, Location>(MEMO_BYTES, (_, k) => k.length);
const memoKey = (text: string, t: WorkloadTarget, file: string) =>
  `${file}\0${t.kind}\0${t.namespace}\0${t.name}\0${t.field ?? ''}\0${t.object ?? ''}\0${text}`;

function located(key: string, text: string, target: WorkloadTarget, file: string): Location {
  let loc = where.get(key);
  if (!loc) where.set(key, (loc = Object.freeze(locate(text, target, file))));
  return loc;
}

/**
 * The field carrying `target.object`'s marker comment in `text`, or null when the text holds no
 * such marker (a file screened in a directory). A marker that is there but unusable throws.
 */
export function findMarker(text: string, target: WorkloadTarget, file: string): ReplicaField | null {
  const beyond = yamlLimitProblem(text, manifestLimits(target.maxBytes));
  if (beyond)
    throw manifestError(
      'MANIFEST_LIMIT',
      `${file} is not read: ${beyond} (looking for the marker of ${target.object ?? describeTarget(target)})`,
      file,
      target,
    );
  const loc = locateMarker(text, target, file);
  return loc ? toField(loc) : null;
}

function toField(loc: Location): ReplicaField {
  const { line, format, field } = loc;
  return loc.kind === 'value'
    ? { replicas: loc.replicas, explicit: true, line, format, field, ...(loc.style === 'plain' ? {} : { quoted: true as const }) }
    : { replicas: 1, explicit: false, line, format, field };
}

/**
 * `text` with `target`'s replica count set to `replicas`; every other byte unchanged. Returns
 * `text` itself when it already reads `replicas` — including an absent workload field when
 * `replicas` is 1, Kubernetes' default. A missing kustomize entry is always added: what the
 * layers below render is not known here.
 */
export function setReplicas(text: string, target: WorkloadTarget, replicas: number, file: string): string {
  if (!Number.isSafeInteger(replicas) || replicas < 0 || replicas > MAX_REPLICAS) {
    throw manifestError(
      'REPLICAS_OUT_OF_RANGE',
      `${describeTarget(target)} in ${file}: cannot set the replica count to ${replicas}; it must be an integer from 0 to ${MAX_REPLICAS}`,
      file,
      target,
    );
  }
  const at = memoKey(text, target, file);
  const key = `${replicas}\0${at}`;
  const known = written.get(key);
  if (known !== undefined) return known;
  const loc = located(at, text, target, file);
  const unchanged = loc.kind === 'value' ? loc.replicas === replicas : loc.format === 'workload' && replicas === 1;
  if (unchanged) return text;
  const edit = editFor(loc, replicas);
  const after = applyEdit(text, edit);
  confirmEdit(text, after, edit, target, replicas, file, loc);
  written.set(key, after);
  return after;
}
