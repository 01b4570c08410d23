// The `cluster:` block: how gitscale behaves when it can reach a Kubernetes API server (which one
// comes from --kubeconfig / --context, KUBECONFIG or the in-cluster service account, never from
// here). Every knob has the default the issue names; the block may be absent.
import { int, isObj, str, type Problem } from './fields.js';
import type { ClusterSettings, WatchSettings } from './types.js';

const KEYS = ['directPatch', 'nudge', 'syncWaitSeconds', 'driftAfterSeconds', 'leaderElection', 'shards'];
const LEASE_KEYS = ['enabled', 'name', 'namespace', 'leaseDurationSeconds', 'renewDeadlineSeconds', 'retryPeriodSeconds'];

export const CLUSTER_DEFAULTS: ClusterSettings = {
  directPatch: true,
  nudge: true,
  syncWaitSeconds: 10,
  driftAfterSeconds: 300,
  leaderElection: { enabled: true, name: 'gitscale', leaseDurationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2 },
  shards: 1,
};

function bool(o: Record<string, unknown>, key: string, field: string, problems: Problem[], def: boolean): boolean {
  const v = o[key];
  if (v === undefined || v === null) return def;
  if (typeof v !== 'boolean') {
    problems.push({ field, message: `must be true or false, got ${JSON.stringify(v)}`, code: 'CONFIG_TYPE' });
    return def;
  }
  return v;
}

export function validateCluster(raw: unknown, problems: Problem[], warnings: Problem[]): ClusterSettings {
  if (raw === undefined || raw === null) return CLUSTER_DEFAULTS;
  if (!isObj(raw)) {
    problems.push({ field: 'cluster', message: 'must be a map', code: 'CONFIG_TYPE' });
    return CLUSTER_DEFAULTS;
  }
  for (const k of Object.keys(raw))
    if (!KEYS.includes(k)) warnings.push({ field: `cluster.${k}`, message: `unknown key (ignored; known: ${KEYS.join(', ')})` });
  const d = CLUSTER_DEFAULTS;
  const le =
    raw.leaderElection === undefined || raw.leaderElection === null
      ? {}
      : isObj(raw.leaderElection)
        ? raw.leaderElection
        : (problems.push({ field: 'cluster.leaderElection', message: 'must be a map', code: 'CONFIG_TYPE' }), {});
  for (const k of Object.keys(le))
    if (!LEASE_KEYS.includes(k))
      warnings.push({ field: `cluster.leaderElection.${k}`, message: `unknown key (ignored; known: ${LEASE_KEYS.join(', ')})` });
  const f = 'cluster.leaderElection';
  const leaderElection = {
    enabled: bool(le, 'enabled', `${f}.enabled`, problems, d.leaderElection.enabled),
    name: str(le, 'name', `${f}.name`, problems, { def: d.leaderElection.name })!,
    namespace: str(le, 'namespace', `${f}.namespace`, problems),
    leaseDurationSeconds: int(le, 'leaseDurationSeconds', `${f}.leaseDurationSeconds`, problems, d.leaderElection.leaseDurationSeconds, 1)!,
    renewDeadlineSeconds: int(le, 'renewDeadlineSeconds', `${f}.renewDeadlineSeconds`, problems, d.leaderElection.renewDeadlineSeconds, 1)!,
    retryPeriodSeconds: int(le, 'retryPeriodSeconds', `${f}.retryPeriodSeconds`, problems, d.leaderElection.retryPeriodSeconds, 1)!,
  };
  // client-go's own checks: the holder must stop before its lease runs out, and retry within the renewal.
  if (leaderElection.renewDeadlineSeconds >= leaderElection.leaseDurationSeconds) {
    problems.push({
      field: `${f}.renewDeadlineSeconds`,
      message: `must be < leaseDurationSeconds (${leaderElection.leaseDurationSeconds}), got ${leaderElection.renewDeadlineSeconds}`,
      code: 'CONFIG_RANGE',
    });
  }
  if (leaderElection.retryPeriodSeconds >= leaderElection.renewDeadlineSeconds) {
    problems.push({
      field: `${f}.retryPeriodSeconds`,
      message: `must be < renewDeadlineSeconds (${leaderElection.renewDeadlineSeconds}), got ${leaderElection.retryPeriodSeconds}`,
      code: 'CONFIG_RANGE',
    });
  }
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(leaderElection.name) || leaderElection.name.length > 240) {
    problems.push({
      field: `${f}.name`,
      message: `'${leaderElection.name}' must be a lowercase DNS name (a Lease name; shards add -<n>)`,
      code: 'CONFIG_NAME',
    });
  }
  return {
    directPatch: bool(raw, 'directPatch', 'cluster.directPatch', problems, d.directPatch),
    nudge: bool(raw, 'nudge', 'cluster.nudge', problems, d.nudge),
    syncWaitSeconds: int(raw, 'syncWaitSeconds', 'cluster.syncWaitSeconds', problems, d.syncWaitSeconds, 0)!,
    driftAfterSeconds: int(raw, 'driftAfterSeconds', 'cluster.driftAfterSeconds', problems, d.driftAfterSeconds, 0)!,
    leaderElection,
    shards: int(raw, 'shards', 'cluster.shards', problems, d.shards, 1)!,
  };
}

/**
 * `watch:` — ScaledObjects from the cluster: `gitscale.dev` ones in `namespaces` (`["*"]`: all),
 * and `keda.sh` ones carrying gitscale.dev/repository when `kedaObjects` (a cluster without a KEDA
 * operator). Absent: the config file is the only source.
 */
export function validateWatch(raw: unknown, problems: Problem[], warnings: Problem[]): WatchSettings | null {
  if (raw === undefined || raw === null) return null;
  if (!isObj(raw)) {
    problems.push({ field: 'watch', message: 'must be a map: { namespaces: ["*"] | [names], kedaObjects: false }', code: 'CONFIG_TYPE' });
    return null;
  }
  for (const k of Object.keys(raw))
    if (k !== 'namespaces' && k !== 'kedaObjects')
      warnings.push({ field: `watch.${k}`, message: 'unknown key (ignored; known: namespaces, kedaObjects)' });
  const ns = raw.namespaces ?? ['*'];
  const namespaces =
    Array.isArray(ns) && ns.every((n) => typeof n === 'string' && (n === '*' || /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(n)))
      ? [...new Set(ns as string[])]
      : null;
  if (!namespaces || namespaces.length === 0) {
    problems.push({
      field: 'watch.namespaces',
      message: `must be a list of namespace names, or ["*"] for all, got ${JSON.stringify(ns)}`,
      code: 'CONFIG_INVALID',
    });
    return null;
  }
  return {
    namespaces: namespaces.includes('*') ? ['*'] : namespaces,
    kedaObjects: bool(raw, 'kedaObjects', 'watch.kedaObjects', problems, false),
  };
}
