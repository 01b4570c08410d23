// `kafka`: a consumer group's lag on a topic (or on every topic it has committed offsets for), with
// KEDA's arithmetic and caps (./kafka/lag.ts). KEDA: pkg/scalers/kafka_scaler.go. The broker is
// asked through an admin client (KafkaClients): the group's committed offsets, the topics'
// partitions and their latest offsets. SASL plaintext / SCRAM and TLS from a TriggerAuthentication.
import type { FieldProblem, ParseResult, Scaler, ScalerDefinition, ScalerDeps, ScalerInput, TriggerTarget } from './types.js';
import { parsePartitions, totalLag, type PartitionOffsets, type Previous } from './kafka/lag.js';
import { bool, int, oneOf, parseSchema, problem, string, tlsMaterial, type Infer } from './schema.js';
import { abortable, networkError, scalerError, tlsError, type ErrorContext } from './errors.js';

const TYPE = 'kafka';
const META_ENV = ['triggerMetadata', 'resolvedEnv'] as const;

export const schema = {
  bootstrapServers: string({ from: META_ENV }),
  consumerGroup: string({ from: META_ENV }),
  topic: string({ from: META_ENV, optional: true }),
  partitionLimitation: string({ optional: true }),
  lagThreshold: int({ default: 10, min: 1, role: 'target' }),
  activationLagThreshold: int({ default: 0, role: 'activation' }),
  offsetResetPolicy: oneOf(['latest', 'earliest'], { default: 'latest' }),
  allowIdleConsumers: bool({ default: false }),
  excludePersistentLag: bool({ default: false }),
  scaleToZeroOnInvalidOffset: bool({ default: false }),
  limitToPartitionsWithLag: bool({ default: false }),
  ensureEvenDistributionOfPartitions: bool({ default: false }),
  sasl: oneOf(['none', 'plaintext', 'scram_sha256', 'scram_sha512', 'oauthbearer', 'gssapi'], {
    from: ['authParams', 'triggerMetadata'],
    default: 'none',
  }),
  username: string({ from: ['authParams', 'triggerMetadata'], optional: true }),
  password: string({ from: ['authParams'], optional: true, secret: true }),
  tls: oneOf(['enable', 'disable'], { from: ['authParams', 'triggerMetadata'], default: 'disable' }),
  ...tlsMaterial,
};

type Raw = Infer<typeof schema>;
export type KafkaMetadata = Raw & { brokers: string[]; partitions?: number[] };

function validate(meta: Raw): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const brokers = meta.bootstrapServers
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (!brokers.length || brokers.some((b) => !/^[^\s:/]+:\d{1,5}$/.test(b)))
    problems.push(problem('bootstrapServers', `'bootstrapServers' must be host:port, comma-separated`));
  if (meta.partitionLimitation !== undefined) {
    if (!meta.topic) problems.push(problem('partitionLimitation', 'partitionLimitation needs a topic'));
    const p = parsePartitions(meta.partitionLimitation);
    if (typeof p === 'string') problems.push(problem('partitionLimitation', p));
  }
  if (meta.allowIdleConsumers && meta.limitToPartitionsWithLag)
    problems.push(problem('limitToPartitionsWithLag', 'allowIdleConsumers and limitToPartitionsWithLag cannot be set simultaneously'));
  if (meta.limitToPartitionsWithLag && !meta.topic)
    problems.push(problem('topic', 'topic must be specified when using limitToPartitionsWithLag'));
  if (meta.limitToPartitionsWithLag && meta.ensureEvenDistributionOfPartitions)
    problems.push(
      problem(
        'ensureEvenDistributionOfPartitions',
        'limitToPartitionsWithLag and ensureEvenDistributionOfPartitions cannot be set simultaneously',
      ),
    );
  if (meta.ensureEvenDistributionOfPartitions && !meta.topic)
    problems.push(problem('topic', 'topic must be specified when using ensureEvenDistributionOfPartitions'));
  // An unsupported mechanism is the one problem: its credentials are beside the point.
  if (meta.sasl === 'oauthbearer' || meta.sasl === 'gssapi')
    problems.push(problem('sasl', `sasl '${meta.sasl}' is not supported by gitscale; use plaintext, scram_sha256 or scram_sha512`));
  else if (meta.sasl !== 'none' && (!meta.username || !meta.password))
    problems.push(problem(meta.username ? 'password' : 'username', `sasl '${meta.sasl}' needs username and password`));
  if ((meta.cert === undefined) !== (meta.key === undefined))
    problems.push(problem(meta.cert === undefined ? 'cert' : 'key', 'the client certificate needs both cert and key'));
  return problems;
}

export function parse(input: ScalerInput): ParseResult<KafkaMetadata> {
  const r = parseSchema(schema, input, validate);
  if (!r.ok) return r;
  const partitions = r.meta.partitionLimitation === undefined ? undefined : (parsePartitions(r.meta.partitionLimitation) as number[]);
  return {
    ok: true,
    meta: {
      ...r.meta,
      brokers: r.meta.bootstrapServers
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean),
      ...(partitions ? { partitions } : {}),
    },
    warnings: r.warnings,
  };
}

export function target(meta: KafkaMetadata): TriggerTarget {
  return { target: meta.lagThreshold, activationTarget: meta.activationLagThreshold, unit: 'msgs' };
}

