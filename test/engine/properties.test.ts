import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/engine/decide.js';
import type { ScaleSpec } from '../../src/config/types.js';
import type { EngineState, TriggerInput } from '../../src/engine/types.js';

const T0 = Date.UTC(2026, 0, 1);
const specArb = fc
  .record({ min: fc.integer({ min: 0, max: 5 }), span: fc.integer({ min: 0, max: 50 }), cooldown: fc.integer({ min: 0, max: 600 }) })
  .map(({ min, span, cooldown }): ScaleSpec => ({
    pollingInterval: 30,
    cooldownPeriod: cooldown,
    initialCooldownPeriod: 0,
    minReplicaCount: min,
    maxReplicaCount: Math.max(1, min + span),
  }));
const valueArb = fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.double({ min: -10, max: 1e6, noNaN: false }));
const trig = (name: string, value: number | null, target = 5): TriggerInput => ({
  name,
  type: 't',
  metricType: 'AverageValue',
  target,
  activationTarget: 0,
  unit: '',
  sample: value === null ? { ok: false, error: 'down', code: 'X' } : { ok: true, value, active: value > 0 },
});
const stateArb = fc
  .record({
    lastActive: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }),
    recs: fc.array(fc.record({ ago: fc.integer({ min: 0, max: 600 }), replicas: fc.integer({ min: 0, max: 60 }) }), { maxLength: 5 }),
  })
  .map(({ lastActive, recs }): EngineState => ({
    firstSeen: T0,
    lastActiveTime: lastActive === undefined ? undefined : T0 + lastActive * 1000,
    recommendations: recs.map((r) => ({ at: T0 + (1000 - r.ago) * 1000, replicas: r.replicas })),
    scaleEvents: [],
    failures: {},
  }));
const NOW = T0 + 1000 * 1000;

describe('engine properties', () => {
  it('desired stays within [min, max], or 0 when min is 0', () => {
    fc.assert(
      fc.property(specArb, valueArb, fc.integer({ min: 0, max: 60 }), stateArb, (spec, v, current, state) => {
        const d = decide({ spec, triggers: [trig('a', v)], current, now: NOW, state });
        if (d.desired === current) return;
        expect(d.desired).toBeLessThanOrEqual(spec.maxReplicaCount);
        expect(d.desired === 0 ? spec.minReplicaCount === 0 : d.desired >= spec.minReplicaCount).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('an erroring trigger never brings a running workload to 0', () => {
    fc.assert(
      fc.property(specArb, valueArb, fc.integer({ min: 1, max: 60 }), stateArb, (spec, v, current, state) => {
        const d = decide({ spec, triggers: [trig('a', v), trig('b', null)], current, now: NOW, state });
        expect(d.desired).toBeGreaterThan(0);
        expect(d.desired).toBeGreaterThanOrEqual(Math.min(current, spec.maxReplicaCount));
      }),
      { numRuns: 2000 },
    );
  });

  // From a current count inside [max(min,1), max]: below min the HPA's "current < min → min" shortcut
  // and KEDA's own min correction take different one-tick paths (both converge on the next tick).
  it('a higher metric never yields fewer replicas than a lower one from the same state', () => {
    fc.assert(
      fc.property(
        specArb,
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 0, max: 60 }),
        stateArb,
        (spec, a, b, c, state) => {
          const current = Math.max(Math.max(spec.minReplicaCount, 1), Math.min(c, spec.maxReplicaCount));
          const [lo, hi] = a < b ? [a, b] : [b, a];
          const dl = decide({ spec, triggers: [trig('a', lo)], current, now: NOW, state });
          const dh = decide({ spec, triggers: [trig('a', hi)], current, now: NOW, state });
          expect(dh.desired).toBeGreaterThanOrEqual(dl.desired);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('a constant metric converges and then stays put', () => {
    fc.assert(
      fc.property(specArb, fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 60 }), (spec, v, start) => {
        let current = start;
        let state: EngineState | undefined;
        const seen: number[] = [];
        for (let i = 0; i < 60; i++) {
          const d = decide({ spec, triggers: [trig('a', v)], current, now: T0 + i * 30_000, state });
          state = d.state;
          current = d.desired;
          seen.push(current);
        }
        const tail = seen.slice(-10);
        expect(new Set(tail).size).toBe(1);
      }),
      { numRuns: 500 },
    );
  });
});

describe('engine properties: paths and restarts', () => {
  const defaultBehavior = {
    scaleUp: {
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max' as const,
      policies: [
        { type: 'Pods' as const, value: 4, periodSeconds: 15 },
        { type: 'Percent' as const, value: 100, periodSeconds: 15 },
      ],
    },
    scaleDown: {
      stabilizationWindowSeconds: 300,
      selectPolicy: 'Max' as const,
      policies: [{ type: 'Percent' as const, value: 100, periodSeconds: 15 }],
    },
  };

  // The HPA docs: the defaulted behavior reproduces the legacy algorithm's scale-down (300 s
  // window, no rate limit below it) and its scale-up once doubling exceeds +4 pods (current ≥ 4);
  // with no scale events inside the policies' 15 s period, both paths decide the same count.
  // Recorded recommendations are at most the current count, as in any history where the HPA's
  // own decisions were applied (the legacy path can otherwise scale up from a stale recommendation
  // that the behavior path ignores).
  it('legacy and defaulted-behavior paths agree for current ≥ 4 without recent scale events', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: 40 }),
        fc.integer({ min: 0, max: 2000 }),
        fc.array(fc.record({ ago: fc.integer({ min: 1, max: 299 }), replicas: fc.integer({ min: 1, max: 60 }) }), { maxLength: 6 }),
        (current, v, recs) => {
          const base: ScaleSpec = {
            pollingInterval: 30,
            cooldownPeriod: 300,
            initialCooldownPeriod: 0,
            minReplicaCount: 1,
            maxReplicaCount: 100,
          };
          const st: EngineState = {
            firstSeen: T0,
            lastActiveTime: NOW,
            recommendations: recs.map((r) => ({ at: NOW - r.ago * 1000, replicas: Math.min(r.replicas, current) })),
            scaleEvents: [],
            failures: {},
          };
          const legacy = decide({ spec: base, triggers: [trig('a', v)], current, now: NOW, state: st });
          const behavior = decide({ spec: { ...base, behavior: defaultBehavior }, triggers: [trig('a', v)], current, now: NOW, state: st });
          expect(behavior.desired).toBe(legacy.desired);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('a restart may delay a scale-down, never hasten one', () => {
    fc.assert(
      fc.property(specArb, fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 1, max: 60 }), stateArb, (sp, v, current, kept) => {
        const carried = decide({ spec: sp, triggers: [trig('a', v)], current, now: NOW, state: kept });
        const restarted = decide({ spec: sp, triggers: [trig('a', v)], current, now: NOW, state: undefined });
        if (carried.desired < current) expect(restarted.desired).toBeGreaterThanOrEqual(carried.desired);
        if (restarted.desired < current) expect(restarted.desired).toBeGreaterThanOrEqual(carried.desired);
      }),
      { numRuns: 2000 },
    );
  });
});
