// Wires config, workspaces, scalers and state: `tick()` runs every due object once, one tick per
// repository at a time (never overlapping for the same repository).
import type * as nodeFs from 'node:fs';
import type { Config, ObjectConfig, RepositoryConfig } from '../../config/types.js';
import type { Clock, Workspace } from '../../git/types.js';
import type { Logger } from '../../log.js';
import type { ScalerClients } from '../../scalers/index.js';
import type { ScalerDeps } from '../../scalers/types.js';
import type { ObjectStates } from '../state.js';
import type { OverlayCache } from '../target/overlays.js';
import { tickRepository } from '../tick/tick.js';
import { clusterReporter } from '../executors/status.js';
import type { Forge } from '../../forges/types.js';
import { configChanges, type ConfigChanges } from './reload.js';
import { createConditions } from '../observability/conditions.js';
import { createTriggerPool } from '../triggers/pool.js';
import type { ObjectResult } from '../types.js';
import type { ClusterClock, Kube } from '../../cluster/index.js';
import { nullMetrics, type MetricsSink } from '../observability/metrics-sink.js';
import { createDiscoverer, type Discovered } from './discover.js';
import { checkTargets, type TargetCheck } from '../target/check.js';
import { afterResults, fromProblems, type Unrunnable } from '../target/runnable.js';

/** Builds a repository's workspace and forge (real ones come from cli/). */
export interface Clients {
  workspace(repo: RepositoryConfig): Workspace;
  forge(repo: RepositoryConfig): Forge | undefined;
}

export interface ReconcilerDeps {
  fs: typeof nodeFs;
  clock: Clock;
  log: Logger;
  env: Record<string, string | undefined>;
  scalerDeps: ScalerDeps<ScalerClients>;
  clients: Clients;
  secretsDir?: string;
  triggerTimeoutMs?: number;
  /** `run`: a tick writes the decisions made within this time; slower objects' land at a later tick (absent: wait for every trigger). */
  decideWithinMs?: number;
  /** A deferred object's trigger answered: it may be ticked again before its next poll. */
  onAnswered?: (key: string) => void;
  /** Resolves `ms` from now: the decide-within deadline's timer (default: a real one that never keeps the process alive). */
  deadline?: (ms: number) => Promise<void>;
  /** Runs `fn` in `ms`: a status write deferred by its rate limit (default: a real timer that never keeps the process alive). */
  after?: (ms: number, fn: () => void) => void;
  dryRun?: boolean;
  /** A Kubernetes API server to read live scales from, patch scales from zero and nudge Argo CD / Flux in. */
  cluster?: { kube: Kube; clock: ClusterClock; /** gitscale's own namespace (ClusterTriggerAuthentication objects). */ namespace: string };
  /** Leader election: whether this replica may write `repository` now (absent: always). */
  gate?: (repository: string) => boolean;
  /** Metrics (server/ under `run`); nothing is recorded without one. */
  metrics?: MetricsSink;
  /** `discover: true` repositories: what each scan after a sync found (run merges it into the config). */
  onDiscovered?: (repository: string, found: Discovered) => void;
}

export interface Reconciler {
  /** Evaluates `keys` (default: every object), grouped by repository; repositories run in parallel. */
  tick(keys?: string[]): Promise<ObjectResult[]>;
  /**
   * Takes a new (validated) config for the next tick: removed and changed objects lose their state
   * and scalers, unchanged ones keep theirs; repositories whose settings changed get new clients.
   */
  reload(config: Config): Promise<ConfigChanges>;
  /**
   * A `discover: true` repository without a tick due: syncs it (never during its tick) and scans it
   * for ScaledObjects. Ticks of such a repository scan after their sync too.
   */
  discover(repository: string): Promise<Discovered>;
  /**
   * `validate`'s target check through this reconciler's workspaces (`run`, before its first tick):
   * the objects whose target cannot be read become unrunnable.
   */
  check(): Promise<TargetCheck>;
  /** Objects whose target could not be read at their last tick (or the check), by key: a read-only view. */
  unrunnable(): ReadonlyMap<string, Unrunnable>;
  /** This replica no longer writes `repository` (its Lease went elsewhere): drop its objects' series. */
  standby(repository: string): void;
  close(): Promise<void>;
}

