// Named cases for docs/semantics.md §3–§8, §11 and §12, each citing the KEDA/HPA behaviour it reproduces.
import { describe, expect, it } from 'vitest';
import { bootstrapState, decide } from '../../src/engine/decide.js';
import type { ScaleSpec } from '../../src/config/types.js';
import { check, s, spec, state, T0, trig, type Case } from './support.js';

const cases: Case[] = [
  {
    name: 'AverageValue: ceil(20/5)=4 from zero in one tick (KEDA 0→1, then HPA; docs "20 messages, threshold 5 ⇒ 4")',
    triggers: [trig(20)],
    current: 0,
    want: 4,
    reason: /scale from 0 to 1; ceil\(20 \/ 5\) = 4/,
  },
  {
    name: 'AverageValue: ceil(21/5)=5 regardless of current (replica_calculator GetExternalPerPodMetricReplicas)',
    triggers: [trig(21)],
    current: 3,
    state: state(),
    want: 5,
  },
  {
    name: 'tolerance: 21/(5×4)=1.05 within 0.1 keeps 4 (HPA tolerance on statusReplicas)',
    triggers: [trig(21)],
    current: 4,
    state: state(),
    want: 4,
    reason: /within tolerance/,
  },
  { name: 'tolerance edge: 22/(5×4)=1.1 is within (inclusive bounds)', triggers: [trig(22)], current: 4, state: state(), want: 4 },
  { name: 'tolerance edge: 23/(5×4)=1.15 is outside → ceil(23/5)=5', triggers: [trig(23)], current: 4, state: state(), want: 5 },
  {
    name: 'activation is strict: value == activation is inactive, stays at 0 (scaledobject docs)',
    triggers: [trig(3, { activationTarget: 3, sample: { ok: true, value: 3, active: false } })],
    current: 0,
    want: 0,
  },
  {
    name: 'activation wins over target: 40 msgs, target 10, activation 50 → inactive at 0 (KEDA docs)',
    triggers: [trig(40, { target: 10, activationTarget: 50, sample: { ok: true, value: 40, active: false } })],
    current: 0,
    want: 0,
  },
  { name: 'inactive at 0 with min 0 stays 0 (HPA inert at 0: ScalingDisabled)', triggers: [trig(0)], current: 0, want: 0 },
  {
    name: 'scale from zero honours minReplicaCount: active → max(min,1) then HPA',
    spec: { minReplicaCount: 3 },
    triggers: [trig(1)],
    current: 0,
    want: 3,
  },
  {
    name: 'legacy up-limit: 100 msgs from 1 limited to max(2×1,4)=4 (scaleUpLimitFactor 2, minimum 4)',
    triggers: [trig(100)],
    current: 1,
    state: state(),
    want: 4,
    reason: /scale-up limit max\(2×1, 4\) = 4/,
  },
  { name: 'legacy up-limit: 100 msgs from 6 limited to 12', triggers: [trig(100)], current: 6, state: state(), want: 12 },
  {
    name: 'maxReplicaCount caps the proposal',
    spec: { maxReplicaCount: 7 },
    triggers: [trig(100)],
    current: 6,
    state: state(),
    want: 7,
    reason: /capped at maxReplicaCount 7/,
  },
  {
    name: 'legacy scale-down window: max of recommendations in the last 300 s (downscale-stabilization 5m)',
    triggers: [trig(5)],
    current: 6,
    now: s(200),
    state: state({ recommendations: [{ at: s(0), replicas: 6 }] }),
    want: 6,
    reason: /stabilised by scale-down window/,
  },
  {
    name: 'legacy scale-down window: a recommendation older than 300 s no longer holds',
    triggers: [trig(5)],
    current: 6,
    now: s(301),
    state: state({ lastActiveTime: s(300), recommendations: [{ at: s(0), replicas: 6 }] }),
    want: 1,
  },
  {
    name: 'several triggers: the maximum wins (computeReplicasForMetrics)',
    triggers: [trig(10, { name: 'a' }), trig(30, { name: 'b' })],
    current: 3,
    state: state(),
    want: 6,
    reason: /a: ceil\(10 \/ 5\) = 2, b: ceil\(30 \/ 5\) = 6; max = 6/,
  },
  {
    name: 'all triggers failed: no change (ScalingActive=False)',
    triggers: [trig(null)],
    current: 5,
    state: state(),
    want: 5,
    reason: /all 1 trigger\(s\) failed/,
  },
  {
    name: 'partial failure never scales down (invalidMetricsCount > 0 && replicas < specReplicas)',
    triggers: [trig(null, { name: 'a' }), trig(5, { name: 'b' })],
    current: 4,
    state: state(),
    want: 4,
    reason: /never scale down on partial data/,
  },
  {
    name: 'partial failure may scale up',
    triggers: [trig(null, { name: 'a' }), trig(30, { name: 'b' })],
    current: 4,
    state: state(),
    want: 6,
  },
  {
    name: 'an error never scales to zero, even after the cooldown (RequestScale: !active && isError)',
    triggers: [trig(null, { name: 'a' }), trig(0, { name: 'b' })],
    current: 2,
    now: s(1000),
    state: state({ lastActiveTime: s(0) }),
    want: 2,
  },
  {
    name: 'scale to zero after cooldownPeriod since lastActiveTime (scaleToZeroOrIdle)',
    triggers: [trig(0)],
    current: 4,
    now: s(301),
    state: state({ lastActiveTime: s(0) }),
    want: 0,
    reason: /cooldownPeriod 300 s elapsed/,
  },
  {
    name: 'no scale to zero before the cooldown has passed (strict Before)',
    triggers: [trig(0)],
    current: 4,
    now: s(300),
    state: state({ lastActiveTime: s(0), recommendations: [{ at: s(290), replicas: 4 }] }),
    want: 4,
    reason: /cooldownPeriod 300 s/,
  },
  {
    name: 'scale to zero jumps straight from N (not via HPA policies; issues #7770, #7204)',
    triggers: [trig(0)],
    current: 40,
    now: s(400),
    state: state({ lastActiveTime: s(0), recommendations: [{ at: s(390), replicas: 40 }] }),
    want: 0,
  },
  {
    name: 'never active: initialCooldownPeriod gates the scale to zero',
    spec: { initialCooldownPeriod: 60 },
    triggers: [trig(0)],
    current: 3,
    now: s(30),
    state: state({ recommendations: [{ at: T0, replicas: 3 }] }),
    want: 3,
    reason: /never active; initialCooldownPeriod 60 s/,
  },
  {
    name: 'never active: after initialCooldownPeriod it scales to zero',
    spec: { initialCooldownPeriod: 60 },
    triggers: [trig(0)],
    current: 3,
    now: s(61),
    state: state(),
    want: 0,
  },
  {
    name: 'min ≥ 1: inactive never goes below min (HPA floor)',
    spec: { minReplicaCount: 2 },
    triggers: [trig(0)],
    current: 5,
    now: s(1000),
    state: state({ lastActiveTime: s(0) }),
    want: 2,
  },
  {
    name: 'below minReplicaCount is raised to min (RequestScale: current < min)',
    spec: { minReplicaCount: 2 },
    triggers: [trig(0)],
    current: 1,
    state: state(),
    want: 2,
  },
  {
    name: 'idleReplicaCount 0: inactive after cooldown goes to idle',
    spec: { minReplicaCount: 2, idleReplicaCount: 0 },
    triggers: [trig(0)],
    current: 3,
    now: s(400),
    state: state({ lastActiveTime: s(0) }),
    want: 0,
  },
  {
    name: 'idleReplicaCount 0: active from idle goes to min then HPA',
    spec: { minReplicaCount: 2, idleReplicaCount: 0 },
    triggers: [trig(1)],
    current: 0,
    want: 2,
  },
  {
    name: 'Value metric: ceil(8/5 × 3 ready) = 5 (GetExternalMetricReplicas)',
    triggers: [trig(8, { metricType: 'Value' })],
    current: 3,
    state: state(),
    want: 5,
    reason: /ceil\(8 \/ 5 × 3 ready\) = 5/,
  },
  {
    name: 'Value metric within tolerance keeps spec replicas',
    triggers: [trig(5.2, { metricType: 'Value' })],
    current: 3,
    state: state(),
    want: 3,
  },
  {
    name: 'negative values feed the HPA as 0, activation sees the raw value (GenerateMetricInMili)',
    triggers: [trig(-5, { sample: { ok: true, value: -5, active: false } })],
    current: 3,
    state: state(),
    want: 1,
    reason: /ceil\(0 \/ 5\) = 0/,
  },
  {
    name: 'NaN feeds the HPA as 0',
    triggers: [trig(NaN, { sample: { ok: true, value: NaN, active: true } })],
    current: 2,
    now: s(400),
    state: state(),
    want: 1,
  },
  {
    name: 'above maxReplicaCount is brought down to max (reconcileAutoscaler: current > max)',
    spec: { maxReplicaCount: 5 },
    triggers: [trig(100)],
    current: 9,
    state: state(),
    want: 5,
  },
  {
    name: 'behavior: scale-down window of 10 s holds the highest recent recommendation',
    spec: {
      behavior: {
        scaleUp: {
          stabilizationWindowSeconds: 0,
          selectPolicy: 'Max',
          policies: [
            { type: 'Pods', value: 4, periodSeconds: 15 },
            { type: 'Percent', value: 100, periodSeconds: 15 },
          ],
        },
        scaleDown: { stabilizationWindowSeconds: 10, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
      },
    },
    triggers: [trig(5)],
    current: 4,
    now: s(5),
    state: state({ lastActiveTime: s(5), recommendations: [{ at: s(0), replicas: 3 }] }),
    want: 3,
  },
  {
    name: 'behavior: default scale-up policies allow max(+4 pods, +100 %) per 15 s',
    spec: {
      behavior: {
        scaleUp: {
          stabilizationWindowSeconds: 0,
          selectPolicy: 'Max',
          policies: [
            { type: 'Pods', value: 4, periodSeconds: 15 },
            { type: 'Percent', value: 100, periodSeconds: 15 },
          ],
        },
        scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
      },
    },
    triggers: [trig(200)],
    current: 10,
    state: state(),
    want: 20,
  },
  {
    name: 'behavior: scale events in the period reduce the allowance (periodStart = current − added)',
    spec: {
      behavior: {
        scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] },
        scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
      },
    },
    triggers: [trig(200)],
    current: 6,
    now: s(30),
    state: state({ scaleEvents: [{ at: s(10), change: 2 }] }),
    want: 6,
  },
];

