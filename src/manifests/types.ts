// Types of the manifests room: what the caller names (a workload) and what a locate finds.

/** The workload a ScaledObject scales: `scaleTargetRef` plus the ScaledObject's namespace. */
export interface WorkloadTarget {
  /** `scaleTargetRef.kind`, e.g. Deployment or StatefulSet (the caller defaults it to Deployment). */
  kind: string;
  name: string;
  /** The ScaledObject's namespace; a manifest without `metadata.namespace` matches any. */
  namespace: string;
  /** `gitscale.dev/field` when set: a dotted path like `consumer.replicaCount`, `workers[0].replicas`, `"app.kubernetes.io".replicas`. */
  field?: string;
  /** The ScaledObject's `namespace/name`, matched by marker comments `# {"$gitscale": "default/consumer"}`. */
  object?: string;
  /** The repository's `maxManifestBytes`, when it raises or lowers the default manifest size limit. */
  maxBytes?: number;
}

/** Which layout held the replica count (see dispatch.ts for how one is chosen). */
export type ManifestFormat = 'workload' | 'kustomize' | 'helm-values' | 'helm-release' | 'argo-application' | 'marker';

/** The replica count a manifest holds for one workload. */
export interface ReplicaField {
  replicas: number;
  /** false: the object has no `replicas:` and Kubernetes' default of 1 applies. */
  explicit: boolean;
  /** 1-based line of the value, or of the object's `spec:` key (kustomize: `replicas:` key) when absent. */
  line: number;
  format: ManifestFormat;
  /** YAML path of the field, e.g. spec.replicas, replicas[1].count, spec.values.consumer.replicaCount */
  field: string;
  /** Where a count not written in the file comes from (a kustomization's resource or patch), for messages. */
  source?: string;
  /** Set when the count is written as a string (`"3"`, `'3'`): fine for values, refused by the API server in a workload. */
  quoted?: true;
}

/** One step of a data path: a map key or a list index. */
export type PathSeg = string | number;

/** How an existing replica scalar is written; a splice keeps it. */
export type ScalarStyle = 'plain' | 'double' | 'single';

/**
 * Where the replica count lives in the text (half-open offsets into the string, BOM included).
 * `value`: an existing scalar occupying `[start, end)`.
 * `insert`: no `replicas:` in `spec`; a new entry goes at `at`, written as `prefix + N + suffix`.
 */
export type Location = (
  | { kind: 'value'; start: number; end: number; replicas: number; style: ScalarStyle; line: number }
  /** `adds`: the data path of what the insertion creates (a key, a list entry), a prefix of `path`. */
  | { kind: 'insert'; at: number; prefix: string; suffix: string; line: number; adds: PathSeg[] }
) &
  Where;

/** Where a location sits: document index, the value's data path once present, and how to name it. */
export interface Where {
  doc: number;
  path: PathSeg[];
  format: ManifestFormat;
  /** Display path, e.g. spec.replicas or spec.values.consumer.replicaCount. */
  field: string;
}

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
