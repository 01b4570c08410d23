import type { LiveScale } from '../cluster/index.js';
import type { Decision } from '../engine/types.js';
import type { ErrorCode } from '../errors.js';

export type Route = 'none' | 'commit' | 'pull-request' | 'direct-patch+commit';

export interface TriggerReport {
  type: string;
  name: string;
  value: number | null;
  target: number;
  active: boolean;
  error: string | null;
  /** It failed more than fallback.failureThreshold times and stands in with the fallback metric. */
  fallback: boolean;
  /** Consecutive failed samples (0 after a good one): KEDA's status.health numberOfFailures. */
  failures: number;
  /** What the trigger reads (`query "…" at db:3306/orders`), when its metadata parsed. */
  source?: string;
}

/** What one object came to in one tick; the shape of `plan --output json`'s entries (plus a few extras). */
export interface ObjectResult {
  key: string;
  namespace: string;
  name: string;
  repository: string;
  file: string;
  current: number | null;
  /** Where `current` comes from when the file does not write it (a kustomization's patch, the API server's default). */
  currentFrom: string | null;
  desired: number | null;
  route: Route;
  /** The review threshold that routed the decision to a pull request. */
  routedBy: string | null;
  reason: string;
  triggers: TriggerReport[];
  diff: string;
  /** Why the object could not be decided or written (it alone); null when all went well. */
  error: string | null;
  errorCode: ErrorCode | null;
  /** The commit that carried this object's change, when one was written. */
  commit: string | null;
  /** The pull request holding this object's change, when it was routed to review. */
  pullRequest: { number: number; url: string } | null;
  /** What the cluster runs (with a cluster configured and the workload found), else null. */
  live: { replicas: number; statusReplicas: number; readyReplicas: number | null } | null;
  /** Live spec.replicas differing from Git's value, in words (null: none, or no cluster). */
  drift: string | null;
  /** What became of the direct scale patch, when one was planned. */
  patch: string | null;
}

/** Internal: an evaluated object, before writing. Either it could not be decided (its error is in the result)... */
export interface Failed {
  kind: 'failed';
  result: ObjectResult;
}

/** ...or the engine decided (possibly "no change" because every trigger failed), on a located field. */
export interface Decided {
  kind: 'decided';
  result: ObjectResult;
  decision: Decision;
  /** The file that holds the replica field (resolved from a directory for markers) and the field's YAML path. */
  file: string;
  field: string;
  /** The live scale (null: no cluster, the workload is not there, or it could not be read). */
  live: LiveScale | null;
  /** Why the live scale could not be read (the decision then stands on Git's value alone). */
  liveError: string | null;
}

/** ...or, in `run`, a trigger had not answered by the tick's deadline: decided at a later tick, nothing written now. */
export interface Deferred {
  kind: 'deferred';
  result: ObjectResult;
}

export type Evaluated = Failed | Decided | Deferred;
