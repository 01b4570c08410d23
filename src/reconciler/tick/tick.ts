// One tick for one repository (docs/architecture.md §2): sync, evaluate its due objects in
// parallel, plan, then the executors, in order, carry out the plan's intents and answer with
// outcomes, from which results and the next state follow. A new side effect is a new intent in the
// plan and an executor in EXECUTORS, not a branch here.
import type { ObjectConfig } from '../../config/types.js';
import { readLive } from '../../cluster/index.js';
import { isPaused } from '../../config/pause.js';
import type { Late, TickDeps } from './deps.js';
import { baseResult, evaluate, failed, LATE, type EvaluateDeps } from './evaluate.js';
import { carryOutIntents, clusterIntents, patchNotes, tellCluster } from '../executors/cluster.js';
import { reconcilePullRequests, reviewOutcomes, tellReviews } from '../executors/forge.js';
import { commitChangeSet, tellCommit } from '../executors/git.js';
import { happenedOf, newReportMemo, observedOf } from '../executors/status.js';
import { tellDecisions, trackDrift } from './observe.js';
import { resultOf } from './outcome.js';
import { warnOwners } from './owners.js';
import { plan, type Plan } from './plan.js';
import { nextStates, nothingExecuted, resultsOf, type Executed } from './results.js';
import { stateOf, type ObjectStates } from '../state.js';
import { workloadRef } from '../target/locate.js';
import type { TriggerPool } from '../triggers/pool.js';
import type { Evaluated, ObjectResult } from '../types.js';

export type { TickCluster, TickDeps } from './deps.js';

/** An executor: carries out its intents of the plan, given what the executors before it did. */
type Executor = (p: Plan, done: Executed, d: TickDeps) => Promise<Executed>;

/** Direct commits first (small changes land without waiting on the forge or its rate limits), then
 * pull requests, then the cluster: nudge Argo CD / Flux after the push, patch scales from zero once
 * they have the commit; last, each ScaledObject from the cluster gets its status and Events. */
const EXECUTORS: Executor[] = [
  async (p, done, d) => {
    if (!p.changeSet.length) return done;
    const g = await commitChangeSet(p.changeSet, { ws: d.ws, author: d.repo.author, log: d.log });
    tellCommit(g, d.repo.name, d);
    return { ...done, outcomes: new Map([...done.outcomes, ...g.outcomes]), written: g.written };
  },
  async (p, done, d) => {
    const f = await reconcilePullRequests(p.pullRequests, p.settled, {
      ws: d.ws,
      forge: d.forge,
      repo: d.repo,
      log: d.log,
      handsOff: d.handsOff,
      opened: d.opened,
      now: d.now,
    });
    tellReviews(p.pullRequests, p.settled, f, d.repo.name, d);
    return { ...done, outcomes: new Map([...done.outcomes, ...reviewOutcomes(p.pullRequests, f)]) };
  },
  async (p, done, d) => {
    if (!d.cluster) return done;
    const intents = clusterIntents(p, done.written, done.outcomes);
    const carried = await carryOutIntents(intents, { ...d.cluster, gate: d.gate });
    tellCluster(intents, carried, d.repo.name, d);
    return { ...done, patches: patchNotes(intents, carried) };
  },
  async (p, done, d) => {
    const reporter = d.cluster?.reporter;
    if (!reporter) return done;
    // Not awaited: a slow API server delays the object's status, not the repository's next tick.
    for (const x of p.reports) {
      const [r] = resultsOf([x.ev], done);
      const st = stateOf(d.states, x.key);
      st.report ??= newReportMemo();
      void reporter.status(st.report, x.origin, observedOf(r, x.paused));
      void reporter.events(st.report, x.origin, happenedOf(r));
    }
    return done;
  },
];

export async function tickRepository(objects: ObjectConfig[], d: TickDeps): Promise<ObjectResult[]> {
  const done = d.metrics.tickTimer(d.repo.name);
  const owners =
    d.cluster && !d.dryRun ? warnOwners(objects, { kube: d.cluster.kube, repoUrl: d.repo.url, states: d.states, log: d.log }) : undefined;
  const results = await evaluateAndWrite(objects, d);
  await owners;
  done();
  for (const obj of objects) d.metrics.paused(obj, isPaused(obj.spec.pause));
  for (const r of results) {
    if (r.error) d.metrics.objectError(r);
    if (r.error)
      d.conditions.raise(`${r.key}#object`, r.error, 'error', 'object failed', {
        object: r.key,
        file: r.file,
        code: r.errorCode ?? undefined,
        error: r.error,
      });
    else d.conditions.clear(`${r.key}#object`, 'object recovered', { object: r.key, file: r.file });
  }
  return results;
}

