// docs/semantics.md §10 (KEDA scalingModifiers; docs/keda-reference.md §2, §8, §10, §11), as named cases.
import { describe, it } from 'vitest';
import { check, type Case, modifiers, s, state, trig } from './support.js';

const two = (a: number | null, b: number | null) => [trig(a, { name: 'a' }), trig(b, { name: 'b' })];

const cases: Case[] = [
  { name: 'the composite replaces the per-trigger metrics: ceil((a + b) / target)', spec: { modifiers: modifiers('a + b', 10) }, triggers: two(15, 25), current: 2, state: state(), want: 4, reason: /composite a \+ b = 40; ceil\(40 \/ 10\) = 4/ },
  { name: 'average of two triggers (KEDA docs: "(trig_one + trig_two) / 2")', spec: { modifiers: modifiers('(a + b) / 2', 5) }, triggers: two(10, 30), current: 4, state: state(), want: 4 },
  { name: 'conditional formula (KEDA docs: "trig_one > 2 ? trig_one + trig_two : 1")', spec: { modifiers: modifiers('a > 2 ? a + b : 1', 1) }, triggers: two(1, 40), current: 1, state: state(), want: 1 },
  { name: 'activity = composite > activationTarget, not the triggers\' own activity', spec: { modifiers: modifiers('a - b', 5, { activationTarget: 3 }) }, triggers: two(10, 8), current: 0, want: 0, active: false },
  { name: 'composite above activationTarget scales from zero', spec: { modifiers: modifiers('a - b', 5, { activationTarget: 3 }) }, triggers: two(10, 2), current: 0, want: 2, active: true },
  { name: 'any trigger error: activity false and no composite (no change, never to zero)', spec: { modifiers: modifiers('a + b', 5) }, triggers: two(100, null), current: 3, now: s(1000), state: state({ lastActiveTime: s(0) }), want: 3, active: false, reason: /composite metric not computed: 1 trigger\(s\) failed/ },
  { name: 'composite Value metric: ceil(v / target × ready)', spec: { modifiers: modifiers('a', 10, { metricType: 'Value' }) }, triggers: [trig(30, { name: 'a' })], current: 2, state: state(), want: 4 },
  { name: 'formula giving a boolean is an error, no change', spec: { modifiers: modifiers('a > b', 1) }, triggers: two(3, 1), current: 2, state: state(), want: 2, reason: /formula gave boolean, not a number/ },
  { name: 'formula runtime error (nil arithmetic) is an error, no change', spec: { modifiers: modifiers('a % 0', 1) }, triggers: two(3, 1), current: 2, state: state(), want: 2, reason: /formula: % by zero/ },
  { name: 'fallback (static) bypasses the formula: composite = the fallback metric = target × R', spec: { modifiers: modifiers('a * 100', 10), fallback: { failureThreshold: 0, replicas: 3, behavior: 'static' } }, triggers: two(5, null), current: 1, state: state(), want: 3, reason: /fallback bypasses the formula/ },
  { name: 'fallback behavior scalingModifiers: the failing trigger is nil, `??` supplies a default', spec: { modifiers: modifiers('a + (b ?? 20)', 10), fallback: { failureThreshold: 0, replicas: 9, behavior: 'scalingModifiers' } }, triggers: two(10, null), current: 2, state: state(), want: 3 },
  { name: 'fallback behavior scalingModifiers: a nil result becomes fallback.replicas × target', spec: { modifiers: modifiers('b', 10), fallback: { failureThreshold: 0, replicas: 4, behavior: 'scalingModifiers' } }, triggers: two(10, null), current: 2, state: state(), want: 4, reason: /fallback.replicas × target = 40/ },
  { name: 'fallback behavior scalingModifiers below the threshold: still an error, no change', spec: { modifiers: modifiers('a + (b ?? 0)', 10), fallback: { failureThreshold: 2, replicas: 4, behavior: 'scalingModifiers' } }, triggers: two(100, null), current: 2, state: state(), want: 2 },
  { name: 'the formula sees values as the HPA does: NaN and negatives are 0 (KEDA AsApproximateFloat64 of the metric)', spec: { modifiers: modifiers('a + b', 5) }, triggers: [trig(NaN, { name: 'a', sample: { ok: true, value: NaN, active: true } }), trig(30, { name: 'b' })], current: 3, now: s(1000), state: state({ lastActiveTime: s(0) }), want: 6, active: true },
  { name: 'a negative input is 0 in the formula', spec: { modifiers: modifiers('a + b', 5) }, triggers: [trig(-20, { name: 'a', sample: { ok: true, value: -20, active: false } }), trig(30, { name: 'b' })], current: 3, state: state(), want: 6 },
  { name: 'composite with min/max clamps before the HPA', spec: { modifiers: modifiers('min(a, 20) + max(b, 0)', 5) }, triggers: two(500, -10), current: 3, state: state(), want: 4 },
];

describe('scalingModifiers (semantics §10)', () => {
  it.each(cases)('$name', check);
});
