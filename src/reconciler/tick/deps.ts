// What one repository's tick is given (docs/architecture.md §2). The tick hands each stage only
// the part it uses: the executors take their own narrow dependencies, never this whole bag.
import type { ClusterSettings, RepositoryConfig } from '../../config/types.js';
import type { ClusterClock, Kube } from '../../cluster/index.js';
import type { Forge } from '../../forges/types.js';
import type { Workspace } from '../../git/types.js';
import type { ClusterReporter } from '../executors/status.js';
import type { Logger } from '../../log.js';
import type { OverlayCache } from '../target/overlays.js';
import type { MetricsSink } from '../observability/metrics-sink.js';
import type { Conditions } from '../observability/conditions.js';
import type { ObjectStates } from '../state.js';
import type { TriggerPool } from '../triggers/pool.js';

export interface TickDeps {
  ws: Workspace;
  repo: RepositoryConfig;
  triggers: TriggerPool;
  log: Logger;
  /** Logs conditions on change (errors, no-op decisions), counting repeats. */
  conditions: Conditions;
  metrics: MetricsSink;
  now: number;
  /** Per object: what the reconciler remembers between ticks. */
  states: ObjectStates;
  /** Per reconciler: what each repository's kustomizations set over workload files (built per head, when asked). */
  overlays: OverlayCache;
  /** The repository's forge when pull requests can be opened. */
  forge?: Forge;
  /** Branches already told that gitscale keeps its hands off (one comment per process). */
  handsOff: Set<string>;
  /** Times gitscale opened pull requests in this repository (prHourlyLimit). */
  opened: number[];
  /** plan: decide and report, write nothing, keep no state. */
  dryRun: boolean;
  /** The Kubernetes side, when a cluster is configured. */
  cluster?: TickCluster;
  /** Leader election: false when this replica may not write the repository now. */
  gate?: () => boolean;
  /**
   * `run`: the tick writes what was decided within `afterMs` of sampling; an object whose triggers
   * are slower is decided at a later tick, from the samples still in flight (kept in its state).
   */
  late?: Late;
}

export interface Late {
  afterMs: number;
  /** Resolves `ms` from now (a timer that never keeps the process alive; injected in tests). */
  deadline(ms: number): Promise<void>;
  onAnswered?: (key: string) => void;
}

export interface TickCluster {
  kube: Kube;
  clock: ClusterClock;
  settings: ClusterSettings;
  /** Writes status and Events on the objects' ScaledObjects (those with an origin in the cluster). */
  reporter: ClusterReporter;
}