async function evaluateAndWrite(objects: ObjectConfig[], d: TickDeps): Promise<ObjectResult[]> {
  const s = await sync(d);
  // A repository that did not sync fails each of its objects (their statuses say so).
  const evaluated = s.ok
    ? await evaluateAll(objects, d)
    : objects.map((o): Evaluated => ({ kind: 'failed', result: failed(baseResult(o), s.error) }));
  if (s.ok && d.cluster) trackDrift(evaluated, { conditions: d.conditions, states: d.states, now: d.now, settings: d.cluster.settings });
  if (s.ok) tellDecisions(evaluated, d);
  if (d.dryRun) return evaluated.map((ev) => ev.result);
  const p = plan(d.repo.url, objects, evaluated, !!d.cluster?.settings.directPatch);
  // The leader gate sits in front of the executors: a replica that lost its Lease mid-tick writes nothing.
  if (d.gate && !d.gate()) return evaluated.map((ev) => (ev.kind !== 'decided' ? ev.result : resultOf(ev.result, { kind: 'standby' })));
  let executed = nothingExecuted();
  for (const execute of EXECUTORS) executed = await execute(p, executed, d);
  for (const [key, engine] of nextStates(evaluated, executed, (k) => d.states.get(k)?.engine)) stateOf(d.states, key).engine = engine;
  return resultsOf(evaluated, executed);
}

async function sync(d: TickDeps): Promise<{ ok: true } | { ok: false; error: unknown }> {
  const timer = d.metrics.syncTimer(d.repo.name);
  try {
    await d.ws.sync();
    timer(true);
  } catch (e) {
    timer(false);
    d.conditions.raise(`repository ${d.repo.name}#sync`, (e as Error).message, 'error', 'repository sync failed', {
      repository: d.repo.name,
      error: (e as Error).message,
    });
    return { ok: false, error: e };
  }
  d.conditions.clear(`repository ${d.repo.name}#sync`, 'repository sync recovered', { repository: d.repo.name });
  return { ok: true };
}

function evaluateAll(objects: ObjectConfig[], d: TickDeps): Promise<Evaluated[]> {
  const c = d.cluster;
  const live = c ? (obj: ObjectConfig) => readLive(c.kube, workloadRef(obj)) : undefined;
  const triggers = d.late ? lateAware(d.triggers, d.late, d.states) : d.triggers;
  const directPatch = !!c?.settings.directPatch;
  return Promise.all(
    objects.map((obj) =>
      evaluate(obj, d.ws, { triggers, now: d.now, memo: stateOf(d.states, obj.key), live, directPatch, overlays: d.overlays }),
    ),
  );
}

/**
 * The pool, answering LATE for an object whose triggers have not all answered `afterMs` after the
 * first sample of this tick. Its sampling goes on; the next tick takes its answer (or waits for it
 * again) rather than asking the slow endpoint a second time.
 */
export function lateAware(pool: Pick<TriggerPool, 'needsWorkload' | 'sample'>, late: Late, states: ObjectStates): EvaluateDeps['triggers'] {
  let deadline: Promise<typeof LATE> | undefined;
  return {
    needsWorkload: (obj) => pool.needsWorkload(obj),
    async sample(obj, workload) {
      deadline ??= late.deadline(late.afterMs).then(() => LATE);
      const st = stateOf(states, obj.key);
      const inFlight = st.pending;
      st.pending = undefined;
      const sampling = inFlight ?? pool.sample(obj, workload);
      const first = await Promise.race([sampling, deadline]);
      if (first === LATE) {
        st.pending = sampling;
        // Once it answers, the object need not wait for its next poll to be decided (said once per request).
        if (!inFlight) void sampling.then(() => late.onAnswered?.(obj.key));
      }
      return first;
    },
  };
}
