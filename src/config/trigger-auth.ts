import { isObj, str, type Problem } from './fields.js';
import type { TriggerAuthentication } from './types.js';

/** KEDA TriggerAuthentication / ClusterTriggerAuthentication objects: spec.env, spec.secretTargetRef and spec.configMapTargetRef. */
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
    if (a.kind !== kind) problems.push({ field: `${f}.kind`, message: 'must be TriggerAuthentication or ClusterTriggerAuthentication', code: 'CONFIG_KIND' });
    const meta = isObj(a.metadata) ? a.metadata : {};
    const name = str(meta, 'name', `${f}.metadata.name`, problems, { required: true });
    const namespace = kind === 'ClusterTriggerAuthentication' ? '' : str(meta, 'namespace', `${f}.metadata.namespace`, problems, { def: 'default' })!;
    const spec = isObj(a.spec) ? a.spec : {};
    const env: TriggerAuthentication['env'] = [];
    const secretTargetRef: TriggerAuthentication['secretTargetRef'] = [];
    const configMapTargetRef: TriggerAuthentication['configMapTargetRef'] = [];
    const list = (key: string) => (Array.isArray(spec[key]) ? (spec[key] as unknown[]) : spec[key] === undefined ? [] : (problems.push({ field: `${f}.spec.${key}`, message: 'must be a list', code: 'CONFIG_TYPE' }), []));
    list('env').forEach((e, j) => {
      const g = `${f}.spec.env[${j}]`;
      const o = isObj(e) ? e : {};
      const parameter = str(o, 'parameter', `${g}.parameter`, problems, { required: true });
      const n = str(o, 'name', `${g}.name`, problems, { required: true });
      if (parameter && n) env.push({ parameter, name: n });
    });
    const refs = (key: 'secretTargetRef' | 'configMapTargetRef', into: TriggerAuthentication['secretTargetRef']) => list(key).forEach((e, j) => {
      const g = `${f}.spec.${key}[${j}]`;
      const o = isObj(e) ? e : {};
      const parameter = str(o, 'parameter', `${g}.parameter`, problems, { required: true });
      const n = str(o, 'name', `${g}.name`, problems, { required: true });
      const k = str(o, 'key', `${g}.key`, problems, { required: true });
      if (parameter && n && k) into.push({ parameter, name: n, key: k });
    });
    refs('secretTargetRef', secretTargetRef);
    refs('configMapTargetRef', configMapTargetRef);
    const known = ['env', 'secretTargetRef', 'configMapTargetRef'];
    for (const k of Object.keys(spec)) if (!known.includes(k)) problems.push({ field: `${f}.spec.${k}`, message: `not supported yet (supported: ${known.join(', ')})`, code: 'CONFIG_UNSUPPORTED' });
    if (name) out.push({ kind, name, namespace, env, secretTargetRef, configMapTargetRef });
  });
  return out;
}
