// Builders shared by the engine's table tests.
import { parseFormula } from '../../src/config/formula.js';
import type { ScaleSpec } from '../../src/config/types.js';
import { expect } from 'vitest';
import { decide } from '../../src/engine/decide.js';
import type { EngineState, TriggerInput } from '../../src/engine/types.js';

export const T0 = Date.UTC(2026, 0, 1);
export const s = (n: number) => T0 + n * 1000;
export const spec = (over: Partial<ScaleSpec> = {}): ScaleSpec => ({
  pollingInterval: 30,
  cooldownPeriod: 300,
  initialCooldownPeriod: 0,
  minReplicaCount: 0,
  maxReplicaCount: 100,
  ...over,
});
export const trig = (value: number | null, over: Partial<TriggerInput> = {}): TriggerInput => ({
  name: over.name ?? 'q',
  type: 'aws-sqs-queue',
  metricType: 'AverageValue',
  target: 5,
  activationTarget: 0,
  unit: 'msgs',
  sample:
    value === null
      ? { ok: false, error: 'boom', code: 'SCALER_CONNECTION_REFUSED' }
      : { ok: true, value, active: value > (over.activationTarget ?? 0) },
  ...over,
});
export const state = (over: Partial<EngineState> = {}): EngineState => ({
  firstSeen: T0,
  recommendations: [],
  scaleEvents: [],
  failures: {},
  ...over,
});
export const modifiers = (
  formula: string,
  target: number,
  over: Partial<NonNullable<ScaleSpec['modifiers']>> = {},
): ScaleSpec['modifiers'] => ({
  formula,
  expr: parseFormula(formula),
  target,
  activationTarget: 0,
  metricType: 'AverageValue',
  ...over,
});

/** One named table row: the input of one tick and what must come out of it. */
export interface Case {
  name: string;
  spec?: Partial<ScaleSpec>;
  triggers: TriggerInput[];
  current: number;
  now?: number;
  state?: EngineState;
  ready?: number;
  want: number;
  reason?: RegExp;
  active?: boolean;
  failures?: Record<string, number>;
}

/** Runs a row through decide and checks every expectation it names. */
export function check(c: Case): void {
  const d = decide({
    spec: spec(c.spec),
    triggers: c.triggers,
    current: c.current,
    now: c.now ?? s(0),
    state: c.state,
    readyReplicas: c.ready,
  });
  expect(d.desired).toBe(c.want);
  if (c.reason) expect(d.reason).toMatch(c.reason);
  if (c.failures) expect(d.state.failures).toEqual(c.failures);
  if (c.active !== undefined) expect(d.active).toBe(c.active);
}
