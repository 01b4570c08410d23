// cluster/: the Kubernetes API (live scale, scale patches, Argo CD / Flux nudges, Leases).
export type { ClusterClock, Kube, KubeObject, LeaseRecord, LiveScale, Resource, Watching, WorkloadRef } from './types.js';
export { carryOut, type Carried, type NudgeIntent, type PatchIntent, type PatchOutcome } from './executor.js';
export { readLive } from './scale.js';
export { GITSCALE_SCALED_OBJECTS, KEDA_SCALED_OBJECTS, TRIGGER_AUTHENTICATIONS, listerOf } from './gitops.js';
export { repoKey, sameRepository } from './repo-url.js';
export { ownershipWarnings, type OwnershipWarning } from './ownership.js';
export { changed, eventsFor, statusOf, type Happened, type ObjectStatus, type Observed } from './status.js';
