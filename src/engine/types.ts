// The engine's inputs and outputs: plain data, no I/O, time passed in as epoch milliseconds.
import type { MetricType, ScaleSpec } from '../config/types.js';

export type EngineSample = { ok: true; value: number; active: boolean } | { ok: false; error: string; code: string };

export interface TriggerInput {
  name: string;
  type: string;
  metricType: MetricType;
  target: number;
  activationTarget: number;
  /** Short unit for explanations ("msgs"). */
  unit: string;
  /** What the trigger reads (the scaler's words, no secret); reported, not used by the arithmetic. */
  source?: string;
  sample: EngineSample;
}

export interface Recommendation {
  at: number;
  replicas: number;
}

export interface ScaleEvent {
  at: number;
  /** Positive: replicas added; negative: replicas removed. */
  change: number;
}

/** Per-object memory between ticks (the HPA keeps the same in kube-controller-manager's memory). */
export interface EngineState {
  firstSeen: number;
  lastActiveTime?: number;
  recommendations: Recommendation[];
  scaleEvents: ScaleEvent[];
  /** Consecutive failed evaluations per trigger name (KEDA's status.health numberOfFailures). */
  failures: Record<string, number>;
}

export interface DecideInput {
  spec: ScaleSpec;
  triggers: TriggerInput[];
  /** Replicas the manifest holds now (spec.replicas). */
  current: number;
  /** Live status.replicas and ready pods where a cluster is read; Git's value stands in otherwise. */
  statusReplicas?: number;
  readyReplicas?: number;
  now: number;
  /** Undefined on the first tick after start: bootstrapped as the HPA does after a restart. */
  state?: EngineState;
}

export interface TriggerOutcome {
  name: string;
  type: string;
  value: number | null;
  target: number;
  activationTarget: number;
  metricType: MetricType;
  unit: string;
  active: boolean;
  error: string | null;
  /** The replicas this trigger alone asks for (HPA step), null when not computed. */
  replicas: number | null;
  /** The trigger failed more than failureThreshold times and stands in with the fallback metric. */
  fallback: boolean;
}

export interface Decision {
  current: number;
  desired: number;
  /** One line a person can check, e.g. `ceil(20 / 5) = 4; scale-up limit max(2×1, 4) = 4 → 4`. */
  reason: string;
  active: boolean;
  /** Some trigger errored this tick. */
  error: boolean;
  /** Every trigger errored: nothing can be decided. */
  undecided: boolean;
  triggers: TriggerOutcome[];
  /** The scalingModifiers composite metric when one was computed. */
  composite: { value: number; target: number } | null;
  state: EngineState;
}
