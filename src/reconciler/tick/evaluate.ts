// Observe → read → decide for one object. Never throws: a failure is this object's error alone.
import type { ObjectConfig } from '../../config/types.js';
import { decide } from '../../engine/decide.js';
import { GitscaleError, errorMessage } from '../../errors.js';
import type { Workspace } from '../../git/types.js';
import { containerEnv, podServiceAccount, setReplicas, unifiedDiff } from '../../manifests/index.js';
import { readCurrent } from '../target/current.js';
import { overlaysFor, type OverlayCache } from '../target/overlays.js';
import { locateTarget, workloadTarget } from '../target/locate.js';
import type { ObjectState } from '../state.js';
import { triggerReports } from './commit-words.js';
import type { TriggerInput } from '../../engine/types.js';
import type { TriggerPool, WorkloadFacts } from '../triggers/pool.js';
import { routeFor } from './route.js';
import type { Evaluated, ObjectResult } from '../types.js';
import type { LiveScale } from '../../cluster/index.js';

/** What a sampler answers for an object whose triggers have not all answered by the tick's deadline. */
export const LATE = Symbol('late');

export interface EvaluateDeps {
  /** The trigger pool, or (in `run`) one that answers LATE past the tick's deadline. */
  triggers: Pick<TriggerPool, 'needsWorkload'> & {
    sample(obj: ObjectConfig, workload?: WorkloadFacts | null): Promise<TriggerInput[] | typeof LATE>;
  };
  now: number;
  /** The object's state: what the engine learnt, where its marker was found (updated by the read). */
  memo: ObjectState;
  /** With a cluster: reads the workload's live scale (null when it is not there). */
  live?: (obj: ObjectConfig) => Promise<LiveScale | null>;
  /** A scale from zero may also be patched in the cluster (a cluster, and cluster.directPatch). */
  directPatch: boolean;
  /** What the repository's kustomizations set over workload files; absent: not checked. */
  overlays?: OverlayCache;
}

export function baseResult(obj: ObjectConfig): ObjectResult {
  return {
    key: obj.key,
    namespace: obj.namespace,
    name: obj.name,
    repository: obj.repository,
    file: obj.path,
    current: null,
    currentFrom: null,
    desired: null,
    route: 'none',
    routedBy: null,
    reason: '',
    triggers: [],
    diff: '',
    error: null,
    errorCode: null,
    commit: null,
    pullRequest: null,
    live: null,
    drift: null,
    patch: null,
  };
}

export function failed(result: ObjectResult, e: unknown): ObjectResult {
  return { ...result, error: errorMessage(e), errorCode: e instanceof GitscaleError ? e.code : 'INTERNAL' };
}

function workloadOf(text: string, obj: ObjectConfig): WorkloadFacts | null {
  try {
    return {
      env: containerEnv(text, workloadTarget(obj), obj.target.envSourceContainerName),
      serviceAccount: podServiceAccount(text, workloadTarget(obj)),
    };
  } catch {
    return null; // a manifest that does not parse fails the object on its own, with its own error
  }
}

export async function evaluate(obj: ObjectConfig, ws: Workspace, deps: EvaluateDeps): Promise<Evaluated> {
  const result = baseResult(obj);
  const target = workloadTarget(obj);
  const locating = locateTarget(obj, ws, deps.memo).catch((e: unknown) => e as Error);
  // `*FromEnv` keys resolve against the target container's env in Git, and a workload pod identity
  // against its ServiceAccount: sample once the manifest is read.
  const workload = deps.triggers.needsWorkload(obj) ? locating.then((l) => (l instanceof Error ? null : workloadOf(l.text, obj))) : null;
  const [located, sampled, liveRead] = await Promise.all([
    locating,
    Promise.resolve(workload).then((w) => deps.triggers.sample(obj, w)),
    deps.live ? deps.live(obj).catch((e: unknown) => e as Error) : Promise.resolve(null),
  ]);
  if (sampled === LATE)
    return {
      kind: 'deferred',
      result: { ...result, reason: 'a trigger has not answered yet: this object is decided at a later tick (the others are written now)' },
    };
  const triggers = sampled;
  // A live read that failed leaves the decision to Git's value, as without a cluster (reported, not fatal).
  const live = liveRead instanceof Error ? null : liveRead;
  if (live) result.live = { replicas: live.specReplicas, statusReplicas: live.statusReplicas, readyReplicas: live.readyReplicas };
  result.triggers = triggers.map((t) => ({
    type: t.type,
    name: t.name,
    value: t.sample.ok ? t.sample.value : null,
    target: t.target,
    active: t.sample.ok && t.sample.active,
    error: t.sample.ok ? null : t.sample.error,
    fallback: false,
    failures: t.sample.ok ? 0 : (deps.memo.engine?.failures[t.name] ?? 0) + 1,
    ...(t.source ? { source: t.source } : {}),
  }));
  if (located instanceof Error) return { kind: 'failed', result: failed(result, located) };
  const { file, text } = located;
  result.file = file;
  try {
    const overlaysOf = deps.overlays ? overlaysFor(ws, deps.overlays) : undefined;
    const field = await readCurrent(text, target, file, (p) => ws.read(p), overlaysOf);
    // The HPA's view (docs/semantics.md §1): live status.replicas and ready pods, once the workload runs.
    const running = live && field.replicas > 0 && live.specReplicas > 0;
    const decision = decide({
      spec: obj.spec,
      triggers,
      current: field.replicas,
      now: deps.now,
      state: deps.memo.engine,
      statusReplicas: running ? live.statusReplicas : undefined,
      readyReplicas: running ? (live.readyReplicas ?? undefined) : undefined,
    });
    const after = decision.desired === decision.current ? text : setReplicas(text, target, decision.desired, file);
    const liveZero = live ? live.specReplicas === 0 : field.replicas === 0;
    const routed = routeFor(decision.current, decision.desired, obj.review, deps.directPatch && obj.directPatch && liveZero);
    return {
      kind: 'decided',
      decision,
      file,
      field: field.field,
      live,
      liveError: liveRead instanceof Error ? errorMessage(liveRead) : null,
      result: {
        ...result,
        current: decision.current,
        currentFrom: field.source ?? null,
        desired: decision.desired,
        route: routed.route,
        routedBy: routed.threshold,
        reason: decision.reason,
        triggers: triggerReports(decision).map((r, i) => (triggers[i]?.source ? { ...r, source: triggers[i].source } : r)),
        diff: unifiedDiff(file, text, after),
        error: decision.undecided ? 'every trigger failed: nothing decided' : null,
        errorCode: decision.undecided ? 'ALL_TRIGGERS_FAILED' : null,
      },
    };
  } catch (e) {
    return { kind: 'failed', result: failed(result, e) };
  }
}
