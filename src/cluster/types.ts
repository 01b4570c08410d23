// cluster/ knows the Kubernetes API, not scaling: workloads and their scale subresource, GitOps
// objects to nudge, Events and Leases. `Kube` is the narrow client the rest of cluster/ needs;
// cluster/kube.ts implements it over @kubernetes/client-node (built in cli/).

/** A workload: `scaleTargetRef` plus the ScaledObject's namespace. */
export interface WorkloadRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

/** The API path parts of a kind (`apps`, `v1`, `deployments`). */
export interface Resource {
  group: string;
  version: string;
  plural: string;
}

/** What the cluster runs now: the scale subresource, and the workload's ready replicas. */
export interface LiveScale {
  specReplicas: number;
  statusReplicas: number;
  /** status.readyReplicas of the workload; null when the kind has none or it could not be read. */
  readyReplicas: number | null;
  selector: string | null;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    annotations?: Record<string, string>;
    resourceVersion?: string;
    uid?: string;
    creationTimestamp?: string | Date;
  };
  spec?: any;
  status?: any;
}

export interface LeaseRecord {
  holder: string | null;
  leaseDurationSeconds: number;
  acquireTime: number | null;
  renewTime: number | null;
  transitions: number;
  resourceVersion: string;
}

export interface EventRecord {
  regarding: WorkloadRef & { uid?: string };
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  at: number;
}

export interface Kube {
  /** The kind's resource (a table for the common kinds, API discovery for the others). */
  resource(apiVersion: string, kind: string): Promise<Resource>;
  /** GET an object; null on 404. */
  get(r: Resource, namespace: string, name: string): Promise<KubeObject | null>;
  /** GET its scale subresource; null on 404. */
  getScale(r: Resource, namespace: string, name: string): Promise<{ spec: number; status: number; selector: string | null } | null>;
  /** JSON patch of the scale subresource: `test` spec.replicas == from, then `replace` it with to. */
  patchScale(r: Resource, namespace: string, name: string, from: number, to: number): Promise<'patched' | 'conflict'>;
  /** LIST in one namespace, or in all (namespace undefined). */
  list(r: Resource, namespace?: string): Promise<KubeObject[]>;
  /** Merge-patch metadata.annotations. */
  annotate(r: Resource, namespace: string, name: string, annotations: Record<string, string | null>): Promise<void>;
  createEvent(e: EventRecord): Promise<void>;
  /** Merge-patch an object's status subresource. */
  patchStatus(r: Resource, namespace: string, name: string, status: Record<string, unknown>): Promise<void>;
  /** One key of a Secret (decoded) or ConfigMap; null when the object or the key is not there. */
  secretValue(namespace: string, name: string, key: string): Promise<string | null>;
  configMapValue(namespace: string, name: string, key: string): Promise<string | null>;
  /** An annotation of a ServiceAccount (null: no such ServiceAccount, or no such annotation). */
  serviceAccountAnnotation(namespace: string, name: string, key: string): Promise<string | null>;
  getLease(namespace: string, name: string): Promise<LeaseRecord | null>;
  /**
   * Lists and watches `r` in `namespace` (undefined: all); `onList` gets every object after each
   * change, `onError` each failure (the watch restarts by itself after `retryMs`).
   */
  watch(
    r: Resource,
    namespace: string | undefined,
    onList: (items: KubeObject[]) => void,
    onError: (e: Error) => void,
    retryMs?: number,
  ): Watching;
  /** Creates or replaces (compare-and-swap on resourceVersion) a Lease; false when someone else wrote it first. */
  writeLease(namespace: string, name: string, l: Omit<LeaseRecord, 'resourceVersion'>, resourceVersion: string | null): Promise<boolean>;
}

/** `apps/v1` → { group: apps, version: v1 }; `v1` → the core group. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/** A list-and-watch of one resource (client-node's informer): the full list on every change. */
export interface Watching {
  stop(): Promise<void>;
}

export interface ClusterClock {
  /** Wall time (ms since the epoch): what Leases and Events record. */
  now(): number;
  /** A clock that never steps back (ms): what leases are held and expire by. */
  monotonic(): number;
  sleep(ms: number): Promise<void>;
}
