// `redis`, `redis-cluster`, `redis-sentinel` (lists): the length of `listName`, counted by key type
// as KEDA's Lua script does (zset → ZCARD, set → SCARD, hash → HLEN, list/none → LLEN), on a
// standalone Redis, a cluster (the key's node) or the master a sentinel names.
// KEDA: pkg/scalers/redis_scaler.go; the connection in ./redis/connection.ts.
import type { ParseResult, ScalerDefinition, ScalerInput, TriggerTarget } from './types.js';
import {
  connectionSchema,
  connectionWarnings,
  endpointsOf,
  redisSession,
  shownWhere,
  validateConnection,
  type Endpoint,
  type RedisClients,
  type Topology,
} from './redis/connection.js';
import { int, parseSchema, string, type Infer } from './schema.js';
import { scalerError, type ErrorContext } from './errors.js';

export const schema = {
  listName: string({}),
  listLength: int({ default: 5, min: 1, role: 'target' }),
  activationListLength: int({ default: 0, min: 0, role: 'activation' }),
  ...connectionSchema,
};

export type RedisMetadata = Infer<typeof schema> & { endpoint: Endpoint; endpoints: Endpoint[] };

// One round trip, atomic: the key's type and its size. An unsupported type returns -1.
const COUNT_SCRIPT = `
local t = redis.call('TYPE', KEYS[1]).ok
if t == 'zset' then return {t, redis.call('ZCARD', KEYS[1])} end
if t == 'set' then return {t, redis.call('SCARD', KEYS[1])} end
if t == 'hash' then return {t, redis.call('HLEN', KEYS[1])} end
if t == 'list' or t == 'none' then return {t, redis.call('LLEN', KEYS[1])} end
return {t, -1}`;

function lists(type: string, topology: Topology): ScalerDefinition<RedisMetadata, RedisClients> {
  const parse = (input: ScalerInput): ParseResult<RedisMetadata> => {
    const r = parseSchema(schema, input, (meta) => validateConnection(meta, topology));
    if (!r.ok) return r;
    const endpoints = endpointsOf(r.meta) as Endpoint[];
    return {
      ok: true,
      meta: { ...r.meta, endpoint: endpoints[0], endpoints },
      warnings: [...r.warnings, ...connectionWarnings(r.meta, topology)],
    };
  };
  const target = (meta: RedisMetadata): TriggerTarget => ({
    target: meta.listLength,
    activationTarget: meta.activationListLength,
    unit: 'items',
  });
  return {
    type,
    parse,
    target,
    source: (meta) => `list '${meta.listName}' at ${shownWhere(meta, topology)}`,
    create(meta, deps, triggerName) {
      const ctx: ErrorContext = { trigger: triggerName, type, secrets: [meta.password, meta.sentinelPassword, meta.key, meta.keyPassword] };
      const session = redisSession(meta, topology, deps, ctx);
      return {
        async sample(signal) {
          const reply = await session.use(signal, `reading '${meta.listName}'`, (c) => c.eval(COUNT_SCRIPT, 1, meta.listName));
          const [kind, count] = Array.isArray(reply) ? reply : [];
          if (typeof count !== 'number')
            throw scalerError(ctx, 'SCALER_INVALID_RESPONSE', `unexpected reply for '${meta.listName}' from ${shownWhere(meta, topology)}`);
          if (count < 0) {
            throw scalerError(
              ctx,
              'SCALER_WRONG_TYPE',
              `key '${meta.listName}' holds a ${String(kind)}; the redis scaler counts a list, set, sorted set or hash`,
              'listName',
            );
          }
          return { value: count, active: count > meta.activationListLength };
        },
        close: () => session.close(),
      };
    },
  };
}

export const redis = lists('redis', 'standalone');
export const redisCluster = lists('redis-cluster', 'cluster');
export const redisSentinel = lists('redis-sentinel', 'sentinel');
