// The HPA's normalisation of a raw recommendation (docs/semantics.md §8, docs/keda-reference.md §7):
// legacy path when no behavior is set, stabilisation + rate policies when it is.
import type { Behavior, ScalingRules } from '../config/types.js';
import type { Recommendation, ScaleEvent } from './types.js';

export const LEGACY_DOWNSCALE_WINDOW_S = 300;

export interface NormalizeInput {
  current: number;
  raw: number;
  min: number;
  max: number;
  now: number;
  behavior?: Behavior;
  recommendations: Recommendation[];
  scaleEvents: ScaleEvent[];
}

export interface Normalized {
  desired: number;
  steps: string[];
  recommendations: Recommendation[];
}

/** Keeps samples still inside `windowS`, then records `raw` (the HPA overwrites one old sample). */
function record(recs: Recommendation[], raw: number, now: number, windowS: number): Recommendation[] {
  const cutoff = now - windowS * 1000;
  return [...recs.filter((r) => r.at >= cutoff), { at: now, replicas: raw }];
}

export function normalize(input: NormalizeInput): Normalized {
  return input.behavior ? withBehavior(input, input.behavior) : legacy(input);
}

function legacy(i: NormalizeInput): Normalized {
  const steps: string[] = [];
  const cutoff = i.now - LEGACY_DOWNSCALE_WINDOW_S * 1000;
  const windowMax = Math.max(i.raw, ...i.recommendations.filter((r) => r.at >= cutoff).map((r) => r.replicas));
  if (windowMax > i.raw) steps.push(`stabilised by scale-down window (max of last ${LEGACY_DOWNSCALE_WINDOW_S} s = ${windowMax})`);
  const upLimit = Math.max(2 * i.current, 4);
  const maxAllowed = Math.min(i.max, upLimit);
  let desired = windowMax;
  if (desired < i.min) {
    desired = i.min;
    steps.push(`raised to minimum ${i.min}`);
  } else if (desired > maxAllowed) {
    desired = maxAllowed;
    steps.push(maxAllowed === i.max ? `capped at maxReplicaCount ${i.max}` : `scale-up limit max(2×${i.current}, 4) = ${upLimit}`);
  }
  return { desired, steps, recommendations: record(i.recommendations, i.raw, i.now, LEGACY_DOWNSCALE_WINDOW_S) };
}

function withBehavior(i: NormalizeInput, b: Behavior): Normalized {
  const steps: string[] = [];
  const upCut = i.now - b.scaleUp.stabilizationWindowSeconds * 1000;
  const downCut = i.now - b.scaleDown.stabilizationWindowSeconds * 1000;
  let upRec = i.raw;
  let downRec = i.raw;
  for (const r of i.recommendations) {
    if (r.at > upCut) upRec = Math.min(upRec, r.replicas);
    if (r.at > downCut) downRec = Math.max(downRec, r.replicas);
  }
  let rec = i.current;
  if (rec < upRec) rec = upRec;
  if (rec > downRec) rec = downRec;
  if (rec !== i.raw) {
    steps.push(
      rec < i.raw
        ? `stabilised by scale-up window (min of last ${b.scaleUp.stabilizationWindowSeconds} s = ${rec})`
        : `stabilised by scale-down window (max of last ${b.scaleDown.stabilizationWindowSeconds} s = ${rec})`,
    );
  }
  const longest = Math.max(b.scaleUp.stabilizationWindowSeconds, b.scaleDown.stabilizationWindowSeconds);
  const recommendations = record(i.recommendations, i.raw, i.now, longest);

  let desired = rec;
  if (rec > i.current) {
    const limit = Math.max(scaleLimit('up', i.current, i.scaleEvents, b.scaleUp, i.now), i.current);
    const maxAllowed = Math.min(i.max, limit);
    if (rec > maxAllowed) {
      desired = maxAllowed;
      steps.push(
        maxAllowed === i.max && limit >= i.max
          ? `capped at maxReplicaCount ${i.max}`
          : `scale-up policies (${b.scaleUp.selectPolicy}) allow ${limit}`,
      );
    }
  } else if (rec < i.current) {
    const limit = Math.min(scaleLimit('down', i.current, i.scaleEvents, b.scaleDown, i.now), i.current);
    const minAllowed = Math.max(i.min, limit);
    if (rec < minAllowed) {
      desired = minAllowed;
      steps.push(
        minAllowed === i.min && limit <= i.min
          ? `raised to minimum ${i.min}`
          : `scale-down policies (${b.scaleDown.selectPolicy}) allow ${limit}`,
      );
    }
  }
  return { desired, steps, recommendations };
}

/** Replicas added (`up`) or removed (`down`) by the events inside the last `periodS` seconds. */
function changeInPeriod(events: ScaleEvent[], dir: 'up' | 'down', periodS: number, now: number): number {
  const cutoff = now - periodS * 1000;
  let n = 0;
  for (const e of events) {
    if (e.at <= cutoff) continue;
    if (dir === 'up' && e.change > 0) n += e.change;
    if (dir === 'down' && e.change < 0) n -= e.change;
  }
  return n;
}

/** The HPA's calculateScaleUpLimitWithScalingRules / calculateScaleDownLimitWithBehaviors. */
export function scaleLimit(dir: 'up' | 'down', current: number, events: ScaleEvent[], rules: ScalingRules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const wantLargest = (dir === 'up') === (rules.selectPolicy === 'Max');
  let result = wantLargest ? -Infinity : Infinity;
  for (const p of rules.policies) {
    const start = current - changeInPeriod(events, 'up', p.periodSeconds, now) + changeInPeriod(events, 'down', p.periodSeconds, now);
    let proposed: number;
    if (dir === 'up') proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    else proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = wantLargest ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return Number.isFinite(result) ? result : current;
}

/** Records a rescale for the rate policies; drops events older than the longest policy period. */
export function recordScaleEvent(events: ScaleEvent[], from: number, to: number, now: number, behavior?: Behavior): ScaleEvent[] {
  if (!behavior || from === to) return events;
  const longest = Math.max(
    0,
    ...behavior.scaleUp.policies.map((p) => p.periodSeconds),
    ...behavior.scaleDown.policies.map((p) => p.periodSeconds),
  );
  const cutoff = now - longest * 1000;
  return [...events.filter((e) => e.at > cutoff), { at: now, change: to - from }];
}
