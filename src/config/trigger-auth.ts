import { isObj, str, type Problem } from './fields.js';
import type { TriggerAuthentication } from './types.js';

/**
 * KEDA's `spec.podIdentity`. Provider `aws`: gitscale's own identity (IRSA, EKS Pod Identity …),
 * with `roleArn` assumed on top (and `externalID`); `identityOwner: keda` is that; `workload`
 * assumes the role annotated on the workload's ServiceAccount (eks.amazonaws.com/role-arn, read
 * from the cluster; the ServiceAccount named in the pod template in Git). `none`: no pod identity.
 * Other providers (azure-workload, gcp) are for triggers gitscale does not have.
 */
function readPodIdentity(raw: unknown, f: string, problems: Problem[]): TriggerAuthentication['podIdentity'] {
  if (raw === undefined) return undefined;
  const p = isObj(raw) ? raw : {};
  const provider = str(p, 'provider', `${f}.provider`, problems, { required: true });
  if (provider === 'none' || provider === undefined) return undefined;
  if (provider !== 'aws') {
    problems.push({
      field: `${f}.provider`,
      message: `'${provider}' is not supported (aws or none; aws-eks is KEDA's removed predecessor of aws)`,
      code: 'CONFIG_UNSUPPORTED',
    });
    return undefined;
  }
  const owner = str(p, 'identityOwner', `${f}.identityOwner`, problems, { def: 'keda' });
  if (owner !== 'keda' && owner !== 'workload')
    problems.push({ field: `${f}.identityOwner`, message: `must be keda or workload, got '${owner}'`, code: 'CONFIG_ENUM' });
  const roleArn = str(p, 'roleArn', `${f}.roleArn`, problems);
  // KEDA: the workload's role comes from its ServiceAccount; a roleArn beside it is a contradiction.
  if (owner === 'workload' && roleArn)
    problems.push({
      field: `${f}.roleArn`,
      message: "roleArn and identityOwner: workload exclude each other (workload: the role annotated on the workload's ServiceAccount)",
      code: 'CONFIG_CONFLICT',
    });
  const externalId = str(p, 'externalID', `${f}.externalID`, problems);
  for (const k of Object.keys(p)) {
    if (!['provider', 'identityOwner', 'roleArn', 'externalID', 'identityId'].includes(k))
      problems.push({ field: `${f}.${k}`, message: 'unknown key for provider aws', code: 'CONFIG_UNSUPPORTED' });
  }
  return {
    provider: 'aws',
    ...(roleArn ? { roleArn } : {}),
    ...(externalId ? { externalId } : {}),
    ...(owner === 'workload' ? { identityOwner: 'workload' as const } : {}),
  };
}

/** KEDA TriggerAuthentication / ClusterTriggerAuthentication objects: spec.env, spec.secretTargetRef and spec.configMapTargetRef. */
/** How validation keys a TriggerAuthentication (`Kind/namespace/name`; a cluster one has no namespace). */
export function authKey(kind: string, namespace: string, name: string): string {
  return kind === 'ClusterTriggerAuthentication' ? `${kind}//${name}` : `${kind}/${namespace}/${name}`;
}

export function validateTriggerAuthentications(raw: unknown, problems: Problem[]): TriggerAuthentication[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    problems.push({ field: 'triggerAuthentications', message: 'must be a list', code: 'CONFIG_TYPE' });
    return [];
  }
  const out: TriggerAuthentication[] = [];
  raw.forEach((a, i) => {
    const f = `triggerAuthentications[${i}]`;
    if (!isObj(a)) return problems.push({ field: f, message: 'must be a map', code: 'CONFIG_TYPE' });
    const kind = a.kind === 'ClusterTriggerAuthentication' ? 'ClusterTriggerAuthentication' : 'TriggerAuthentication';
    if (a.kind !== kind)
      problems.push({ field: `${f}.kind`, message: 'must be TriggerAuthentication or ClusterTriggerAuthentication', code: 'CONFIG_KIND' });
    const meta = isObj(a.metadata) ? a.metadata : {};
    const name = str(meta, 'name', `${f}.metadata.name`, problems, { required: true });
    const namespace =
      kind === 'ClusterTriggerAuthentication' ? '' : str(meta, 'namespace', `${f}.metadata.namespace`, problems, { def: 'default' })!;
    const spec = isObj(a.spec) ? a.spec : {};
    const env: TriggerAuthentication['env'] = [];
    const secretTargetRef: TriggerAuthentication['secretTargetRef'] = [];
    const configMapTargetRef: TriggerAuthentication['configMapTargetRef'] = [];
    const list = (key: string) =>
      Array.isArray(spec[key])
        ? (spec[key] as unknown[])
        : spec[key] === undefined
          ? []
          : (problems.push({ field: `${f}.spec.${key}`, message: 'must be a list', code: 'CONFIG_TYPE' }), []);
    list('env').forEach((e, j) => {
      const g = `${f}.spec.env[${j}]`;
      const o = isObj(e) ? e : {};
      const parameter = str(o, 'parameter', `${g}.parameter`, problems, { required: true });
      const n = str(o, 'name', `${g}.name`, problems, { required: true });
      if (parameter && n) env.push({ parameter, name: n });
    });
    const refs = (key: 'secretTargetRef' | 'configMapTargetRef', into: TriggerAuthentication['secretTargetRef']) =>
      list(key).forEach((e, j) => {
        const g = `${f}.spec.${key}[${j}]`;
        const o = isObj(e) ? e : {};
        const parameter = str(o, 'parameter', `${g}.parameter`, problems, { required: true });
        const n = str(o, 'name', `${g}.name`, problems, { required: true });
        const k = str(o, 'key', `${g}.key`, problems, { required: true });
        if (parameter && n && k) into.push({ parameter, name: n, key: k });
      });
    refs('secretTargetRef', secretTargetRef);
    refs('configMapTargetRef', configMapTargetRef);
    const podIdentity = readPodIdentity(spec.podIdentity, `${f}.spec.podIdentity`, problems);
    const known = ['env', 'secretTargetRef', 'configMapTargetRef', 'podIdentity'];
    for (const k of Object.keys(spec))
      if (!known.includes(k))
        problems.push({
          field: `${f}.spec.${k}`,
          message: `not supported yet (supported: ${known.join(', ')})`,
          code: 'CONFIG_UNSUPPORTED',
        });
    if (name) out.push({ kind, name, namespace, env, secretTargetRef, configMapTargetRef, ...(podIdentity ? { podIdentity } : {}) });
  });
  return out;
}
