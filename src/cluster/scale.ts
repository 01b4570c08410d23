// A workload's live scale, and the compare-and-set patch of its scale subresource with the Event
// that says why. Any kind with a scale subresource: Deployments, StatefulSets, Argo Rollouts, …
import { errorMessage } from '../errors.js';
import type { Kube, LiveScale, WorkloadRef } from './types.js';

export async function readLive(kube: Kube, ref: WorkloadRef): Promise<LiveScale | null> {
  const r = await kube.resource(ref.apiVersion, ref.kind);
  const scale = await kube.getScale(r, ref.namespace, ref.name);
  if (!scale) return null;
  const obj = await kube.get(r, ref.namespace, ref.name);
  const ready = obj?.status?.readyReplicas;
  // A controller leaves readyReplicas out when it is 0.
  const readyReplicas = typeof ready === 'number' ? ready : obj?.status ? 0 : null;
  return { specReplicas: scale.spec, statusReplicas: scale.status, readyReplicas, selector: scale.selector };
}

export type PatchResult =
  | { kind: 'patched'; eventError?: string }
  /** spec.replicas was no longer `from`: someone else scaled it; left as they set it. */
  | { kind: 'conflict'; live: number | null }
  /** spec.replicas was already `to`: Argo CD / Flux applied the commit first. */
  | { kind: 'already' }
  /** The workload is not in the cluster (yet): Argo CD / Flux will create it from Git. */
  | { kind: 'missing' };

export interface ScalePatchRequest {
  ref: WorkloadRef;
  from: number;
  to: number;
  /** The Event's reason and message (the commit, and how long Argo CD / Flux took to see it). */
  reason: string;
  message: string;
  now: number;
}

export async function patchScale(kube: Kube, p: ScalePatchRequest): Promise<PatchResult> {
  const r = await kube.resource(p.ref.apiVersion, p.ref.kind);
  const obj = await kube.get(r, p.ref.namespace, p.ref.name);
  if (!obj) return { kind: 'missing' };
  const res = await kube.patchScale(r, p.ref.namespace, p.ref.name, p.from, p.to);
  if (res === 'conflict') {
    const now = await kube.getScale(r, p.ref.namespace, p.ref.name);
    return now?.spec === p.to ? { kind: 'already' } : { kind: 'conflict', live: now?.spec ?? null };
  }
  try {
    await kube.createEvent({
      regarding: { ...p.ref, uid: obj.metadata.uid },
      type: 'Normal',
      reason: p.reason,
      message: p.message,
      at: p.now,
    });
  } catch (e) {
    // The scale happened; a missing Event is worth a warning, not a failed patch.
    return { kind: 'patched', eventError: errorMessage(e) };
  }
  return { kind: 'patched' };
}
