// docs/semantics.md §9 (KEDA pkg/fallback/fallback.go; docs/keda-reference.md §10), as named cases.
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/engine/decide.js';
import type { ScaleSpec } from '../../src/config/types.js';
import type { EngineState } from '../../src/engine/types.js';
import { check, type Case, s, spec, state, trig } from './support.js';

const fb = (failureThreshold: number, replicas: number, behavior: NonNullable<ScaleSpec['fallback']>['behavior'] = 'static') => ({
  fallback: { failureThreshold, replicas, behavior },
});

const cases: Case[] = [
  {
    name: 'below the threshold: a failure is counted, no fallback yet (failures ≤ failureThreshold)',
    spec: fb(3, 6),
    triggers: [trig(null)],
    current: 2,
    state: state({ failures: { q: 2 } }),
    want: 2,
    failures: { q: 3 },
    reason: /all 1 trigger\(s\) failed/,
  },
  {
    name: 'strictly greater: the 4th failure with threshold 3 falls back (numberOfFailures > failureThreshold)',
    spec: fb(3, 6),
    triggers: [trig(null)],
    current: 2,
    state: state({ failures: { q: 3 } }),
    want: 4,
    failures: { q: 4 },
    reason: /q failed 4 times \(> failureThreshold 3\): fallback to 6 replicas/,
  },
  {
    name: 'static fallback reaches fallback.replicas over ticks (metric target × R ⇒ HPA ceil(T×R/T) = R)',
    spec: fb(0, 6),
    triggers: [trig(null)],
    current: 4,
    state: state(),
    want: 6,
  },
  {
    name: 'fallback with threshold 0 fires on the first failure',
    spec: fb(0, 3),
    triggers: [trig(null)],
    current: 1,
    state: state(),
    want: 3,
    failures: { q: 1 },
  },
  {
    name: 'a success resets the failure count (status.health back to Happy)',
    spec: fb(3, 6),
    triggers: [trig(10)],
    current: 2,
    state: state({ failures: { q: 7 } }),
    want: 2,
    failures: { q: 0 },
  },
  {
    name: 'a trigger in fallback counts as active: scales from zero (issue #7411 addressed)',
    spec: fb(0, 5),
    triggers: [trig(null)],
    current: 0,
    want: 4,
    active: true,
  },
  {
    name: 'a trigger in fallback is healthy: after the cooldown it does not scale to zero',
    spec: fb(0, 2),
    triggers: [trig(null)],
    current: 2,
    now: s(1000),
    state: state({ lastActiveTime: s(0) }),
    want: 2,
    active: true,
  },
  {
    name: 'currentReplicas keeps the current count',
    spec: fb(0, 9, 'currentReplicas'),
    triggers: [trig(null)],
    current: 5,
    state: state(),
    want: 5,
  },
  {
    name: 'currentReplicasIfHigher: max(current, fallback.replicas) with current higher',
    spec: fb(0, 3, 'currentReplicasIfHigher'),
    triggers: [trig(null)],
    current: 7,
    state: state({ recommendations: [{ at: s(0), replicas: 7 }] }),
    want: 7,
  },
  {
    name: 'currentReplicasIfHigher: max(current, fallback.replicas) with fallback higher',
    spec: fb(0, 8, 'currentReplicasIfHigher'),
    triggers: [trig(null)],
    current: 5,
    state: state(),
    want: 8,
  },
  {
    name: 'currentReplicasIfLower: min(current, fallback.replicas)',
    spec: fb(0, 2, 'currentReplicasIfLower'),
    triggers: [trig(null)],
    current: 5,
    now: s(400),
    state: state({ lastActiveTime: s(399) }),
    want: 2,
  },
  {
    name: 'Value metric fallback: target × R / ready ⇒ ceil(R / ready × ready) = R',
    spec: fb(0, 6),
    triggers: [trig(null, { metricType: 'Value' })],
    current: 4,
    ready: 4,
    state: state(),
    want: 6,
  },
  {
    name: 'Value metric fallback with 0 ready pods fails (KEDA: fallback errors)',
    spec: fb(0, 6),
    triggers: [trig(null, { metricType: 'Value' })],
    current: 3,
    ready: 0,
    state: state(),
    want: 3,
    reason: /fallback failed: no ready pods/,
  },
  {
    name: 'fallback on one trigger, the other healthy: max of both (fallback metric is a normal metric)',
    spec: fb(0, 2),
    triggers: [trig(null, { name: 'a' }), trig(40, { name: 'b' })],
    current: 4,
    state: state(),
    want: 8,
  },
  {
    name: 'no fallback configured: failures are counted but nothing changes',
    spec: {},
    triggers: [trig(null)],
    current: 3,
    state: state({ failures: { q: 50 } }),
    want: 3,
    failures: { q: 51 },
  },
  {
    name: 'fallback below threshold while another trigger is healthy: never scale down on partial data',
    spec: fb(5, 1),
    triggers: [trig(null, { name: 'a' }), trig(0, { name: 'b' })],
    current: 4,
    state: state(),
    want: 4,
  },
];

describe('fallback (semantics §9)', () => {
  it.each(cases)('$name', check);

  it('counts failures across ticks and falls back on the tick after the threshold', () => {
    let st: EngineState | undefined = state();
    const seen: number[] = [];
    let current = 2;
    for (let i = 0; i < 4; i++) {
      const d = decide({ spec: spec(fb(2, 5)), triggers: [trig(null)], current, now: s(i * 30), state: st });
      st = d.state;
      current = d.desired;
      seen.push(current);
    }
    expect(seen).toEqual([2, 2, 4, 5]);
  });
});
