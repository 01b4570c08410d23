// The scaler contract (docs/architecture.md §5): pure `parse` of KEDA metadata, then `create` → `sample()`.
import type { ConfigCode, ScalerError } from '../errors.js';

/** Where a metadata key may come from, in KEDA's order names. */
export type Source = 'triggerMetadata' | 'authParams' | 'resolvedEnv';

/** What a trigger hands to its scaler: KEDA's three sources, already resolved to strings. */
export interface ScalerInput {
  /** `triggers[].metadata` exactly as written (all values strings). */
  metadata: Record<string, string>;
  /** From the trigger's TriggerAuthentication (`parameter` → value). */
  authParams: Record<string, string>;
  /** Environment used for `<key>FromEnv` lookups (KEDA reads the target container's env; gitscale its own). */
  env: Record<string, string | undefined>;
  /** The TriggerAuthentication's `spec.podIdentity`, when it has one (KEDA passes it beside authParams). */
  podIdentity?: PodIdentity;
}

/** KEDA's `spec.podIdentity` (provider aws: gitscale's own identity, optionally a role assumed on top of it). */
export interface PodIdentity {
  provider: string;
  roleArn?: string;
  externalId?: string;
}

/** One problem in a trigger's metadata, naming the field. */
export interface FieldProblem {
  field: string;
  message: string;
  /** A stable code for the CLI (default TRIGGER_METADATA), e.g. TRIGGER_ENV_MISSING. */
  code?: ConfigCode;
}

/** A warning about the trigger's metadata (text), or about one of its authentication parameters (`field`: the parameter). */
export type ParseWarning = string | FieldProblem;

export type ParseResult<M> = { ok: true; meta: M; warnings: ParseWarning[] } | { ok: false; errors: FieldProblem[] };

/** The numbers the engine needs from a trigger, plain data from the metadata. */
export interface TriggerTarget {
  /** Per-replica target for AverageValue, or the total target for Value. */
  target: number;
  /** Active iff value > activationTarget (strict). */
  activationTarget: number;
  /** A short unit for messages and logs: "msgs", "items", "rows", "". */
  unit: string;
}

export interface RawSample {
  value: number;
  active: boolean;
}

export interface Scaler {
  /** Reads the metric once. Rejects with a ScalerError naming the trigger on any failure. */
  sample(signal: AbortSignal): Promise<RawSample>;
  close(): Promise<void>;
}

/**
 * What `create` is handed. `C` is the clients the scaler declares it needs, one factory per kind of
 * server (`RedisClients`, `AwsS3Clients` …, each beside its scaler); the registry composes every
 * scaler's into `ScalerClients` (scalers/index.ts), which only cli/ builds for real
 * (src/cli/scaler-clients.ts) and tests use against real servers.
 */
export interface ScalerDeps<C> {
  /** fetch used by HTTP scalers (metrics-api). */
  fetch: typeof fetch;
  /** Wall time (ms since the epoch), for triggers that depend on it (cron). */
  clock: { now(): number };
  clients: C;
}

/** A trigger type: `M` its parsed metadata, `C` the clients it needs (none: `unknown`). */
export interface ScalerDefinition<M = any, C = unknown> {
  /** KEDA's `type` string; equals the file name. */
  type: string;
  parse(input: ScalerInput): ParseResult<M>;
  target(meta: M): TriggerTarget;
  /** What the trigger reads, for `plan` and logs, without any secret: `query "…" at db:3306/orders`. */
  source?(meta: M): string;
  /** `triggerName` is used in error messages. */
  create(meta: M, deps: ScalerDeps<C>, triggerName: string): Scaler;
}

/**
 * The clients a registry of definitions needs together: every definition's `C`, intersected (a
 * union of functions taking each, inferred back as one parameter, is their intersection).
 */
export type ClientsOf<R extends Record<string, ScalerDefinition>> = {
  [K in keyof R]: (clients: R[K] extends ScalerDefinition<any, infer C> ? C : never) => void;
}[keyof R] extends (clients: infer I) => void
  ? I
  : never;

/** A sample as the engine sees it: a value or a typed error. */
export type MetricSample = { ok: true; value: number; active: boolean } | { ok: false; error: ScalerError };
