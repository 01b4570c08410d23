// A ScaledObject's `spec.triggers` (docs/architecture.md §9): each trigger's type, name, metricType,
// metadata and authenticationRef, with every problem named by its field; names unique per object.
import { isObj, str, type Problem } from './fields.js';
import { authKey } from './trigger-auth.js';
import type { TriggerConfig } from './types.js';

export function validateTriggers(
  raw: unknown,
  problems: Problem[],
  warnings: Problem[],
  namespace: string,
  auths: string[],
  refused: ReadonlyMap<string, string>,
): TriggerConfig[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    problems.push({ field: 'spec.triggers', message: 'must be a non-empty list', code: 'CONFIG_REQUIRED' });
    return [];
  }
  const out: TriggerConfig[] = [];
  const names = new Map<string, number>();
  raw.forEach((t, i) => {
    const f = `spec.triggers[${i}]`;
    if (!isObj(t)) return problems.push({ field: f, message: 'must be a map', code: 'CONFIG_TYPE' });
    const type = str(t, 'type', `${f}.type`, problems, { required: true });
    const explicit = str(t, 'name', `${f}.name`, problems);
    const metricType = str(t, 'metricType', `${f}.metricType`, problems, { def: 'AverageValue' })!;
    // KEDA allows Utilization on cpu/memory only. Those types have no scaler here: the registry check
    // (reconciler/sources/load.ts) refuses them as unknown types, which is the real cause, so it is not masked here.
    if (metricType === 'Utilization') {
      if (type !== 'cpu' && type !== 'memory')
        problems.push({
          field: `${f}.metricType`,
          message: `Utilization is only for cpu/memory triggers, and this trigger's type is '${type ?? '?'}'; use AverageValue or Value`,
          code: 'CONFIG_METRIC_TYPE',
        });
    } else if (metricType !== 'AverageValue' && metricType !== 'Value')
      problems.push({
        field: `${f}.metricType`,
        message: `must be AverageValue or Value, got '${metricType}'`,
        code: 'CONFIG_METRIC_TYPE',
      });
    const metadata: Record<string, string> = {};
    if (!isObj(t.metadata)) problems.push({ field: `${f}.metadata`, message: 'is required (a map of strings)', code: 'CONFIG_REQUIRED' });
    else
      for (const [k, v] of Object.entries(t.metadata)) {
        if (typeof v === 'string') metadata[k] = v;
        else if (typeof v === 'number' || typeof v === 'boolean') {
          metadata[k] = String(v);
          warnings.push({ field: `${f}.metadata.${k}`, message: `KEDA metadata values are strings; write "${v}"` });
        } else problems.push({ field: `${f}.metadata.${k}`, message: 'must be a string', code: 'CONFIG_TYPE' });
      }
    let authenticationRef: TriggerConfig['authenticationRef'];
    if (t.authenticationRef !== undefined) {
      const r = isObj(t.authenticationRef) ? t.authenticationRef : {};
      const rn = str(r, 'name', `${f}.authenticationRef.name`, problems, { required: true });
      const rk = str(r, 'kind', `${f}.authenticationRef.kind`, problems, { def: 'TriggerAuthentication' })!;
      if (rk !== 'TriggerAuthentication' && rk !== 'ClusterTriggerAuthentication')
        problems.push({
          field: `${f}.authenticationRef.kind`,
          message: 'must be TriggerAuthentication or ClusterTriggerAuthentication',
          code: 'CONFIG_KIND',
        });
      else if (rn) {
        const id = authKey(rk, namespace, rn);
        if (!auths.includes(id) && refused.has(id))
          problems.push({
            field: `${f}.authenticationRef.name`,
            message: `${rk} '${rn}' cannot be used: ${refused.get(id)}`,
            code: 'CONFIG_AUTH_REFUSED',
          });
        else if (!auths.includes(id))
          problems.push({
            field: `${f}.authenticationRef.name`,
            message: unknownAuth(rk, rn, namespace, auths),
            code: 'CONFIG_UNKNOWN_AUTH',
          });
        authenticationRef = { name: rn, kind: rk };
      }
    }
    if (explicit !== undefined) {
      if (names.has(explicit))
        problems.push({ field: `${f}.name`, message: `trigger name '${explicit}' is used twice`, code: 'CONFIG_DUPLICATE' });
      names.set(explicit, i);
    }
    if (!type) return;
    out.push({ type, name: explicit ?? '', metadata, metricType: metricType === 'Value' ? 'Value' : 'AverageValue', authenticationRef });
  });
  // KEDA derives a name from the type when none is given; keep derived names unique.
  const unnamed = new Map<string, number>();
  for (const t of out) if (!t.name) unnamed.set(t.type, (unnamed.get(t.type) ?? 0) + 1);
  out.forEach((t, i) => {
    if (t.name) return;
    t.name = names.has(t.type) || (unnamed.get(t.type) ?? 0) > 1 ? `${t.type}-${i}` : t.type;
    names.set(t.name, i);
  });
  return out;
}

/**
 * Why an authenticationRef finds nothing: the namespace looked in (KEDA reads a
 * TriggerAuthentication from the ScaledObject's own), and where one of that name does exist.
 */
function unknownAuth(kind: string, name: string, namespace: string, auths: string[]): string {
  const where =
    "define it in the config's triggerAuthentications:, in the cluster (with watch:), or beside the ScaledObject in a discover: true repository";
  const namespaces = [
    ...new Set(auths.filter((id) => id.startsWith('TriggerAuthentication/') && id.endsWith(`/${name}`)).map((id) => id.split('/')[1])),
  ].sort();
  if (kind === 'ClusterTriggerAuthentication') {
    return `ClusterTriggerAuthentication '${name}' is not defined${namespaces.length ? ` (a TriggerAuthentication of that name exists in namespace ${namespaces.join(', ')}: set authenticationRef.kind to TriggerAuthentication if it is meant)` : ''}; ${where}`;
  }
  const others = namespaces.filter((ns) => ns !== namespace);
  const hints = [
    ...(others.length
      ? [`one of that name exists in namespace ${others.join(', ')}, but KEDA reads it from the ScaledObject's own namespace`]
      : []),
    ...(auths.includes(`ClusterTriggerAuthentication//${name}`)
      ? ['a ClusterTriggerAuthentication of that name exists: set authenticationRef.kind: ClusterTriggerAuthentication to use it']
      : []),
  ];
  return `TriggerAuthentication '${name}' is not defined in namespace '${namespace}'${hints.length ? ` (${hints.join('; ')})` : ''}; ${where}`;
}
