// The cluster executor: after a push, nudge Argo CD / Flux; for a scale from zero, wait (bounded)
// until they have fetched the pushed commit, then patch the scale subresource with a
// compare-and-set. Order: push → nudge → wait → patch, so a self-healing Argo CD compares the
// patched workload with the new commit and agrees with it instead of reverting it to 0.
import { errorMessage } from '../errors.js';
import { findTargets, nudge, targetName, waitForRevision, watched, type GitopsTarget, type Waited } from './gitops.js';
import { patchScale } from './scale.js';
import type { ClusterClock, Kube, WorkloadRef } from './types.js';

export interface PatchIntent {
  key: string;
  ref: WorkloadRef;
  from: number;
  to: number;
  /** The commit that carried the change; null when Git already held it (a patch retried on a later tick). */
  commit: string | null;
}

export interface NudgeIntent {
  repoUrl: string;
  /** Files the push changed (the Applications / Kustomizations applying them are nudged). */
  files: string[];
  /** Applications named by gitscale.dev/argocd-application. */
  applications: { namespace: string; name: string }[];
  commit: string;
  parent: string | null;
}

export type PatchOutcome =
  | { kind: 'patched'; note: string; eventError?: string }
  | { kind: 'conflict'; live: number | null }
  | { kind: 'already'; note: string }
  | { kind: 'missing' }
  /** This replica lost its Lease before the patch: left to the new holder. */
  | { kind: 'standby' }
  | { kind: 'failed'; error: unknown };

export interface NudgeOutcome {
  targets: string[];
  nudged: boolean;
  error?: unknown;
}

export interface ClusterSteps {
  nudge: boolean;
  syncWaitMs: number;
  /** Leader election: false once this replica may no longer write (checked before each step and while waiting). */
  allowed?: () => boolean;
}

export interface Carried {
  nudge: NudgeOutcome | null;
  waited: Waited | null;
  patches: Map<string, PatchOutcome>;
  /** How long each step took (ms): finding and nudging Argo CD / Flux, waiting for the revision, patching. */
  ms: { nudge: number; wait: number; patch: number };
}

const short = (c: string) => c.slice(0, 12);

export async function carryOut(
  kube: Kube,
  intents: { nudge: NudgeIntent | null; patches: PatchIntent[] },
  steps: ClusterSteps,
  clock: ClusterClock,
): Promise<Carried> {
  let targets: GitopsTarget[] = [];
  let nudged: NudgeOutcome | null = null;
  const n = intents.nudge;
  const t0 = clock.now();
  if (n) {
    try {
      targets = await findTargets(kube, n.repoUrl, n.files, n.applications);
      if (steps.nudge && targets.length) await nudge(kube, targets, clock.now());
      nudged = { targets: targets.map(targetName), nudged: steps.nudge && targets.length > 0 };
    } catch (e) {
      nudged = { targets: targets.map(targetName), nudged: false, error: e };
    }
  }
  const t1 = clock.now();
  const afterPush = intents.patches.filter((p) => p.commit !== null && n && p.commit === n.commit);
  let waited: Waited | null = null;
  if (afterPush.length && n && targets.some(watched)) {
    try {
      waited = await waitForRevision(kube, targets, n.commit, n.parent, steps.syncWaitMs, clock, steps.allowed);
    } catch (e) {
      waited = { reached: false, waitedMs: 0, pending: [`could not read ${targets.map(targetName).join(', ')}: ${errorMessage(e)}`] };
    }
  }
  const t2 = clock.now();
  const patches = new Map<string, PatchOutcome>();
  for (const p of intents.patches) {
    if (steps.allowed && !steps.allowed()) {
      patches.set(p.key, { kind: 'standby' });
      continue;
    }
    const note = noteFor(p, waited, targets, nudged, steps.syncWaitMs);
    try {
      const message = `gitscale scaled ${p.ref.kind} ${p.ref.name} from ${p.from} to ${p.to}: ${note}`;
      const res = await patchScale(kube, { ref: p.ref, from: p.from, to: p.to, reason: 'ScaledFromZero', message, now: clock.now() });
      patches.set(
        p.key,
        res.kind === 'patched'
          ? { kind: 'patched', note, eventError: res.eventError }
          : res.kind === 'already'
            ? { kind: 'already', note }
            : res,
      );
    } catch (e) {
      patches.set(p.key, { kind: 'failed', error: e });
    }
  }
  return { nudge: nudged, waited, patches, ms: { nudge: t1 - t0, wait: t2 - t1, patch: clock.now() - t2 } };
}

function noteFor(p: PatchIntent, waited: Waited | null, targets: GitopsTarget[], nudged: NudgeOutcome | null, syncWaitMs: number): string {
  if (p.commit === null) return 'Git already holds this count; the patch of an earlier tick is carried out now';
  const commit = `commit ${short(p.commit)}`;
  if (waited?.reached)
    return `${commit} landed in Git and ${targets.filter(watched).map(targetName).join(', ')} reached it after ${waited.waitedMs} ms`;
  if (waited)
    return `${commit} landed in Git; ${waited.pending.join(', ')} did not reach it within ${Math.round(syncWaitMs / 1000)} s: patched anyway`;
  if (nudged?.error)
    return `${commit} landed in Git; Argo CD / Flux objects could not be read (${errorMessage(nudged.error)}): patched right after the push`;
  return `${commit} landed in Git; no Argo CD Application or Flux GitRepository applies it: patched right after the push`;
}
