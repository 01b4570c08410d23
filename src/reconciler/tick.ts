// One tick for one repository: sync, evaluate its due objects in parallel, plan, then the
// executors (one commit, the pull requests) answer with outcomes, from which results and the next
// state follow (docs/architecture.md §2).
import type { ClusterSettings, ObjectConfig, RepositoryConfig } from '../config/types.js';
import { readLive, type ClusterClock, type Kube } from '../cluster/index.js';
import { clusterStep, trackDrift, warnOwners } from './cluster.js';
import type { Recorder } from './record.js';
import { isPaused } from '../config/pause.js';
import type { Workspace, WriteResult } from '../git/types.js';
import type { Logger } from '../log.js';
import type { EngineState } from '../engine/types.js';
import { baseResult, evaluate, failed, LATE, type EvaluateDeps } from './evaluate.js';
import type { TriggerPool } from './triggers.js';
import type { TriggerInput } from '../engine/types.js';
import type { Forge } from '../forges/types.js';
import { nextState, resultOf, type Outcome } from './outcome.js';
import { plan, type Item, type Plan } from './plan.js';
import { reconcileReviews } from './review.js';
import type { Reporter } from './report.js';
import { workloadRef, type MarkerCache } from './target.js';
import type { OverlayCache } from './overlays.js';
import type { ObjectResult } from './types.js';
import { writeChanges } from './write.js';

export interface TickDeps {
  ws: Workspace;
  repo: RepositoryConfig;
  triggers: TriggerPool;
  log: Logger;
  /** Logs conditions on change (errors, no-op decisions), counting repeats. */
  report: Reporter;
  now: number;
  states: Map<string, EngineState>;
  markers: MarkerCache;
  /** Per reconciler: what each repository's kustomizations set over workload files (built per head, when asked). */
  overlays: OverlayCache;
  /** The repository's forge when pull requests can be opened. */
  forge?: Forge;
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
   * are slower is decided at a later tick, from the samples still in flight (kept in `pending`).
   */
  late?: { afterMs: number; pending: Map<string, Promise<TriggerInput[]>>; onAnswered?: (key: string) => void };
  record: Recorder;
}

export interface TickCluster {
  kube: Kube;
  clock: ClusterClock;
  settings: ClusterSettings;
  /** Per object: when its live count was first seen to differ from Git's. */
  driftSince: Map<string, number>;
  /** Objects whose ownership was checked (once per object and process; again after a change). */
  ownersChecked: Set<string>;
}

export async function tickRepository(objects: ObjectConfig[], d: TickDeps): Promise<ObjectResult[]> {
  const done = d.record.tickTimer(d.repo.name);
  const owners = d.cluster && !d.dryRun ? warnOwners(objects, d.cluster, d) : undefined;
  const results = await evaluateAndWrite(objects, d);
  await owners;
  done();
  for (const obj of objects) d.record.paused(obj, isPaused(obj.spec.pause));
  for (const r of results) {
    if (r.error) d.record.objectError(r);
    if (r.error) d.report.report(`${r.key}#object`, r.error, 'error', 'object failed', { object: r.key, file: r.file, code: r.errorCode ?? undefined, error: r.error });
    else d.report.clear(`${r.key}#object`, 'object recovered', { object: r.key, file: r.file });
  }
  return results;
}

async function evaluateAndWrite(objects: ObjectConfig[], d: TickDeps): Promise<ObjectResult[]> {
  const synced = d.record.syncTimer(d.repo.name);
  try {
    await d.ws.sync();
    synced(true);
  } catch (e) {
    synced(false);
    d.report.report(`repository ${d.repo.name}#sync`, (e as Error).message, 'error', 'repository sync failed', { repository: d.repo.name, error: (e as Error).message });
    return objects.map((o) => failed(baseResult(o), e));
  }
  d.report.clear(`repository ${d.repo.name}#sync`, 'repository sync recovered', { repository: d.repo.name });
  const c = d.cluster;
  const live = c ? (obj: ObjectConfig) => readLive(c.kube, workloadRef(obj)) : undefined;
  const triggers = d.late ? lateAware(d.triggers, d.late) : d.triggers;
  const evaluated = await Promise.all(objects.map((obj) => evaluate(obj, d.ws, { triggers, now: d.now, state: d.states.get(obj.key), live, directPatch: !!c?.settings.directPatch, markers: d.markers, overlays: d.overlays })));
  if (c) trackDrift(evaluated, c, d);
  for (const ev of evaluated) {
    const r = ev.result;
    logTriggers(r, d.report);
    if (!r.error) {
      const fields = { object: r.key, current: r.current, desired: r.desired, route: r.route, reason: r.reason };
      // A decision that writes something is news; an unchanged no-op is debug, logged on change.
      if (r.route === 'none') d.report.report(`${r.key}#decision`, `${r.current}→${r.desired} ${r.reason}`, 'debug', 'decision', fields);
      else d.log.info('decision', fields);
    }
  }
  if (d.dryRun) return evaluated.map((ev) => ev.result);

  const p = plan(d.repo.name, objects, evaluated, !!c?.settings.directPatch);
  // The leader gate sits in front of the executors: a replica that lost its Lease mid-tick writes nothing.
  if (d.gate && !d.gate()) return evaluated.map((ev) => (ev.kind !== 'decided' ? ev.result : resultOf(ev.result, { kind: 'standby' })));
  // Direct commits first: small changes land without waiting on the forge (or its rate limits).
  const committed = p.changeSet.length ? await commitChangeSet(p.changeSet, d) : { outcomes: [], written: null };
  const outcomes = new Map<string, Outcome>([...committed.outcomes, ...(await reconcilePullRequests(p, d))]);
  // Then the cluster: nudge Argo CD / Flux after the push, patch scales from zero once they have the commit.
  const patched = c ? await clusterStep(p, committed.written, outcomes, c, d) : new Map<string, { note: string; error?: unknown }>();
  return objects.map((obj, i) => {
    const ev = evaluated[i];
    if (ev.kind !== 'decided') return ev.result;
    const o = outcomes.get(obj.key) ?? { kind: 'unchanged' };
    d.states.set(obj.key, nextState(d.states.get(obj.key), ev.decision, o));
    const r = resultOf(ev.result, o);
    const pt = patched.get(obj.key);
    if (!pt) return r;
    const withPatch = { ...r, patch: pt.note };
    return pt.error === undefined || r.error ? withPatch : failed(withPatch, pt.error);
  });
}