/** What cli/ builds an admin client from (kafkajs), and the few reads the trigger makes. */
export interface KafkaClientOptions {
  brokers: string[];
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  ssl?: { ca?: string; cert?: string; key?: string; passphrase?: string; rejectUnauthorized: boolean };
}
export interface KafkaAdminLike {
  /** The group's committed offsets (-1: none) per topic and partition; every topic it has offsets for when `topics` is absent. */
  groupOffsets(groupId: string, topics?: string[]): Promise<{ topic: string; partitions: { partition: number; offset: number }[] }[]>;
  /** Each topic's partition ids. */
  partitions(topics: string[]): Promise<Map<string, number[]>>;
  /** A topic's latest offset per partition. */
  latestOffsets(topic: string): Promise<Map<number, number>>;
  close(): Promise<void>;
}

/** The client the scaler is created with (the registry's ScalerClients composes it). */
export interface KafkaClients {
  /** A Kafka admin client (kafkajs), connected, loaded only when a kafka trigger first samples. */
  kafka(options: KafkaClientOptions): Promise<KafkaAdminLike>;
}

const MECHANISM = { plaintext: 'plain', scram_sha256: 'scram-sha-256', scram_sha512: 'scram-sha-512' } as const;

export function clientOptions(meta: KafkaMetadata): KafkaClientOptions {
  return {
    brokers: meta.brokers,
    ...(meta.sasl !== 'none'
      ? { sasl: { mechanism: MECHANISM[meta.sasl as keyof typeof MECHANISM], username: meta.username!, password: meta.password! } }
      : {}),
    ...(meta.tls === 'enable'
      ? { ssl: { ca: meta.ca, cert: meta.cert, key: meta.key, passphrase: meta.keyPassword, rejectUnauthorized: !meta.unsafeSsl } }
      : {}),
  };
}

export function create(meta: KafkaMetadata, deps: Pick<ScalerDeps<KafkaClients>, 'clients'>, triggerName: string): Scaler {
  const ctx: ErrorContext = { trigger: triggerName, type: TYPE, secrets: [meta.password, meta.key, meta.keyPassword] };
  const where = meta.brokers.join(',');
  const previous: Previous = new Map();
  let admin: Promise<KafkaAdminLike> | undefined;

  async function read(signal: AbortSignal): Promise<PartitionOffsets[]> {
    admin ??= deps.clients.kafka(clientOptions(meta));
    const a = await abortable(admin, signal);
    const committed = await abortable(a.groupOffsets(meta.consumerGroup, meta.topic ? [meta.topic] : undefined), signal);
    const topics = meta.topic ? [meta.topic] : committed.map((t) => t.topic);
    if (!topics.length) return [];
    const partitions = await abortable(a.partitions(topics), signal);
    const out: PartitionOffsets[] = [];
    for (const topic of topics) {
      const ids = (partitions.get(topic) ?? []).filter((p) => !meta.partitions || meta.partitions.includes(p));
      const latest = await abortable(a.latestOffsets(topic), signal);
      const mine = new Map((committed.find((t) => t.topic === topic)?.partitions ?? []).map((p) => [p.partition, p.offset]));
      for (const partition of ids) out.push({ topic, partition, committed: mine.get(partition) ?? -1, latest: latest.get(partition) });
    }
    return out;
  }

  return {
    async sample(signal) {
      let parts: PartitionOffsets[];
      try {
        parts = await read(signal);
      } catch (e) {
        const was = admin;
        admin = undefined;
        void was?.then(
          (c) => c.close(),
          () => undefined,
        );
        const text = String((e as Error)?.message ?? e);
        if (/does not host this topic-partition|UNKNOWN_TOPIC/i.test(text))
          throw scalerError(ctx, 'SCALER_VALUE_NOT_FOUND', `topic '${meta.topic}' not found at ${where}`, 'topic');
        if (/SASL|authentication/i.test(text))
          throw scalerError(ctx, 'SCALER_AUTH_FAILED', `authentication failed at ${where}: ${text}`, 'password');
        const tls = tlsError(ctx, (e as { cause?: unknown })?.cause ?? e, where, 'ca') ?? tlsError(ctx, e, where, 'ca');
        if (tls) throw tls;
        throw (
          networkError(ctx, e, where, signal) ??
          scalerError(
            ctx,
            'SCALER_UNAVAILABLE',
            `reading the lag of group '${meta.consumerGroup}' at ${where} failed: ${text}`,
            'bootstrapServers',
          )
        );
      }
      const t = totalLag(parts, meta, previous);
      return { value: t.lag, active: t.withPersistent > meta.activationLagThreshold };
    },
    async close() {
      const was = admin;
      admin = undefined;
      await was?.then(
        (c) => c.close(),
        () => undefined,
      );
    },
  };
}

export function source(meta: KafkaMetadata): string {
  return `lag of group '${meta.consumerGroup}' on ${meta.topic ? `topic '${meta.topic}'` : 'every topic it has committed'}${meta.partitions ? ` partitions ${meta.partitionLimitation}` : ''} at ${meta.brokers.join(',')}`;
}

export const kafka: ScalerDefinition<KafkaMetadata, KafkaClients> = { type: TYPE, parse, target, source, create };
