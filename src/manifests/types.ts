// Types of the manifests room: what the caller names (a workload) and what a locate finds.

/** The workload a ScaledObject scales: `scaleTargetRef` plus the ScaledObject's namespace. */
export interface WorkloadTarget {
  /** `scaleTargetRef.kind`, e.g. Deployment or StatefulSet (the caller defaults it to Deployment). */
  kind: string;
  name: string;
  /** The ScaledObject's namespace; a manifest without `metadata.namespace` matches any. */
  namespace: string;
}

/** The replica count a manifest holds for one workload. */
export interface ReplicaField {
  replicas: number;
  /** false: the object has no `replicas:` and Kubernetes' default of 1 applies. */
  explicit: boolean;
  /** 1-based line of the value, or of the object's `spec:` key when the value is absent. */
  line: number;
}

/** How an existing replica scalar is written; a splice keeps it. */
export type ScalarStyle = 'plain' | 'double' | 'single';

/**
 * Where the replica count lives in the text (half-open offsets into the string, BOM included).
 * `value`: an existing scalar occupying `[start, end)`.
 * `insert`: no `replicas:` in `spec`; a new entry goes at `at`, written as `prefix + N + suffix`.
 */
export type Location =
  | { kind: 'value'; start: number; end: number; replicas: number; style: ScalarStyle; line: number }
  | { kind: 'insert'; at: number; prefix: string; suffix: string; line: number };

/** One replacement of `[start, end)` by `text`; an insertion has start === end. */
export interface Edit {
  start: number;
  end: number;
  text: string;
}

/** Largest value of Kubernetes' int32 `spec.replicas`. */
export const MAX_REPLICAS = 2_147_483_647;

/** The field every error and edit names. */
export const REPLICAS_FIELD = 'spec.replicas';

/** `Deployment default/consumer`, as errors and logs name an object. */
export function describeTarget(target: WorkloadTarget): string {
  return `${target.kind} ${target.namespace}/${target.name}`;
}

/** Stable codes of the ManifestErrors this room throws. */
export const MANIFEST_ERROR_CODES = [
  'MANIFEST_YAML_INVALID', // a document in the file does not parse (or repeats a key)
  'TARGET_NOT_FOUND', // no document has that kind, metadata.name and a compatible namespace
  'TARGET_AMBIGUOUS', // more than one document does
  'SPEC_NOT_MAP', // spec is missing, null, an alias, or not a map we can edit
  'REPLICAS_NOT_INTEGER', // three, 2.5, -1, 007, null, a map such as {{ .Values.x }}, a block scalar
  'REPLICAS_OUT_OF_RANGE', // above int32, or a requested count that is not an integer in [0, 2^31-1]
  'REPLICAS_ALIAS', // the value is an alias, carries an anchor, or comes through an alias or merge key
  'REPLICAS_DUPLICATE', // replicas appears twice in spec
  'EDIT_NOT_CONFIRMED', // the re-read after a splice disagreed; nothing is written
] as const;
export type ManifestErrorCode = (typeof MANIFEST_ERROR_CODES)[number];
