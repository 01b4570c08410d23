// Turns a decision into the words and trailers a commit and the logs carry.
import type { Decision, TriggerOutcome } from '../../engine/types.js';
import type { CommitEntry } from '../../git/types.js';
import { describeValue } from '../../scalers/index.js';
import type { ObjectConfig } from '../../config/types.js';
import type { TriggerReport } from '../types.js';

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
  if (obj.spec.pause?.replicas !== undefined) return `autoscaling.keda.sh/paused-replicas: ${obj.spec.pause.replicas}`;
  if (d.desired === 0 || (obj.spec.idleReplicaCount !== undefined && d.desired === obj.spec.idleReplicaCount && !d.active)) {
    return `no activity for cooldownPeriod ${obj.spec.cooldownPeriod} s`;
  }
  if (d.composite && obj.spec.modifiers)
    return `scalingModifiers ${obj.spec.modifiers.formula}: ${describeValue('', d.composite.value, d.composite.target)}`;
  const t = dominant(d.triggers);
  if (!t || t.value === null) return d.reason;
  return `${t.name}: ${describeValue(t.unit, t.value, t.target)}`;
}

export function triggerReports(d: Decision): TriggerReport[] {
  return d.triggers.map((t) => ({
    type: t.type,
    name: t.name,
    value: t.value,
    target: t.target,
    active: t.active,
    error: t.error,
    fallback: t.fallback,
    failures: d.state.failures[t.name] ?? 0,
  }));
}

export function commitEntry(obj: ObjectConfig, d: Decision, file: string, field: string): CommitEntry {
  return {
    object: obj.key,
    file,
    field,
    from: d.current,
    to: d.desired,
    summary: summary(obj, d),
    reason: d.reason,
    trailers: [
      ...d.triggers.map((t): [string, string] => [
        'Gitscale-Trigger',
        `${t.name}${t.name !== t.type ? ` type=${t.type}` : ''} value=${fmt(t.value)} target=${fmt(t.target)} active=${t.active}${t.fallback ? ' fallback' : ''}${t.error ? ' error' : ''}`,
      ]),
      ...(d.composite && obj.spec.modifiers
        ? [
            ['Gitscale-Composite', `${obj.spec.modifiers.formula} value=${fmt(d.composite.value)} target=${fmt(d.composite.target)}`] as [
              string,
              string,
            ],
          ]
        : []),
    ],
  };
}
