// From raw samples to what the KEDA poll and the HPA sync act on: fallback per trigger
// (docs/semantics.md §9), the scalingModifiers composite metric (§10), activity and errors (§3).
import type { Fallback, ScaleSpec } from '../config/types.js';
import { evaluate, FormulaEvalError, type Value } from './formula.js';
import { toMilli } from './metric.js';
import type { DecideInput, TriggerOutcome } from './types.js';

/** One metric the HPA step turns into a replica proposal. */
export interface Metric {
  /** Index into the outcomes, or -1 for the composite metric. */
  index: number;
  name: string;
  value: number;
  target: number;
  metricType: 'AverageValue' | 'Value';
}

export interface Observed {
  outcomes: TriggerOutcome[];
  metrics: Metric[];
  isActive: boolean;
  /** Some trigger errored (and is not covered by fallback), or the composite could not be computed. */
  isError: boolean;
  /** How many of the HPA's inputs failed (for the "never scale down on partial data" rule). */
  failedMetrics: number;
  failures: Record<string, number>;
  notes: string[];
}

function fallbackReplicas(fb: Fallback, current: number): number {
  switch (fb.behavior) {
    case 'currentReplicas':
      return current;
    case 'currentReplicasIfHigher':
      return Math.max(current, fb.replicas);
    case 'currentReplicasIfLower':
      return Math.min(current, fb.replicas);
    default:
      return fb.replicas;
  }
}

/** KEDA's fallback metric: target × R (AverageValue) or target × R / ready (Value); null when it cannot be made. */
function fallbackValue(target: number, metricType: 'AverageValue' | 'Value', r: number, ready: number): number | null {
  if (metricType === 'AverageValue') return target * r;
  return ready > 0 ? (target * r) / ready : null;
}

export function observe(input: DecideInput, prevFailures: Record<string, number>): Observed {
  const { spec, current } = input;
  const ready = input.readyReplicas ?? current;
  const fb = spec.fallback;
  const mods = spec.modifiers;
  const failures: Record<string, number> = {};
  const notes: string[] = [];
  const outcomes: TriggerOutcome[] = input.triggers.map((t) => {
    const base = {
      name: t.name,
      type: t.type,
      target: t.target,
      activationTarget: t.activationTarget,
      metricType: t.metricType,
      unit: t.unit,
      replicas: null,
      fallback: false,
    };
    if (t.sample.ok) {
      failures[t.name] = 0;
      return { ...base, value: t.sample.value, active: t.sample.active, error: null };
    }
    const n = (prevFailures[t.name] ?? 0) + 1;
    failures[t.name] = n;
    const failed = { ...base, value: null, active: false, error: t.sample.error };
    if (!fb || n <= fb.failureThreshold) return failed;
    if (fb.behavior === 'scalingModifiers' && mods) return { ...failed, fallback: true, error: null, active: true };
    const r = fallbackReplicas(fb, current);
    const target = mods ? mods.target : t.target;
    const metricType = mods ? mods.metricType : t.metricType;
    const v = fallbackValue(target, metricType, r, ready);
    if (v === null) {
      notes.push(`${t.name}: fallback failed: no ready pods for a Value metric`);
      return { ...failed, error: `${t.sample.error}; fallback failed: no ready pods for a Value metric` };
    }
    notes.push(`${t.name} failed ${n} times (> failureThreshold ${fb.failureThreshold}): fallback to ${r} replicas`);
    return { ...base, value: v, active: true, error: null, fallback: true };
  });
  const errored = outcomes.filter((o) => o.error !== null).length;
  const force = spec.pause?.forceActivation === true;

  if (!mods) {
    return {
      outcomes,
      failures,
      notes,
      failedMetrics: errored,
      isActive: outcomes.some((o) => o.active) || force,
      isError: errored > 0,
      metrics: outcomes.flatMap((o, index) =>
        o.value === null ? [] : [{ index, name: o.name, value: o.value, target: o.target, metricType: o.metricType }],
      ),
    };
  }
  return composite(outcomes, mods, fb, errored, force, failures, notes);
}

function composite(
  outcomes: TriggerOutcome[],
  mods: NonNullable<ScaleSpec['modifiers']>,
  fb: Fallback | undefined,
  errored: number,
  force: boolean,
  failures: Record<string, number>,
  notes: string[],
): Observed {
  const fail = (why: string): Observed => {
    notes.push(`composite metric not computed: ${why}`);
    return { outcomes, failures, notes, metrics: [], isActive: force, isError: true, failedMetrics: 1 };
  };
  const modifierFallback = fb?.behavior === 'scalingModifiers';
  const inFallback = outcomes.filter((o) => o.fallback);
  let value: number;
  if (errored > 0) return fail(`${errored} trigger(s) failed`);
  if (inFallback.length > 0 && !modifierFallback) {
    // KEDA: an active fallback bypasses the formula; the composite is the first fallback metric.
    value = inFallback[0].value!;
    notes.push(`fallback bypasses the formula: composite = ${inFallback[0].name}'s fallback metric`);
  } else {
    const vars: Record<string, Value> = Object.create(null);
    // KEDA feeds the formula the metric values as the HPA sees them (NaN, ±Inf, negative → 0; 3 decimals).
    for (const o of outcomes) vars[o.name] = o.fallback || o.value === null ? null : toMilli(o.value) / 1000;
    let out: Value;
    try {
      out = evaluate(mods.expr, vars);
    } catch (e) {
      if (!(e instanceof FormulaEvalError)) throw e;
      return fail(`formula: ${e.message}`);
    }
    if (out === null && modifierFallback && inFallback.length > 0) {
      value = fb.replicas * mods.target;
      notes.push(`formula gave nil with triggers in fallback: composite = fallback.replicas × target = ${value}`);
    } else if (typeof out !== 'number') return fail(`formula gave ${out === null ? 'nil' : typeof out}, not a number`);
    else value = out;
    notes.push(`composite ${mods.formula} = ${Number(value.toFixed(3))}`);
  }
  const compositeActive = value > mods.activationTarget;
  return {
    outcomes,
    failures,
    notes,
    failedMetrics: 0,
    isError: false,
    isActive: compositeActive || force,
    metrics: [{ index: -1, name: 'composite', value, target: mods.target, metricType: mods.metricType }],
  };
}
