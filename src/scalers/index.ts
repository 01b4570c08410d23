// The scaler registry (docs/architecture.md §5): a typed literal map, keys = KEDA `type` = file names, sorted.
import { ConfigError } from '../errors.js';
import { awsS3 } from './aws-s3.js';
import { awsSqsQueue } from './aws-sqs-queue.js';
import { cron } from './cron.js';
import { kafka } from './kafka.js';
import { metricsApi } from './metrics-api.js';
import { mongodb } from './mongodb.js';
import { mysql } from './mysql.js';
import { natsJetstream } from './nats-jetstream.js';
import { postgresql } from './postgresql.js';
import { prometheus } from './prometheus.js';
import { rabbitmq } from './rabbitmq.js';
import { redis, redisCluster, redisSentinel } from './redis.js';
import { redisClusterStreams, redisSentinelStreams, redisStreams } from './redis-streams.js';
import type { ClientsOf, ScalerDefinition } from './types.js';

export const scalers = {
  'aws-s3': awsS3,
  'aws-sqs-queue': awsSqsQueue,
  cron,
  kafka,
  'metrics-api': metricsApi,
  mongodb,
  mysql,
  'nats-jetstream': natsJetstream,
  postgresql,
  prometheus,
  rabbitmq,
  redis,
  'redis-cluster': redisCluster,
  'redis-cluster-streams': redisClusterStreams,
  'redis-sentinel': redisSentinel,
  'redis-sentinel-streams': redisSentinelStreams,
  'redis-streams': redisStreams,
} satisfies Record<string, ScalerDefinition>;

export type ScalerType = keyof typeof scalers;

/**
 * Every client the registered scalers need, composed from each definition's own (`RedisClients`,
 * `AwsS3Clients` …, declared beside its scaler): what cli/ builds (src/cli/scaler-clients.ts). A new
 * trigger's client joins it with its line above.
 */
export type ScalerClients = ClientsOf<typeof scalers>;

export function isScalerType(type: string): type is ScalerType {
  return Object.prototype.hasOwnProperty.call(scalers, type);
}

/** The definition for a trigger `type`; throws ConfigError UNKNOWN_TRIGGER_TYPE naming the known types. */
export function getScaler(type: string): ScalerDefinition<any, ScalerClients> {
  if (isScalerType(type)) return scalers[type];
  throw new ConfigError('UNKNOWN_TRIGGER_TYPE', `unknown trigger type '${type}': must be one of: ${Object.keys(scalers).join(', ')}`, {
    field: 'type',
  });
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(6)));
}

/** A value against its target for messages and logs, e.g. `20 msgs / 5`. */
export function describeValue(unit: string, value: number, target: number): string {
  return `${formatNumber(value)}${unit ? ` ${unit}` : ''} / ${formatNumber(target)}`;
}

export type { ScalerDefinition, Scaler, ScalerInput, ScalerDeps, TriggerTarget, RawSample, ParseResult } from './types.js';
