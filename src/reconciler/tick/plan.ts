// One repository's tick as a plan of typed intents (pure): the objects one commit carries, the
// pull requests to reconcile, and the cluster work that may only follow a landed commit (a scale
// patch for a scale from zero, a refresh nudge after a push that changed something). Executors
// carry the intents out and answer with outcomes; nothing here does I/O.
import { isPaused } from '../../config/pause.js';
import type { ObjectConfig } from '../../config/types.js';
import type { Decided, Evaluated } from '../types.js';

export interface Item {
  obj: ObjectConfig;
  ev: Decided;
}

/**
 * Patch the target's scale subresource from `from` (the live count) to `replicas`: after the commit
 * carrying `key` landed (`afterCommit`), or, when Git already holds `replicas` and the workload
 * still runs 0 (an earlier tick's patch that failed), right away.
 */
export interface ScalePatch {
  key: string;
  from: number;
  replicas: number;
  afterCommit: boolean;
}

/**
 * Tell Argo CD / Flux to look at the repository now, once the commit carrying these objects landed:
 * the Applications and Kustomizations applying the files it changed, and the Applications the
 * objects name (`gitscale.dev/argocd-application`) when their change was in it.
 */
export interface Nudge {
  repoUrl: string;
  objects: { key: string; application: { namespace: string; name: string } | null }[];
}

/** Write the object's status and Events on its ScaledObject in the cluster, from its result after the executors before. */
export interface Report {
  key: string;
  origin: NonNullable<ObjectConfig['origin']>;
  paused: boolean;
  ev: Evaluated;
}

export interface Plan {
  /** One commit's edits: every committable decision of the repository. */
  changeSet: Item[];
  /** Decisions above a review threshold: one pull request each. */
  pullRequests: Item[];
  /** Decided objects not in review: their pull requests, if any, are closed (or left) by the forge executor. */
  settled: Item[];
  scalePatches: ScalePatch[];
  nudges: Nudge[];
  /** Objects from the cluster (`watch:`), decided or not. */
  reports: Report[];
}

/** A decision that writes something and nothing went wrong before the write. */
function writable(ev: Evaluated): ev is Decided {
  return ev.kind === 'decided' && !ev.result.error && ev.result.route !== 'none';
}

/**
 * Git already holds a count > 0 that the engine keeps (active, no change), but the workload still
 * runs 0: the patch of an earlier scale from zero did not happen (API server down), or someone
 * scaled it to 0 by hand while it has work. Patching to Git's value is what KEDA's activation and
 * a self-healing Argo CD would do, only sooner. Not while paused (KEDA's pause annotations).
 */
function stillAtZero(obj: ObjectConfig, ev: Decided, directPatch: boolean): boolean {
  const d = ev.decision;
  const p = obj.spec.pause;
  if (isPaused(p) || p?.scaleOut) return false;
  return (
    directPatch &&
    obj.directPatch &&
    !ev.result.error &&
    ev.result.route === 'none' &&
    ev.live?.specReplicas === 0 &&
    d.current > 0 &&
    d.desired === d.current &&
    d.active
  );
}

/** `directPatch`: a cluster is configured and cluster.directPatch is on. */
export function plan(repoUrl: string, objects: ObjectConfig[], evaluated: Evaluated[], directPatch = false): Plan {
  const items = objects.map((obj, i) => ({ obj, ev: evaluated[i] }));
  const decided = items.filter((x): x is Item => writable(x.ev));
  const changeSet = decided.filter(({ ev }) => ev.result.route !== 'pull-request');
  return {
    changeSet,
    pullRequests: decided.filter(({ ev }) => ev.result.route === 'pull-request'),
    settled: items.filter((x): x is Item => x.ev.kind === 'decided' && !x.ev.result.error && x.ev.result.route !== 'pull-request'),
    scalePatches: [
      ...changeSet
        .filter(({ ev }) => ev.result.route === 'direct-patch+commit')
        .map(({ obj, ev }) => ({
          key: obj.key,
          from: ev.live?.specReplicas ?? ev.decision.current,
          replicas: ev.decision.desired,
          afterCommit: true,
        })),
      ...items
        .filter((x): x is Item => x.ev.kind === 'decided' && stillAtZero(x.obj, x.ev, directPatch))
        .map(({ obj, ev }) => ({ key: obj.key, from: 0, replicas: ev.decision.desired, afterCommit: false })),
    ],
    nudges: changeSet.length
      ? [{ repoUrl, objects: changeSet.map(({ obj }) => ({ key: obj.key, application: obj.argocdApplication ?? null })) }]
      : [],
    reports: items.flatMap(({ obj, ev }) =>
      obj.origin ? [{ key: obj.key, origin: obj.origin, paused: isPaused(obj.spec.pause), ev }] : [],
    ),
  };
}
