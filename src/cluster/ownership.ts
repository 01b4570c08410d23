// Who else owns a workload's replicas? Each of these would swallow gitscale's commits or fight
// them (docs: README "Running beside Argo CD and Flux"): an HPA or a KEDA ScaledObject on the
// same workload; an Argo CD Application that ignores /spec/replicas *and* respects that when
// syncing; Flux's `ssa: IfNotPresent` (created once, never re-applied).
import { KEDA_SCALED_OBJECTS, applicationsHolding, listerOf, type Lister } from './gitops.js';
import { splitApiVersion } from './types.js';
import type { Kube, KubeObject, WorkloadRef } from './types.js';

export interface OwnershipWarning {
  code: 'OWNERSHIP_HPA' | 'OWNERSHIP_KEDA' | 'OWNERSHIP_ARGOCD_IGNORES_REPLICAS' | 'OWNERSHIP_FLUX_SSA_IF_NOT_PRESENT';
  message: string;
}

const HPA = { group: 'autoscaling', version: 'v2', plural: 'horizontalpodautoscalers' };

const targets = (ref: WorkloadRef, t: { kind?: string; name?: string } | undefined, defaultKind = 'Deployment') =>
  t?.name === ref.name && (t?.kind ?? defaultKind) === ref.kind;

/** Does an Argo CD ignoreDifferences entry cover this workload's /spec/replicas? */
function ignoresReplicas(entry: any, ref: WorkloadRef): boolean {
  const { group } = splitApiVersion(ref.apiVersion);
  if (entry?.kind !== ref.kind || (entry.group ?? '') !== group) return false;
  if (entry.name && entry.name !== ref.name) return false;
  if (entry.namespace && entry.namespace !== ref.namespace) return false;
  const pointers: string[] = Array.isArray(entry.jsonPointers) ? entry.jsonPointers : [];
  const jq: string[] = Array.isArray(entry.jqPathExpressions) ? entry.jqPathExpressions : [];
  return (
    pointers.some((p) => p === '/spec/replicas' || p === '/spec') ||
    jq.some((e) => /^\.spec(\.replicas)?$/.test(e.trim())) ||
    Array.isArray(entry.managedFieldsManagers)
  );
}

function respectsIgnore(app: KubeObject): boolean {
  const opts: unknown = app.spec?.syncPolicy?.syncOptions;
  return Array.isArray(opts) && opts.includes('RespectIgnoreDifferences=true');
}

/** `list`: pass one `listerOf(kube, true)` to a batch of checks, so each LIST is made once for all of them. */
export async function ownershipWarnings(
  kube: Kube,
  q: { ref: WorkloadRef; repoUrl: string; file: string },
  list: Lister = listerOf(kube),
): Promise<OwnershipWarning[]> {
  const { ref } = q;
  const out: OwnershipWarning[] = [];
  const [hpas, kedas, apps] = await Promise.all([
    list(HPA, ref.namespace),
    list(KEDA_SCALED_OBJECTS, ref.namespace),
    applicationsHolding(kube, q.repoUrl, q.file, list),
  ]);
  for (const h of hpas.filter((h) => targets(ref, h.spec?.scaleTargetRef))) {
    out.push({
      code: 'OWNERSHIP_HPA',
      message: `HorizontalPodAutoscaler ${ref.namespace}/${h.metadata.name} also scales ${ref.kind} ${ref.name}: it and gitscale would fight over spec.replicas (remove the HPA, or the ScaledObject)`,
    });
  }
  for (const k of kedas.filter((k) => targets(ref, k.spec?.scaleTargetRef))) {
    out.push({
      code: 'OWNERSHIP_KEDA',
      message: `KEDA ScaledObject ${ref.namespace}/${k.metadata.name} also scales ${ref.kind} ${ref.name}: its HPA would overwrite what Argo CD / Flux apply from gitscale's commits (delete it once gitscale runs this workload)`,
    });
  }
  for (const app of apps.filter(
    (a) => respectsIgnore(a) && (a.spec?.ignoreDifferences ?? []).some((e: unknown) => ignoresReplicas(e, ref)),
  )) {
    out.push({
      code: 'OWNERSHIP_ARGOCD_IGNORES_REPLICAS',
      message: `Argo CD Application ${app.metadata.namespace}/${app.metadata.name} ignores /spec/replicas of ${ref.kind} ${ref.name} with RespectIgnoreDifferences=true: gitscale's commits would never be applied (drop that ignoreDifferences entry)`,
    });
  }
  const workload = await kube.get(await kube.resource(ref.apiVersion, ref.kind), ref.namespace, ref.name);
  if (workload?.metadata.annotations?.['kustomize.toolkit.fluxcd.io/ssa'] === 'IfNotPresent') {
    out.push({
      code: 'OWNERSHIP_FLUX_SSA_IF_NOT_PRESENT',
      message: `${ref.kind} ${ref.namespace}/${ref.name} carries kustomize.toolkit.fluxcd.io/ssa: IfNotPresent: Flux never re-applies it, so gitscale's commits would not reach the cluster (remove the annotation)`,
    });
  }
  return out;
}
