// The tick's cluster step (docs/architecture.md §2): from the plan and the git executor's
// outcome to the cluster executor's intents — a nudge after a push that changed something, a
// scale patch only for a commit that landed (or for a count Git already holds while the workload
// still runs 0) — and back to one line per object. Also drift: live spec.replicas ≠ Git's value.
import { carryOut, listerOf, ownershipWarnings, type PatchIntent } from '../cluster/index.js';
import type { ObjectConfig } from '../config/types.js';
import { errorMessage } from '../errors.js';
import type { WriteResult } from '../git/types.js';
import type { Outcome } from './outcome.js';
import type { Plan } from './plan.js';
import type { TickCluster, TickDeps } from './tick.js';
import type { Evaluated } from './types.js';
import { workloadRef as ref } from './target.js';


/** Marks drift on each result and logs it once it outlasted cluster.driftAfterSeconds (a sync delay is not drift). */
export function trackDrift(evaluated: Evaluated[], c: TickCluster, d: TickDeps): void {
  for (const ev of evaluated) {
    if (ev.kind === 'decided' && ev.liveError) {
      d.report.report(`${ev.result.key}#live`, ev.liveError, 'warn', 'live scale not read: deciding on Git alone', { object: ev.result.key, error: ev.liveError });
    } else d.report.clear(`${ev.result.key}#live`, 'live scale read again', { object: ev.result.key });
    if (ev.kind !== 'decided' || !ev.live || ev.live.specReplicas === ev.decision.current) {
      if (c.driftSince.delete(ev.result.key)) d.report.clear(`${ev.result.key}#drift`, 'drift resolved: live replicas match Git', { object: ev.result.key });
      continue;
    }
    const since = c.driftSince.get(ev.result.key) ?? d.now;
    c.driftSince.set(ev.result.key, since);
    const seconds = Math.round((d.now - since) / 1000);
    const git = ev.decision.current;
    ev.result.drift = `live ${ev.live.specReplicas} ≠ Git ${git} (seen for ${seconds} s)`;
    if (d.now - since >= c.settings.driftAfterSeconds * 1000) {
      d.report.report(`${ev.result.key}#drift`, `${ev.live.specReplicas}≠${git}`, 'warn', 'drift: the cluster does not run what Git holds (is Argo CD / Flux syncing this file? see README)', { object: ev.result.key, file: ev.result.file, live: ev.live.specReplicas, git, seconds });
    }
  }
}

/** Once per object: another owner of its replicas is worth a warning. Runs beside the tick's own work (awaited at its end). */
export function warnOwners(objects: ObjectConfig[], c: TickCluster, d: TickDeps): Promise<void> {
  const list = listerOf(c.kube, true);
  return Promise.all(objects.filter((o) => !c.ownersChecked.has(o.key)).map(async (obj) => {
    c.ownersChecked.add(obj.key);
    try {
      for (const w of await ownershipWarnings(c.kube, { ref: ref(obj), repoUrl: d.repo.url, file: obj.path }, list)) {
        d.log.warn('ownership: another owner of the replicas', { object: obj.key, code: w.code, warning: w.message });
      }
    } catch (e) {
      d.log.warn('ownership not checked', { object: obj.key, error: errorMessage(e) });
    }
  })).then(() => undefined);
}

export async function clusterStep(p: Plan, written: WriteResult | null, outcomes: Map<string, Outcome>, c: TickCluster, d: TickDeps): Promise<Map<string, { note: string; error?: unknown }>> {
  const pushed = written && !written.unchanged ? written : null;
  const byKey = new Map([...p.changeSet, ...p.settled].map((i) => [i.obj.key, i]));
  const patches: PatchIntent[] = [];
  for (const sp of p.scalePatches) {
    const item = byKey.get(sp.key);
    if (!item) continue;
    const o = outcomes.get(sp.key);
    // After a commit: only when that commit landed (never for a failed push, a skipped object or a PR).
    if (sp.afterCommit && (o?.kind !== 'committed' || !pushed)) continue;
    patches.push({ key: sp.key, ref: ref(item.obj), from: sp.from, to: sp.replicas, commit: sp.afterCommit ? pushed!.commit : null });
  }
  const applications = p.changeSet.flatMap((i) => (i.obj.argocdApplication && outcomes.get(i.obj.key)?.kind === 'committed' ? [i.obj.argocdApplication] : []));
  const nudge = pushed ? { repoUrl: d.repo.url, files: pushed.files, applications, commit: pushed.commit, parent: pushed.parent || null } : null;
  if (!nudge && patches.length === 0) return new Map();
  const carried = await carryOut(c.kube, { nudge, patches }, { nudge: c.settings.nudge, syncWaitMs: c.settings.syncWaitSeconds * 1000, allowed: d.gate }, c.clock);
  const n = carried.nudge;
  if (n?.error) d.report.report(`repository ${d.repo.name}#nudge`, errorMessage(n.error), 'warn', 'Argo CD / Flux not nudged', { repository: d.repo.name, error: errorMessage(n.error) });
  else if (n) {
    d.report.clear(`repository ${d.repo.name}#nudge`, 'nudges work again', { repository: d.repo.name });
    if (n.nudged) d.log.info('nudged', { repository: d.repo.name, commit: nudge!.commit.slice(0, 12), targets: n.targets });
  }
  const out = new Map<string, { note: string; error?: unknown }>();
  for (const intent of patches) {
    const r = carried.patches.get(intent.key)!;
    d.record.patch(r.kind);
    const fields = { object: intent.key, workload: `${intent.ref.kind} ${intent.ref.namespace}/${intent.ref.name}`, from: intent.from, to: intent.to };
    switch (r.kind) {
      case 'patched':
        d.log.info('scale patched', { ...fields, note: r.note, nudgeMs: carried.ms.nudge, waitMs: carried.ms.wait, patchMs: carried.ms.patch });
        if (r.eventError) d.log.warn('scale patched, but its Event was not recorded', { ...fields, error: r.eventError });
        if (carried.waited && !carried.waited.reached) d.log.warn('Argo CD / Flux did not reach the commit in time: patched anyway', { ...fields, pending: carried.waited.pending });
        out.set(intent.key, { note: `patched ${intent.from}→${intent.to}: ${r.note}` });
        break;
      case 'conflict':
        d.log.warn('scale not patched: someone else scaled the workload meanwhile; left as it is', { ...fields, live: r.live ?? undefined });
        out.set(intent.key, { note: `not patched: the live count moved from ${intent.from} to ${r.live ?? 'unknown'} meanwhile (left as it is)` });
        break;
      case 'already':
        d.log.info('scale not patched: Argo CD / Flux applied the commit first', { ...fields, note: r.note });
        out.set(intent.key, { note: `not needed: the workload already runs ${intent.to} (Argo CD / Flux applied the commit first; ${r.note})` });
        break;
      case 'standby':
        d.log.warn('scale not patched: this replica lost its lease', fields);
        out.set(intent.key, { note: 'not patched: this replica lost its lease (the new holder patches what Git holds)' });
        break;
      case 'missing':
        out.set(intent.key, { note: 'not patched: the workload is not in the cluster yet (Argo CD / Flux will create it from Git)' });
        break;
      case 'failed':
        d.report.report(`${intent.key}#patch`, errorMessage(r.error), 'error', 'scale patch failed: retried next tick', { ...fields, error: errorMessage(r.error) });
        out.set(intent.key, { note: `patch failed (retried next tick): ${errorMessage(r.error)}`, error: r.error });
        continue;
    }
    d.report.clear(`${intent.key}#patch`, 'scale patch works again', fields);
  }
  return out;
}
