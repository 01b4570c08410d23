// Turns a decision into the words and trailers a commit and the logs carry.
import type { Decision, TriggerOutcome } from '../engine/types.js';
import type { CommitEntry } from '../git/types.js';
import { describeValue } from '../scalers/index.js';
import type { ObjectConfig } from '../config/types.js';
import type { TriggerReport } from './types.js';

function fmt(n: number | null): string {
  return n === null ? 'null' : String(Number(n.toFixed(3)));
}

/** The trigger that decided: the one asking for the most replicas, else the first active one. */
function dominant(triggers: TriggerOutcome[]): TriggerOutcome | undefined {
  const computed = triggers.filter((t) => t.replicas !== null);
  if (computed.length) return computed.reduce((a, b) => ((b.replicas ?? 0) > (a.replicas ?? 0) ? b : a));
  return triggers.find((t) => t.active) ?? triggers.find((t) => t.value !== null);
}

export function summary(obj: ObjectConfig, d: Decision): string {
  if (d.desired === 0 || (obj.spec.idleReplicaCount !== undefined && d.desired === obj.spec.idleReplicaCount && !d.active)) {
    return `no activity for cooldownPeriod ${obj.spec.cooldownPeriod} s`;
  }
  const t = dominant(d.triggers);
  if (!t || t.value === null) return d.reason;
  return `${t.name}: ${describeValue(t.unit, t.value, t.target)}`;
}

export function triggerReports(d: Decision): TriggerReport[] {
  return d.triggers.map((t) => ({ type: t.type, name: t.name, value: t.value, target: t.target, active: t.active, error: t.error }));
}

export function commitEntry(obj: ObjectConfig, d: Decision, field: string): CommitEntry {
  return {
    object: obj.key,
    file: obj.path,
    field,
    from: d.current,
    to: d.desired,
    summary: summary(obj, d),
    reason: d.reason,
    trailers: d.triggers.map((t) => ['Gitscale-Trigger', `${t.name}${t.name !== t.type ? ` type=${t.type}` : ''} value=${fmt(t.value)} target=${fmt(t.target)} active=${t.active}${t.error ? ' error' : ''}`]),
  };
}
