// `redis` (lists): the length of `listName`, counted by key type as KEDA's Lua script does
// (zset → ZCARD, set → SCARD, hash → HLEN, list/none → LLEN). KEDA: pkg/scalers/redis_scaler.go.
import { isIP } from 'node:net';
import type { Redis, RedisOptions } from 'ioredis';
import type { FieldProblem, ParseResult, Scaler, ScalerDefinition, ScalerDeps, ScalerInput, TriggerTarget } from './types.js';
import {
  abortable, bool, int, networkError, oneOf, parseSchema, problem, scalerError, string, tlsError,
  type ErrorContext, type Infer,
} from './schema.js';

const TYPE = 'redis';
const CONN = ['triggerMetadata', 'authParams', 'resolvedEnv'] as const;

export const schema = {
  listName: string({}),
  listLength: int({ default: 5, min: 1, role: 'target' }),
  activationListLength: int({ default: 0, min: 0, role: 'activation' }),
  // KEDA's shared parser takes each of these singular or plural, comma-separated; a standalone
  // Redis uses the first address (the cluster and sentinel variants use them all).
  address: string({ from: CONN, optional: true, aliases: ['addresses'] }),
  host: string({ from: ['triggerMetadata', 'resolvedEnv', 'authParams'], optional: true, aliases: ['hosts'] }),
  port: string({ from: ['triggerMetadata', 'resolvedEnv', 'authParams'], optional: true, aliases: ['ports'] }),
  username: string({ from: ['triggerMetadata', 'resolvedEnv', 'authParams'], optional: true }),
  password: string({ from: ['triggerMetadata', 'resolvedEnv', 'authParams'], optional: true, secret: true }),
  databaseIndex: int({ default: 0, min: 0 }),
  enableTLS: bool({ optional: true }),
  tls: oneOf(['enable', 'disable'], { from: ['authParams'], optional: true }),
  unsafeSsl: bool({ default: false }),
  // TLS material from a TriggerAuthentication, PEM text (KEDA: ca, cert, key, keyPassword).
  ca: string({ from: ['authParams'], optional: true }),
  cert: string({ from: ['authParams'], optional: true }),
  key: string({ from: ['authParams'], optional: true, secret: true }),
  keyPassword: string({ from: ['authParams'], optional: true, secret: true }),
};

type Endpoint = { host: string; port: number };
export type RedisMetadata = Infer<typeof schema> & { endpoint: Endpoint; endpoints: Endpoint[] };

const list = (v: string | undefined): string[] => (v === undefined ? [] : v.split(',').map((x) => x.trim()).filter(Boolean));

/** Every address, from `address(es)`, or `host(s)` paired with `port(s)`; a string says what is wrong. */
function endpointsOf(meta: Infer<typeof schema>): Endpoint[] | FieldProblem {
  if (meta.address !== undefined) {
    const out: Endpoint[] = [];
    for (const a of list(meta.address)) {
      const e = splitAddress(a);
      if (!e) return problem('address', `'address' must be host:port (or a comma-separated list of them), got '${a}'`);
      out.push(e);
    }
    return out.length ? out : problem('address', `'address' is empty`);
  }
  const hosts = list(meta.host);
  const ports = list(meta.port);
  if (!hosts.length) return problem('address', `set 'address' (host:port), or 'host' and 'port'`);
  if (!ports.length) return problem('port', `'port' is required with 'host'`);
  if (hosts.length !== ports.length) return problem('port', `${hosts.length} host(s) but ${ports.length} port(s): each host needs its port`);
  const out: Endpoint[] = [];
  for (let i = 0; i < hosts.length; i++) {
    const port = Number(ports[i]);
    if (!/^\d{1,5}$/.test(ports[i]) || port < 1 || port > 65535) return problem('port', `'${ports[i]}' is not a port (1-65535)`);
    out.push({ host: hosts[i], port });
  }
  return out;
}

/** Splits `host:port` (or `[v6]:port`). */
function splitAddress(address: string): { host: string; port: number } | undefined {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(address.trim());
  const port = m ? Number(m[2]) : NaN;
  return m && port >= 1 && port <= 65535 ? { host: m[1], port } : undefined;
}

function validate(meta: Infer<typeof schema>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const e = endpointsOf(meta);
  if (!Array.isArray(e)) problems.push(e);
  if ((meta.cert === undefined) !== (meta.key === undefined)) {
    problems.push(problem(meta.cert === undefined ? 'cert' : 'key', `the client certificate needs both 'cert' and 'key'`));
  }
  if (meta.enableTLS !== undefined && meta.tls !== undefined) {
    problems.push(problem('enableTLS', `set TLS either with metadata 'enableTLS' or authentication parameter 'tls', not both`));
  }
  return problems;
}

export function parse(input: ScalerInput): ParseResult<RedisMetadata> {
  const r = parseSchema(schema, input, validate);
  if (!r.ok) return r;
  const endpoints = endpointsOf(r.meta) as Endpoint[];
  const warnings = endpoints.length > 1 ? [...r.warnings, `${endpoints.length} addresses given: a standalone redis reads the first, ${endpoints[0].host}:${endpoints[0].port}`] : r.warnings;
  return { ok: true, meta: { ...r.meta, endpoint: endpoints[0], endpoints }, warnings };
}

export function source(meta: RedisMetadata): string {
  return `list '${meta.listName}' at ${meta.endpoint.host}:${meta.endpoint.port}${meta.databaseIndex ? ` db ${meta.databaseIndex}` : ''}`;
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
    tls: tls ? {
      rejectUnauthorized: !meta.unsafeSsl,
      // SNI carries host names only (an IP there is refused by TLS); the certificate is still checked against it.
      ...(isIP(meta.endpoint.host) ? {} : { servername: meta.endpoint.host }),
      ...(meta.ca ? { ca: meta.ca } : {}),
      ...(meta.cert ? { cert: meta.cert, key: meta.key, ...(meta.keyPassword ? { passphrase: meta.keyPassword } : {}) } : {}),
    } : undefined,
    lazyConnect: true,
    // Fail fast: no reconnect loop, no queued commands waiting for a connection.
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    connectTimeout: 5_000,
    commandTimeout: 10_000,
  };
}

export function create(meta: RedisMetadata, deps: Pick<ScalerDeps, 'clients'>, triggerName: string): Scaler {
  const ctx: ErrorContext = { trigger: triggerName, type: TYPE, secrets: [meta.password, meta.key, meta.keyPassword] };
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
    const tls = tlsError(ctx, cause, where, 'ca');
    if (tls) return tls;
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

export const redis: ScalerDefinition<RedisMetadata> = { type: TYPE, parse, target, source, create };
