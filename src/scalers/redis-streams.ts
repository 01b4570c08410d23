// `redis-streams`, `redis-cluster-streams`, `redis-sentinel-streams`: how far behind a stream's
// consumers are, in one of KEDA's three modes (pkg/scalers/redis_streams_scaler.go):
//   consumerGroup and lagCount   → the group's lag (XINFO GROUPS, Redis 7+; no such stream: 0; no such group: XLEN), target lagCount;
//   consumerGroup alone          → the group's pending entries (XPENDING), target pendingEntriesCount;
//   no consumerGroup             → the stream's length (XLEN), target streamLength.
// Active when the count is above activationLagCount, in every mode.
import type { ParseResult, ScalerDefinition, ScalerInput, TriggerTarget } from './types.js';
import {
  connectionSchema,
  connectionWarnings,
  redisSession,
  shownWhere,
  validateConnection,
  type RedisClients,
  type RedisLike,
  type Topology,
} from './redis/connection.js';
import { int, parseSchema, string, type Infer } from './schema.js';
import { scalerError, type ErrorContext } from './errors.js';

export const schema = {
  stream: string({}),
  consumerGroup: string({ optional: true }),
  pendingEntriesCount: int({ default: 5, min: 1, role: 'target' }),
  streamLength: int({ default: 5, min: 1, role: 'target' }),
  lagCount: int({ optional: true, min: 0 }),
  activationLagCount: int({ default: 0, role: 'activation' }),
  ...connectionSchema,
};

export type Mode = 'lag' | 'pending' | 'length';
export type RedisStreamsMetadata = Infer<typeof schema> & { mode: Mode };

export const modeOf = (meta: Pick<RedisStreamsMetadata, 'consumerGroup' | 'lagCount'>): Mode =>
  meta.consumerGroup ? (meta.lagCount ? 'lag' : 'pending') : 'length';

/** The `lag` of `group` in an XINFO GROUPS reply (flat field/value lists); null when the group is not there. */
export function groupLag(reply: unknown, group: string): number | null {
  if (!Array.isArray(reply)) return null;
  for (const entry of reply) {
    if (!Array.isArray(entry)) continue;
    const fields = new Map<string, unknown>();
    for (let i = 0; i + 1 < entry.length; i += 2) fields.set(String(entry[i]), entry[i + 1]);
    // Redis answers a nil lag when it cannot tell (entries deleted in the group's range); KEDA's client reads it as 0.
    if (String(fields.get('name')) === group) return Number(fields.get('lag') ?? 0) || 0;
  }
  return null;
}

async function count(c: RedisLike, meta: RedisStreamsMetadata, fail: (message: string) => Error): Promise<number> {
  if (meta.mode === 'length') return c.xlen(meta.stream);
  if (meta.mode === 'pending') {
    const summary = await c.xpending(meta.stream, meta.consumerGroup!);
    return Number(summary[0]);
  }
  const version = /(?:^|\n)redis_version:(\d+)/.exec(await c.info('server'))?.[1];
  if (!version) throw fail('could not find the Redis version (INFO server)');
  if (Number(version) < 7) throw fail(`lagCount needs Redis 7 or later (XINFO GROUPS lag); this one is ${version}`);
  let groups: unknown;
  try {
    groups = await c.xinfo('GROUPS', meta.stream);
  } catch (e) {
    if (/no such key/i.test(String((e as Error)?.message))) return 0;
    throw e;
  }
  return groupLag(groups, meta.consumerGroup!) ?? c.xlen(meta.stream);
}

function streams(type: string, topology: Topology): ScalerDefinition<RedisStreamsMetadata, RedisClients> {
  const parse = (input: ScalerInput): ParseResult<RedisStreamsMetadata> => {
    const r = parseSchema(schema, input, (meta) => validateConnection(meta, topology));
    return r.ok
      ? { ok: true, meta: { ...r.meta, mode: modeOf(r.meta) }, warnings: [...r.warnings, ...connectionWarnings(r.meta, topology)] }
      : r;
  };
  const target = (meta: RedisStreamsMetadata): TriggerTarget => {
    const mode = meta.mode ?? modeOf(meta);
    return {
      target: mode === 'lag' ? meta.lagCount! : mode === 'pending' ? meta.pendingEntriesCount : meta.streamLength,
      activationTarget: meta.activationLagCount,
      unit: 'entries',
    };
  };
  const what = (meta: RedisStreamsMetadata) =>
    meta.mode === 'length'
      ? `length of stream '${meta.stream}'`
      : `${meta.mode === 'lag' ? 'lag' : 'pending entries'} of group '${meta.consumerGroup}' on stream '${meta.stream}'`;
  return {
    type,
    parse,
    target,
    source: (meta) => `${what(meta)} at ${shownWhere(meta, topology)}`,
    create(meta, deps, triggerName) {
      const ctx: ErrorContext = { trigger: triggerName, type, secrets: [meta.password, meta.sentinelPassword, meta.key, meta.keyPassword] };
      const session = redisSession(meta, topology, deps, ctx);
      return {
        async sample(signal) {
          const n = await session.use(signal, `reading the ${what(meta)}`, (c) =>
            count(c, meta, (m) => scalerError(ctx, 'SCALER_UNAVAILABLE', m, 'lagCount')),
          );
          if (!Number.isFinite(n)) throw scalerError(ctx, 'SCALER_INVALID_RESPONSE', `unexpected reply for the ${what(meta)}`);
          return { value: n, active: n > meta.activationLagCount };
        },
        close: () => session.close(),
      };
    },
  };
}

export const redisStreams = streams('redis-streams', 'standalone');
export const redisClusterStreams = streams('redis-cluster-streams', 'cluster');
export const redisSentinelStreams = streams('redis-sentinel-streams', 'sentinel');