/** The git executor: one commit for the change set; an outcome per object, and the commit when one landed. */
async function commitChangeSet(changeSet: Item[], d: TickDeps): Promise<{ outcomes: [string, Outcome][]; written: WriteResult | null }> {
  try {
    const w = await writeChanges(d.ws, changeSet, d.repo.author, d.log);
    d.report.clear(`repository ${d.repo.name}#write`, 'write recovered', { repository: d.repo.name });
    if (w.result?.warning) d.log.warn('commit landed with a warning', { repository: d.repo.name, warning: w.result.warning });
    if (w.result && !w.result.unchanged) d.record.commit(d.repo.name, w.result.attempts);
    if (w.result) d.log.info('commit', { repository: d.repo.name, commit: w.result.commit.slice(0, 12), objects: w.applied, attempts: w.result.attempts, subject: w.result.message.split('\n')[0] });
    const applied = new Set(w.applied);
    const outcomes = changeSet.map(({ obj }): [string, Outcome] => {
      const error = w.failed.get(obj.key);
      if (w.failed.has(obj.key)) return [obj.key, { kind: 'failed', error }];
      if (w.result && applied.has(obj.key)) return [obj.key, { kind: 'committed', commit: w.result.commit }];
      return [obj.key, { kind: 'skipped' }];
    });
    return { outcomes, written: w.result };
  } catch (e) {
    d.report.report(`repository ${d.repo.name}#write`, (e as Error).message, 'error', 'write failed', { repository: d.repo.name, error: (e as Error).message });
    return { outcomes: changeSet.map(({ obj }) => [obj.key, { kind: 'failed', error: e }]), written: null };
  }
}

/** The forge executor: reconciles the pull requests of the plan; without a forge, reviews wait (reported, not written). */
async function reconcilePullRequests(p: Plan, d: TickDeps): Promise<[string, Outcome][]> {
  if (!d.forge || !d.ws.branches) {
    return p.pullRequests.map(({ obj, ev: { result: r } }) => {
      d.report.report(`${obj.key}#review`, `${r.current}→${r.desired}`, 'warn', 'waiting for review: no forge configured to open a pull request, not written', { object: obj.key, routedBy: r.routedBy ?? undefined, current: r.current, desired: r.desired });
      return [obj.key, { kind: 'in-review' }];
    });
  }
  for (const { obj } of p.settled) d.record.pullRequest(d.repo.name, obj.key, false);
  const reviews = await reconcileReviews(p.pullRequests, p.settled, { ws: d.ws, forge: d.forge, repo: d.repo, log: d.log, handsOff: d.handsOff, opened: d.opened, now: d.now });
  return p.pullRequests.map(({ obj, ev }): [string, Outcome] => {
    const o = reviews.get(obj.key);
    if (o?.error !== undefined) return [obj.key, { kind: 'failed', error: o.error }];
    d.record.pullRequest(d.repo.name, obj.key, !!o?.pr);
    if (o?.pr) d.log.info('pull request', { object: obj.key, pr: o.pr.number, url: o.pr.url, routedBy: ev.result.routedBy ?? undefined, note: o.note });
    return [obj.key, { kind: 'in-review', pr: o?.pr ? { number: o.pr.number, url: o.pr.url } : undefined, note: o?.note }];
  });
}

/** Each failing trigger's own cause, naming object, trigger index and type; logged when it changes. */
function logTriggers(r: ObjectResult, report: Reporter): void {
  r.triggers.forEach((t, i) => {
    const key = `${r.key}#trigger${i}`;
    const fields = { object: r.key, trigger: i, name: t.name !== t.type ? t.name : undefined, type: t.type };
    if (t.error) report.report(key, t.error, 'error', 'trigger failed', { ...fields, error: t.error });
    else report.clear(key, 'trigger recovered', fields);
  });
}

/**
 * The pool, answering LATE for an object whose triggers have not all answered `afterMs` after the
 * first sample of this tick. Its sampling goes on; the next tick takes its answer (or waits for it
 * again) rather than asking the slow endpoint a second time.
 */
function lateAware(pool: TriggerPool, late: NonNullable<TickDeps['late']>): EvaluateDeps['triggers'] {
  let deadline: Promise<typeof LATE> | undefined;
  return {
    needsWorkload: (obj) => pool.needsWorkload(obj),
    async sample(obj, workload) {
      deadline ??= new Promise((r) => setTimeout(() => r(LATE), late.afterMs).unref());
      const inFlight = late.pending.get(obj.key);
      late.pending.delete(obj.key);
      const sampling = inFlight ?? pool.sample(obj, workload);
      const first = await Promise.race([sampling, deadline]);
      if (first === LATE) {
        late.pending.set(obj.key, sampling);
        // Once it answers, the object need not wait for its next poll to be decided (said once per request).
        if (!inFlight) void sampling.then(() => late.onAnswered?.(obj.key));
      }
      return first;
    },
  };
}
