// `redis` (lists): the length of `listName`, counted by key type as KEDA's Lua script does
// (zset → ZCARD, set → SCARD, hash → HLEN, list/none → LLEN). KEDA: pkg/scalers/redis_scaler.go.
import type { Redis, RedisOptions } from 'ioredis';
import type { FieldProblem, ParseResult, Scaler, ScalerDefinition, ScalerDeps, ScalerInput, TriggerTarget } from './types.js';
import {
  abortable, bool, int, networkError, oneOf, parseSchema, problem, scalerError, string,
  type ErrorContext, type Infer,
} from './schema.js';

const TYPE = 'redis';
const CONN = ['triggerMetadata', 'authParams', 'resolvedEnv'] as const;

export const schema = {
  listName: string({}),
  listLength: int({ default: 5, min: 1, role: 'target' }),
  activationListLength: int({ default: 0, min: 0, role: 'activation' }),
  address: string({ from: CONN, optional: true }),
  host: string({ from: ['triggerMetadata', 'resolvedEnv', 'authParams'], optional: true }),
  port: int({ from: ['triggerMetadata', 'resolvedEnv', 'authParams'], optional: true, min: 1, max: 65535 }),
  username: string({ from: ['triggerMetadata', 'resolvedEnv', 'authParams'], optional: true }),
  password: string({ from: ['triggerMetadata', 'resolvedEnv', 'authParams'], optional: true, secret: true }),
  databaseIndex: int({ default: 0, min: 0 }),
  enableTLS: bool({ optional: true }),
  tls: oneOf(['enable', 'disable'], { from: ['authParams'], optional: true }),
  unsafeSsl: bool({ default: false }),
};

export type RedisMetadata = Infer<typeof schema> & { endpoint: { host: string; port: number } };

/** Splits `host:port` (or `[v6]:port`). */
function splitAddress(address: string): { host: string; port: number } | undefined {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(address.trim());
  const port = m ? Number(m[2]) : NaN;
  return m && port >= 1 && port <= 65535 ? { host: m[1], port } : undefined;
}

function validate(meta: Infer<typeof schema>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (meta.address !== undefined && !splitAddress(meta.address)) {
    problems.push(problem('address', `'address' must be host:port`));
  }
  if (meta.address === undefined) {
    if (meta.host === undefined) problems.push(problem('address', `set 'address' (host:port), or 'host' and 'port'`));
    else if (meta.port === undefined) problems.push(problem('port', `'port' is required with 'host'`));
  }
  if (meta.enableTLS !== undefined && meta.tls !== undefined) {
    problems.push(problem('enableTLS', `set TLS either with metadata 'enableTLS' or authentication parameter 'tls', not both`));
  }
  return problems;
}

export function parse(input: ScalerInput): ParseResult<RedisMetadata> {
  const r = parseSchema(schema, input, validate);
  if (!r.ok) return r;
  const endpoint = (r.meta.address !== undefined ? splitAddress(r.meta.address) : undefined)
    ?? { host: r.meta.host as string, port: r.meta.port as number };
  return { ok: true, meta: { ...r.meta, endpoint }, warnings: r.warnings };
}

export function target(meta: RedisMetadata): TriggerTarget {
  return { target: meta.listLength, activationTarget: meta.activationListLength, unit: 'items' };
}

/** The client surface the scaler needs, and what it is built from (ScalerClients.redis). */
export type RedisLike = Pick<Redis, 'connect' | 'eval' | 'quit' | 'disconnect' | 'on' | 'status'>;
export type RedisClientOptions = RedisOptions;

// One round trip, atomic: the key's type and its size. An unsupported type returns -1.
const COUNT_SCRIPT = `
local t = redis.call('TYPE', KEYS[1]).ok
if t == 'zset' then return {t, redis.call('ZCARD', KEYS[1])} end
if t == 'set' then return {t, redis.call('SCARD', KEYS[1])} end
if t == 'hash' then return {t, redis.call('HLEN', KEYS[1])} end
if t == 'list' or t == 'none' then return {t, redis.call('LLEN', KEYS[1])} end
return {t, -1}`;

function options(meta: RedisMetadata): RedisOptions {
  const tls = meta.enableTLS === true || meta.tls === 'enable';
  return {
    host: meta.endpoint.host,
    port: meta.endpoint.port,
    username: meta.username,
    password: meta.password,
    db: meta.databaseIndex,
    tls: tls ? { rejectUnauthorized: !meta.unsafeSsl, servername: meta.endpoint.host } : undefined,
    lazyConnect: true,
    // Fail fast: no reconnect loop, no queued commands waiting for a connection.
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    connectTimeout: 5_000,
    commandTimeout: 10_000,
  };
}

export function create(meta: RedisMetadata, deps: Pick<ScalerDeps, 'clients'>, triggerName: string): Scaler {
  const ctx: ErrorContext = { trigger: triggerName, type: TYPE, secrets: [meta.password] };
  const where = `${meta.endpoint.host}:${meta.endpoint.port}`;
  // The last error the client emitted: ioredis rejects with a bare "Connection is closed." otherwise.
  let lastError: unknown;
  // One connection, reused across samples; dropped after an abort or a failure and rebuilt on the next one.
  let client: RedisLike | undefined;
  const connected = async (signal: AbortSignal): Promise<RedisLike> => {
    if (client?.status === 'ready') return client;
    client?.disconnect();
    const c = deps.clients.redis(options(meta));
    c.on('error', (e: unknown) => {
      lastError = e;
    });
    client = c;
    await abortable(c.connect(), signal);
    return c;
  };

  const classify = (e: unknown, signal: AbortSignal) => {
    const cause = /Connection is closed/.test(String((e as Error)?.message)) && lastError ? lastError : e;
    const text = String((cause as Error)?.message ?? cause);
    if (/^(WRONGPASS|NOAUTH)|invalid password|invalid username-password/i.test(text)) {
      return scalerError(ctx, 'SCALER_AUTH_FAILED', `authentication failed at ${where}: ${text}`, 'password');
    }
    if (/Command timed out/i.test(text)) return scalerError(ctx, 'SCALER_TIMEOUT', `command timed out at ${where}`);
    return networkError(ctx, cause, where, signal)
      ?? scalerError(ctx, 'SCALER_UNAVAILABLE', `reading '${meta.listName}' from ${where} failed: ${text}`);
  };

  return {
    async sample(signal) {
      let reply: unknown;
      try {
        lastError = undefined;
        const c = await connected(signal);
        reply = await abortable(c.eval(COUNT_SCRIPT, 1, meta.listName), signal);
      } catch (e) {
        const err = classify(e, signal);
        client?.disconnect();
        client = undefined;
        throw err;
      }
      const [type, count] = Array.isArray(reply) ? reply : [];
      if (typeof count !== 'number') {
        throw scalerError(ctx, 'SCALER_INVALID_RESPONSE', `unexpected reply for '${meta.listName}' from ${where}`);
      }
      if (count < 0) {
        throw scalerError(ctx, 'SCALER_WRONG_TYPE',
          `key '${meta.listName}' holds a ${String(type)}; the redis scaler counts a list, set, sorted set or hash`, 'listName');
      }
      return { value: count, active: count > meta.activationListLength };
    },
    async close() {
      const c = client;
      client = undefined;
      if (c?.status === 'ready') await c.quit().catch(() => c.disconnect());
      else c?.disconnect();
    },
  };
}

export const redis: ScalerDefinition<RedisMetadata> = { type: TYPE, parse, target, create };
