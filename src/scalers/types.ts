// The scaler contract (docs/architecture.md §5): pure `parse` of KEDA metadata, then `create` → `sample()`.
import type { ScalerError } from '../errors.js';
import type { S3Like } from './aws-s3.js';
import type { SqsLike } from './aws-sqs-queue.js';
import type { AwsClientConfig } from './aws/common.js';
import type { HttpTlsLike, HttpTlsOptions } from './http/get.js';
import type { MongodbClientConfig, MongodbLike } from './mongodb.js';
import type { MysqlClientConfig, MysqlLike } from './mysql.js';
import type { PoolLike, PostgresqlClientConfig } from './postgresql.js';
import type { KafkaAdminLike, KafkaClientOptions } from './kafka.js';
import type { AmqpLike, AmqpOptions } from './rabbitmq.js';
import type { RedisClientSpec, RedisLike } from './redis.js';

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
  code?: string;
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
 * The clients the scalers need, one factory per kind of server: each scaler file declares the
 * narrow interface it uses (PoolLike, RedisLike, SqsLike) and the options it builds one from;
 * only cli/ makes real ones (src/cli/scaler-clients.ts), and tests use the same against real servers.
 */
export interface ScalerClients {
  mongodb(config: MongodbClientConfig): MongodbLike;
  mysql(config: MysqlClientConfig): MysqlLike;
  postgresql(config: PostgresqlClientConfig): PoolLike;
  /** A standalone client, one that finds the master through sentinels, or a cluster client. */
  redis(spec: RedisClientSpec): RedisLike;
  /** Async: the AWS SDK is loaded only when an AWS trigger first samples. */
  sqs(config: AwsClientConfig): Promise<SqsLike>;
  s3(config: AwsClientConfig): Promise<S3Like>;
  /** TLS for HTTP scalers (a CA, a client certificate, unsafeSsl): passed to `fetch` as its dispatcher. */
  httpTls(options: HttpTlsOptions): HttpTlsLike;
  /** An AMQP 0-9-1 connection (amqplib), loaded only when a rabbitmq trigger speaks AMQP. */
  amqp(options: AmqpOptions): Promise<AmqpLike>;
  /** A Kafka admin client (kafkajs), connected, loaded only when a kafka trigger first samples. */
  kafka(options: KafkaClientOptions): Promise<KafkaAdminLike>;
}

export interface ScalerDeps {
  /** fetch used by HTTP scalers (metrics-api). */
  fetch: typeof fetch;
  /** Wall time (ms since the epoch), for triggers that depend on it (cron). */
  clock: { now(): number };
  clients: ScalerClients;
}

export interface ScalerDefinition<M = any> {
  /** KEDA's `type` string; equals the file name. */
  type: string;
  parse(input: ScalerInput): ParseResult<M>;
  target(meta: M): TriggerTarget;
  /** What the trigger reads, for `plan` and logs, without any secret: `query "…" at db:3306/orders`. */
  source?(meta: M): string;
  /** `triggerName` is used in error messages. */
  create(meta: M, deps: ScalerDeps, triggerName: string): Scaler;
}

/** A sample as the engine sees it: a value or a typed error. */
export type MetricSample =
  | { ok: true; value: number; active: boolean }
  | { ok: false; error: ScalerError };
