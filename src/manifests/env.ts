// The env of a workload's container as written in its manifest (pod template), for KEDA's
// `*FromEnv` trigger keys: KEDA reads them from the scale target's container (by
// scaleTargetRef.envSourceContainerName, else the first). Literal values and references to
// Secrets / ConfigMaps are returned as written; resolving references is the caller's business.
import { parseAllDocuments } from 'yaml';
import { isObj } from './common.js';
import type { WorkloadTarget } from './types.js';

export type EnvSource =
  | { name: string; value: string }
  | { name: string; secretKeyRef: { name: string; key: string } }
  | { name: string; configMapKeyRef: { name: string; key: string } };

/** The ServiceAccount the target's pods run as (`default` when the pod template names none); null: no pod template here. */
export function podServiceAccount(text: string, target: WorkloadTarget): string | null {
  for (const doc of parseAllDocuments(text, { logLevel: 'error' })) {
    const o: unknown = doc.errors.length ? null : doc.toJS({ maxAliasCount: 100 });
    if (!isObj(o) || o.kind !== target.kind || o.metadata?.name !== target.name) continue;
    if (o.metadata?.namespace !== undefined && o.metadata.namespace !== target.namespace) continue;
    const pod: unknown = o.spec?.template?.spec;
    if (!isObj(pod)) return null;
    const name = pod.serviceAccountName ?? pod.serviceAccount;
    return typeof name === 'string' && name !== '' ? name : 'default';
  }
  return null;
}

/** null when the text holds no pod template for the target (a kustomization, a values file…). */
export function containerEnv(text: string, target: WorkloadTarget, container?: string): EnvSource[] | null {
  for (const doc of parseAllDocuments(text, { logLevel: 'error' })) {
    const o: unknown = doc.errors.length ? null : doc.toJS({ maxAliasCount: 100 });
    if (!isObj(o) || o.kind !== target.kind || o.metadata?.name !== target.name) continue;
    if (o.metadata?.namespace !== undefined && o.metadata.namespace !== target.namespace) continue;
    const containers: unknown = o.spec?.template?.spec?.containers;
    if (!Array.isArray(containers) || containers.length === 0) return null;
    const c = container === undefined ? containers[0] : containers.find((x) => isObj(x) && x.name === container);
    if (!isObj(c) || !Array.isArray(c.env)) return [];
    return c.env.flatMap((e: unknown): EnvSource[] => {
      if (!isObj(e) || typeof e.name !== 'string') return [];
      if (e.value !== undefined && e.value !== null) return [{ name: e.name, value: String(e.value) }];
      const s = e.valueFrom?.secretKeyRef;
      if (isObj(s) && typeof s.name === 'string' && typeof s.key === 'string')
        return [{ name: e.name, secretKeyRef: { name: s.name, key: s.key } }];
      const m = e.valueFrom?.configMapKeyRef;
      if (isObj(m) && typeof m.name === 'string' && typeof m.key === 'string')
        return [{ name: e.name, configMapKeyRef: { name: m.name, key: m.key } }];
      return [];
    });
  }
  return null;
}
