// The cluster executor (docs/architecture.md §2): from the plan and the git executor's outcome to the
// cluster's intents — a nudge once a push changed something, a scale patch only for a commit that
// landed (or for a count Git already holds while the workload still runs 0) — carried out by
// cluster/executor.ts, and back to one note per patched object. `tellCluster` says what happened.
import { carryOut, type Carried, type ClusterClock, type Kube, type NudgeIntent, type PatchIntent } from '../../cluster/index.js';
import type { ClusterSettings } from '../../config/types.js';
import { errorMessage } from '../../errors.js';
import type { WriteResult } from '../../git/types.js';
import type { Logger } from '../../log.js';
import type { Outcome } from '../tick/outcome.js';
import type { Plan } from '../tick/plan.js';
import type { MetricsSink } from '../observability/metrics-sink.js';
import type { Conditions } from '../observability/conditions.js';
import { workloadRef } from '../target/locate.js';

export interface ClusterIntents {
  nudge: NudgeIntent | null;
  patches: PatchIntent[];
}

/** What becomes of a planned scale patch, in words, and its error when it failed (the object's). */
export interface PatchNote {
  note: string;
  error?: unknown;
}

/** The intents the cluster may carry out, given what the git and forge executors did (pure). */
export function clusterIntents(p: Plan, written: WriteResult | null, outcomes: ReadonlyMap<string, Outcome>): ClusterIntents {
  const pushed = written && !written.unchanged ? written : null;
  const byKey = new Map([...p.changeSet, ...p.settled].map((i) => [i.obj.key, i]));
  const patches: PatchIntent[] = [];
  for (const sp of p.scalePatches) {
    const item = byKey.get(sp.key);
    if (!item) continue;
    // After a commit: only when that commit landed (never for a failed push, a skipped object or a PR).
    if (sp.afterCommit && (outcomes.get(sp.key)?.kind !== 'committed' || !pushed)) continue;
    patches.push({
      key: sp.key,
      ref: workloadRef(item.obj),
      from: sp.from,
      to: sp.replicas,
      commit: sp.afterCommit ? pushed!.commit : null,
    });
  }
  const n = pushed ? p.nudges[0] : undefined;
  const applications = n
    ? n.objects.flatMap((o) => (o.application && outcomes.get(o.key)?.kind === 'committed' ? [o.application] : []))
    : [];
  const nudge =
    n && pushed ? { repoUrl: n.repoUrl, files: pushed.files, applications, commit: pushed.commit, parent: pushed.parent || null } : null;
  return { nudge, patches };
}

export interface ClusterDeps {
  kube: Kube;
  clock: ClusterClock;
  settings: ClusterSettings;
  /** Leader election: false once this replica may no longer write. */
  gate?: () => boolean;
}

export async function carryOutIntents(i: ClusterIntents, d: ClusterDeps): Promise<Carried | null> {
  if (!i.nudge && i.patches.length === 0) return null;
  return carryOut(
    d.kube,
    { nudge: i.nudge, patches: i.patches },
    { nudge: d.settings.nudge, syncWaitMs: d.settings.syncWaitSeconds * 1000, allowed: d.gate },
    d.clock,
  );
}

/** One note per planned patch, as the object's result carries it (pure). */
export function patchNotes(i: ClusterIntents, carried: Carried | null): Map<string, PatchNote> {
  const out = new Map<string, PatchNote>();
  for (const intent of carried ? i.patches : []) {
    const r = carried!.patches.get(intent.key)!;
    switch (r.kind) {
      case 'patched':
        out.set(intent.key, { note: `patched ${intent.from}→${intent.to}: ${r.note}` });
        break;
      case 'conflict':
        out.set(intent.key, {
          note: `not patched: the live count moved from ${intent.from} to ${r.live ?? 'unknown'} meanwhile (left as it is)`,
        });
        break;
      case 'already':
        out.set(intent.key, {
          note: `not needed: the workload already runs ${intent.to} (Argo CD / Flux applied the commit first; ${r.note})`,
        });
        break;
      case 'standby':
        out.set(intent.key, { note: 'not patched: this replica lost its lease (the new holder patches what Git holds)' });
        break;
      case 'missing':
        out.set(intent.key, { note: 'not patched: the workload is not in the cluster yet (Argo CD / Flux will create it from Git)' });
        break;
      case 'failed':
        out.set(intent.key, { note: `patch failed (retried next tick): ${errorMessage(r.error)}`, error: r.error });
        break;
    }
  }
  return out;
}

export function tellCluster(
  i: ClusterIntents,
  carried: Carried | null,
  repository: string,
  d: { conditions: Conditions; metrics: MetricsSink; log: Logger },
): void {
  if (!carried) return;
  const n = carried.nudge;
  if (n?.error)
    d.conditions.raise(`repository ${repository}#nudge`, errorMessage(n.error), 'warn', 'Argo CD / Flux not nudged', {
      repository,
      error: errorMessage(n.error),
    });
  else if (n) {
    d.conditions.clear(`repository ${repository}#nudge`, 'nudges work again', { repository });
    if (n.nudged) d.log.info('nudged', { repository, commit: i.nudge!.commit.slice(0, 12), targets: n.targets });
  }
  for (const intent of i.patches) {
    const r = carried.patches.get(intent.key)!;
    d.metrics.patch(r.kind);
    const fields = {
      object: intent.key,
      workload: `${intent.ref.kind} ${intent.ref.namespace}/${intent.ref.name}`,
      from: intent.from,
      to: intent.to,
    };
    switch (r.kind) {
      case 'patched':
        d.log.info('scale patched', {
          ...fields,
          note: r.note,
          nudgeMs: carried.ms.nudge,
          waitMs: carried.ms.wait,
          patchMs: carried.ms.patch,
        });
        if (r.eventError) d.log.warn('scale patched, but its Event was not recorded', { ...fields, error: r.eventError });
        if (carried.waited && !carried.waited.reached)
          d.log.warn('Argo CD / Flux did not reach the commit in time: patched anyway', { ...fields, pending: carried.waited.pending });
        break;
      case 'conflict':
        d.log.warn('scale not patched: someone else scaled the workload meanwhile; left as it is', {
          ...fields,
          live: r.live ?? undefined,
        });
        break;
      case 'already':
        d.log.info('scale not patched: Argo CD / Flux applied the commit first', { ...fields, note: r.note });
        break;
      case 'standby':
        d.log.warn('scale not patched: this replica lost its lease', fields);
        break;
      case 'missing':
        break;
      case 'failed':
        d.conditions.raise(`${intent.key}#patch`, errorMessage(r.error), 'error', 'scale patch failed: retried next tick', {
          ...fields,
          error: errorMessage(r.error),
        });
        continue;
    }
    d.conditions.clear(`${intent.key}#patch`, 'scale patch works again', fields);
  }
}