const pause = (over: Partial<NonNullable<ScaleSpec['pause']>>): ScaleSpec['pause'] => ({
  paused: false,
  scaleIn: false,
  scaleOut: false,
  forceActivation: false,
  ...over,
});
const disabled = (dir: 'scaleUp' | 'scaleDown'): ScaleSpec['behavior'] => {
  const b: NonNullable<ScaleSpec['behavior']> = {
    scaleUp: {
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      policies: [
        { type: 'Pods', value: 4, periodSeconds: 15 },
        { type: 'Percent', value: 100, periodSeconds: 15 },
      ],
    },
    scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
  };
  b[dir] = { ...b[dir], selectPolicy: 'Disabled' };
  return b;
};

const pauseCases: Case[] = [
  {
    name: 'paused-replicas: desired is that count, whatever the triggers say (semantics §11)',
    spec: { pause: pause({ replicas: 3 }) },
    triggers: [trig(100)],
    current: 7,
    want: 3,
    reason: /paused at 3/,
  },
  {
    name: 'paused-replicas wins over paused: "false" (KEDA precedence)',
    spec: { pause: pause({ replicas: 0, paused: false }) },
    triggers: [trig(100)],
    current: 2,
    want: 0,
  },
  {
    name: 'paused: no change even with every trigger failing',
    spec: { pause: pause({ paused: true }) },
    triggers: [trig(null)],
    current: 5,
    want: 5,
    reason: /paused \(autoscaling.keda.sh\/paused\)/,
  },
  {
    name: 'paused-scale-out blocks scale from zero',
    spec: { pause: pause({ scaleOut: true }), behavior: disabled('scaleUp') },
    triggers: [trig(20)],
    current: 0,
    want: 0,
    reason: /scale-out is paused/,
  },
  {
    name: 'paused-scale-out blocks the HPA scale-up (selectPolicy Disabled)',
    spec: { pause: pause({ scaleOut: true }), behavior: disabled('scaleUp') },
    triggers: [trig(50)],
    current: 2,
    state: state(),
    want: 2,
  },
  {
    name: 'paused-scale-out still lets it scale down',
    spec: { pause: pause({ scaleOut: true }), behavior: disabled('scaleUp') },
    triggers: [trig(5)],
    current: 4,
    now: s(400),
    state: state({ lastActiveTime: s(399) }),
    want: 1,
  },
  {
    name: 'paused-scale-in blocks the scale to zero after the cooldown',
    spec: { pause: pause({ scaleIn: true }), behavior: disabled('scaleDown') },
    triggers: [trig(0)],
    current: 3,
    now: s(1000),
    state: state({ lastActiveTime: s(0) }),
    want: 3,
    reason: /scale-in is paused/,
  },
  {
    name: 'paused-scale-in blocks the HPA scale-down',
    spec: { pause: pause({ scaleIn: true }), behavior: disabled('scaleDown') },
    triggers: [trig(5)],
    current: 6,
    now: s(1000),
    state: state({ lastActiveTime: s(999) }),
    want: 6,
  },
  {
    name: 'force-activation scales from zero even when every trigger fails (RequestScale checks activity first)',
    spec: { pause: pause({ forceActivation: true }), minReplicaCount: 2 },
    triggers: [trig(null)],
    current: 0,
    want: 2,
    reason: /force-activation: scale from 0 to 2/,
  },
  {
    name: 'force-activation: inactive triggers still scale from zero to max(min,1)',
    spec: { pause: pause({ forceActivation: true }) },
    triggers: [trig(0)],
    current: 0,
    want: 1,
  },
];