export function createReconciler(initial: Config, deps: ReconcilerDeps): Reconciler {
  let config = initial;
  const conditions = createConditions(deps.log);
  const reporter = deps.cluster
    ? clusterReporter({ kube: deps.cluster.kube, clock: deps.cluster.clock, log: deps.log, after: deps.after ?? realAfter })
    : undefined;
  const metrics = deps.metrics ?? nullMetrics();
  const k = deps.cluster;
  const secrets = k
    ? {
        secret: k.kube.secretValue,
        configMap: k.kube.configMapValue,
        serviceAccountAnnotation: k.kube.serviceAccountAnnotation,
        namespace: k.namespace,
      }
    : undefined;
  const triggers = createTriggerPool(config, {
    env: deps.env,
    fs: deps.fs,
    secretsDir: deps.secretsDir,
    scalerDeps: deps.scalerDeps,
    timeoutMs: deps.triggerTimeoutMs ?? 10_000,
    cluster: secrets,
    metrics,
  });
  const workspaces = new Map<string, Workspace>();
  /** Per object: everything remembered between ticks (a reload forgets an object with one delete). */
  const states: ObjectStates = new Map();
  const overlays: OverlayCache = new Map();
  const handsOff = new Set<string>();
  const opened = new Map<string, number[]>();
  const openedIn = (name: string): number[] => {
    if (!opened.has(name)) opened.set(name, []);
    return opened.get(name)!;
  };
  const forges = new Map<string, Forge>();
  const forge = (repo: RepositoryConfig): Forge | undefined => {
    if (!repo.forge) return undefined;
    if (!forges.has(repo.name)) forges.set(repo.name, deps.clients.forge(repo)!);
    return forges.get(repo.name);
  };
  const running = new Map<string, Promise<ObjectResult[]>>();
  const discoverer = createDiscoverer();
  let unrunnable: ReadonlyMap<string, Unrunnable> = new Map();
  const scan = async (repo: RepositoryConfig): Promise<Discovered> => {
    const found = await discoverer.scan(repo, workspace(repo));
    deps.onDiscovered?.(repo.name, found);
    return found;
  };

  const workspace = (repo: RepositoryConfig): Workspace => {
    let ws = workspaces.get(repo.name);
    if (!ws) {
      ws = deps.clients.workspace(repo);
      workspaces.set(repo.name, ws);
    }
    return ws;
  };

  async function tickRepo(repo: RepositoryConfig, objects: ObjectConfig[]): Promise<ObjectResult[]> {
    // Never overlap ticks of one repository: wait for the one in flight.
    while (running.has(repo.name)) await running.get(repo.name)!.catch(() => {});
    const p = tickRepository(objects, {
      ws: workspace(repo),
      repo,
      triggers,
      log: deps.log,
      conditions,
      now: deps.clock.now(),
      states,
      overlays,
      forge: forge(repo),
      handsOff,
      opened: openedIn(repo.name),
      dryRun: deps.dryRun ?? false,
      cluster:
        deps.cluster && reporter ? { kube: deps.cluster.kube, clock: deps.cluster.clock, settings: config.cluster, reporter } : undefined,
      gate: deps.gate ? () => deps.gate!(repo.name) : undefined,
      late:
        deps.decideWithinMs === undefined
          ? undefined
          : { afterMs: deps.decideWithinMs, deadline: deps.deadline ?? realDeadline, onAnswered: deps.onAnswered },
      metrics,
    });
    // A discover repository is scanned at each sync, inside its tick (nothing writes it meanwhile).
    const scanned = repo.discover
      ? p.then(async (results) => {
          await scan(repo).catch((e: unknown) =>
            deps.log.error('discovering ScaledObjects failed', { repository: repo.name, error: (e as Error).message }),
          );
          return results;
        })
      : p;
    running.set(repo.name, scanned);
    try {
      return await scanned;
    } finally {
      running.delete(repo.name);
    }
  }

  return {
    async tick(keys) {
      const only = keys ? new Set(keys) : null;
      const wanted = only ? config.objects.filter((o) => only.has(o.key)) : config.objects;
      const byRepo = new Map<string, ObjectConfig[]>();
      for (const o of wanted) {
        if (!byRepo.has(o.repository)) byRepo.set(o.repository, []);
        byRepo.get(o.repository)!.push(o);
      }
      const parts = await Promise.all(
        [...byRepo].map(([name, objs]) =>
          tickRepo(
            config.repositories.find((r) => r.name === name)!,
            objs,
          ),
        ),
      );
      const byKey = new Map(parts.flat().map((r) => [r.key, r]));
      const results = wanted.map((o) => byKey.get(o.key)!);
      unrunnable = afterResults(unrunnable, results);
      return results;
    },
    async reload(next) {
      // Swap between ticks: a tick in flight finishes on the old config (its scalers and state).
      await Promise.allSettled([...running.values()]);
      const changes = configChanges(config, next);
      // Removed objects' series go; changed ones' too (a renamed trigger must not linger): the next tick records them anew.
      for (const k of [...changes.removed, ...changes.changed]) {
        const [namespace, name] = k.split('/');
        metrics.forget({ namespace, name });
      }
      unrunnable = new Map([...unrunnable].filter(([k]) => !changes.removed.includes(k) && !changes.changed.includes(k)));
      for (const k of [...changes.removed, ...changes.changed]) states.delete(k);
      for (const name of changes.repositories) {
        discoverer.forget(name);
        workspaces.delete(name);
        forges.delete(name);
      }
      config = next;
      await triggers.reload(next, changes.triggerAuthentications ? 'all' : [...changes.removed, ...changes.changed]);
      return changes;
    },
    async discover(name) {
      const repo = config.repositories.find((r) => r.name === name);
      if (!repo) return { objects: [], triggerAuthentications: [], problems: [] };
      while (running.has(name)) await running.get(name)!.catch(() => {});
      const p = workspace(repo)
        .sync()
        .then(() => scan(repo));
      running.set(
        name,
        p.then(() => []),
      );
      try {
        return await p;
      } finally {
        running.delete(name);
      }
    },
    async check() {
      const found = await checkTargets(config, workspace);
      unrunnable = new Map([
        ...unrunnable,
        ...fromProblems(
          found.problems,
          config.objects.map((o) => o.key),
        ),
      ]);
      return found;
    },
    unrunnable: () => unrunnable,
    standby(repository) {
      for (const o of config.objects.filter((x) => x.repository === repository)) metrics.forget(o);
    },
    async close() {
      await Promise.allSettled([...running.values()]);
      await triggers.close();
    },
  };
}

const realDeadline = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());
const realAfter = (ms: number, fn: () => void): void => void setTimeout(fn, ms).unref();