describe('decide: pause annotations (semantics §11)', () => {
  it.each(pauseCases)('$name', check);
});

describe('decide: semantics §3–§8', () => {
  it.each(cases)('$name', check);
});

describe('decide: state (semantics §12)', () => {
  it('bootstraps like the HPA after a restart: current recorded, lastActiveTime = now when running', () => {
    expect(bootstrapState(4, s(7))).toEqual({
      firstSeen: s(7),
      lastActiveTime: s(7),
      recommendations: [{ at: s(7), replicas: 4 }],
      scaleEvents: [],
      failures: {},
    });
    expect(bootstrapState(0, s(7)).lastActiveTime).toBeUndefined();
  });

  it('a restart delays a scale-down: the bootstrapped recommendation holds for 300 s', () => {
    const d = decide({ spec: spec({ minReplicaCount: 1 }), triggers: [trig(5)], current: 8, now: s(0) });
    expect(d.desired).toBe(8);
    const later = decide({ spec: spec({ minReplicaCount: 1 }), triggers: [trig(5)], current: 8, now: s(301), state: d.state });
    expect(later.desired).toBe(1);
  });

  it('records lastActiveTime only when active without errors', () => {
    expect(decide({ spec: spec(), triggers: [trig(10)], current: 2, now: s(5), state: state() }).state.lastActiveTime).toBe(s(5));
    expect(
      decide({
        spec: spec(),
        triggers: [trig(10, { name: 'a' }), trig(null, { name: 'b' })],
        current: 2,
        now: s(5),
        state: state({ lastActiveTime: s(1) }),
      }).state.lastActiveTime,
    ).toBe(s(1));
  });

  it('records a scale event only with behavior set', () => {
    const behavior = {
      scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: 'Max' as const,
        policies: [{ type: 'Pods' as const, value: 4, periodSeconds: 15 }],
      },
      scaleDown: {
        stabilizationWindowSeconds: 0,
        selectPolicy: 'Max' as const,
        policies: [{ type: 'Percent' as const, value: 100, periodSeconds: 15 }],
      },
    };
    expect(decide({ spec: spec({ behavior }), triggers: [trig(20)], current: 2, now: s(1), state: state() }).state.scaleEvents).toEqual([
      { at: s(1), change: 2 },
    ]);
    expect(decide({ spec: spec(), triggers: [trig(20)], current: 2, now: s(1), state: state() }).state.scaleEvents).toEqual([]);
  });
});
