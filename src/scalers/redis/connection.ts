// How the redis family (lists and streams) reaches Redis, after KEDA's redisConnectionInfo
// (pkg/scalers/redis_scaler.go): one address (standalone), every cluster node (redis-cluster), or
// the sentinels and the master they name (redis-sentinel); credentials, TLS material and
// databaseIndex; one connection kept across samples, dropped after a failure; every failure a
// ScalerError naming the trigger.
import { isIP } from 'node:net';
import type { ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { ScalerError, type ScalerCode } from '../../errors.js';
import type { FieldProblem, ScalerDeps } from '../types.js';
import { bool, int, oneOf, problem, string, type Infer } from '../schema.js';
import { abortable, networkError, scalerError, tlsError, type ErrorContext } from '../errors.js';

export type Topology = 'standalone' | 'cluster' | 'sentinel';

const CONN = ['triggerMetadata', 'authParams', 'resolvedEnv'] as const;
const CRED = ['triggerMetadata', 'resolvedEnv', 'authParams'] as const;

export const connectionSchema = {
  // KEDA's shared parser takes each of these singular or plural, comma-separated.
  address: string({ from: CONN, optional: true, aliases: ['addresses'] }),
  host: string({ from: CRED, optional: true, aliases: ['hosts'] }),
  port: string({ from: CRED, optional: true, aliases: ['ports'] }),
  username: string({ from: CRED, optional: true }),
  password: string({ from: CRED, optional: true, secret: true }),
  sentinelUsername: string({ from: CONN, optional: true }),
  sentinelPassword: string({ from: CONN, optional: true, secret: true }),
  sentinelMaster: string({ from: CONN, optional: true }),
  databaseIndex: int({ default: 0, min: 0 }),
  enableTLS: bool({ optional: true }),
  tls: oneOf(['enable', 'disable'], { from: ['authParams'], optional: true }),
  unsafeSsl: bool({ default: false }),
  // TLS material from a TriggerAuthentication, PEM text (KEDA: ca, cert, key, keyPassword).
  ca: string({ from: ['authParams'], optional: true }),
  cert: string({ from: ['authParams'], optional: true, aliases: ['Cert'] }),
  key: string({ from: ['authParams'], optional: true, secret: true }),
  keyPassword: string({ from: ['authParams'], optional: true, secret: true }),
};

export type ConnectionMetadata = Infer<typeof connectionSchema>;
export type Endpoint = { host: string; port: number };

const list = (v: string | undefined): string[] =>
  v === undefined
    ? []
    : v
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);

/** Splits `host:port` (or `[v6]:port`). */
function splitAddress(address: string): Endpoint | undefined {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(address.trim());
  const port = m ? Number(m[2]) : NaN;
  return m && port >= 1 && port <= 65535 ? { host: m[1], port } : undefined;
}

/** Every address, from `address(es)`, or `host(s)` paired with `port(s)`; a problem says what is wrong. */
export function endpointsOf(meta: ConnectionMetadata): Endpoint[] | FieldProblem {
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
  if (hosts.length !== ports.length)
    return problem('port', `${hosts.length} host(s) but ${ports.length} port(s): each host needs its port`);
  const out: Endpoint[] = [];
  for (let i = 0; i < hosts.length; i++) {
    const port = Number(ports[i]);
    if (!/^\d{1,5}$/.test(ports[i]) || port < 1 || port > 65535) return problem('port', `'${ports[i]}' is not a port (1-65535)`);
    out.push({ host: hosts[i], port });
  }
  return out;
}

export function validateConnection(meta: ConnectionMetadata, topology: Topology): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const e = endpointsOf(meta);
  if (!Array.isArray(e)) problems.push(e);
  if ((meta.cert === undefined) !== (meta.key === undefined)) {
    problems.push(problem(meta.cert === undefined ? 'cert' : 'key', `the client certificate needs both 'cert' and 'key'`));
  }
  if (meta.enableTLS !== undefined && meta.tls !== undefined) {
    problems.push(problem('enableTLS', `set TLS either with metadata 'enableTLS' or authentication parameter 'tls', not both`));
  }
  if (topology === 'sentinel' && !meta.sentinelMaster)
    problems.push(problem('sentinelMaster', `'sentinelMaster' is required: the name the sentinels monitor the master under`));
  return problems;
}

/** A warning when a standalone Redis is given several addresses (it reads the first). */
export function connectionWarnings(meta: ConnectionMetadata, topology: Topology): string[] {
  const e = endpointsOf(meta) as Endpoint[];
  return topology === 'standalone' && e.length > 1
    ? [`${e.length} addresses given: a standalone redis reads the first, ${e[0].host}:${e[0].port}`]
    : [];
}

/** Where a message may say the trigger reads from (no secret). */
export function shownWhere(meta: ConnectionMetadata, topology: Topology): string {
  const e = endpointsOf(meta) as Endpoint[];
  const at = (x: Endpoint) => `${x.host}:${x.port}`;
  if (topology === 'cluster') return `cluster ${e.map(at).join(',')}`;
  if (topology === 'sentinel') return `master '${meta.sentinelMaster}' via sentinel ${e.map(at).join(',')}`;
  return `${at(e[0])}${meta.databaseIndex ? ` db ${meta.databaseIndex}` : ''}`;
}

/** The client surface the family needs; a standalone, sentinel-managed or cluster client (RedisClients). */
export type RedisLike = Pick<Redis, 'connect' | 'eval' | 'xlen' | 'xpending' | 'xinfo' | 'info' | 'quit' | 'disconnect'> & {
  readonly status: string;
  on(event: 'error', listener: (e: unknown) => void): unknown;
};
export type RedisClientSpec =
  { topology: 'standalone' | 'sentinel'; options: RedisOptions } | { topology: 'cluster'; nodes: Endpoint[]; options: ClusterOptions };

/** The client the family's scalers are created with (the registry's ScalerClients composes it). */
export interface RedisClients {
  /** A standalone client, one that finds the master through sentinels, or a cluster client. */
  redis(spec: RedisClientSpec): RedisLike;
}

const FAIL_FAST = {
  lazyConnect: true,
  retryStrategy: () => null,
  maxRetriesPerRequest: 0,
  connectTimeout: 5_000,
  commandTimeout: 10_000,
} satisfies RedisOptions;

export function clientSpec(meta: ConnectionMetadata, topology: Topology): RedisClientSpec {
  const endpoints = endpointsOf(meta) as Endpoint[];
  const useTls = meta.enableTLS === true || meta.tls === 'enable';
  const tls = (host: string) =>
    useTls
      ? {
          rejectUnauthorized: !meta.unsafeSsl,
          // SNI carries host names only (an IP there is refused by TLS); the certificate is still checked against it.
          ...(isIP(host) ? {} : { servername: host }),
          ...(meta.ca ? { ca: meta.ca } : {}),
          ...(meta.cert ? { cert: meta.cert, key: meta.key, ...(meta.keyPassword ? { passphrase: meta.keyPassword } : {}) } : {}),
        }
      : undefined;
  const auth = { username: meta.username, password: meta.password };
  if (topology === 'cluster') {
    return {
      topology,
      nodes: endpoints,
      options: {
        lazyConnect: true,
        clusterRetryStrategy: () => null,
        enableOfflineQueue: false,
        redisOptions: { ...auth, tls: tls(endpoints[0].host), connectTimeout: 5_000, commandTimeout: 10_000, maxRetriesPerRequest: 0 },
      },
    };
  }
  if (topology === 'sentinel') {
    return {
      topology,
      options: {
        ...FAIL_FAST,
        ...auth,
        db: meta.databaseIndex,
        sentinels: endpoints,
        name: meta.sentinelMaster,
        role: 'master',
        sentinelUsername: meta.sentinelUsername,
        sentinelPassword: meta.sentinelPassword,
        sentinelRetryStrategy: () => null,
        tls: tls(endpoints[0].host),
        ...(useTls ? { enableTLSForSentinelMode: true, sentinelTLS: tls(endpoints[0].host) } : {}),
      },
    };
  }
  return {
    topology,
    options: {
      ...FAIL_FAST,
      ...auth,
      host: endpoints[0].host,
      port: endpoints[0].port,
      db: meta.databaseIndex,
      tls: tls(endpoints[0].host),
    },
  };
}

export interface RedisSession {
  /** Runs `fn` on the (re)connected client; a failure drops the connection and becomes a ScalerError. */
  use<T>(signal: AbortSignal, what: string, fn: (c: RedisLike) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function redisSession(
  meta: ConnectionMetadata,
  topology: Topology,
  deps: Pick<ScalerDeps<RedisClients>, 'clients'>,
  ctx: ErrorContext,
): RedisSession {
  const where = shownWhere(meta, topology);
  // The last error the client emitted: ioredis rejects with a bare "Connection is closed." otherwise.
  let lastError: unknown;
  let client: RedisLike | undefined;
  const connected = async (signal: AbortSignal): Promise<RedisLike> => {
    if (client?.status === 'ready') return client;
    client?.disconnect();
    const c = deps.clients.redis(clientSpec(meta, topology));
    c.on('error', (e: unknown) => {
      lastError = e;
    });
    client = c;
    await abortable(c.connect(), signal);
    return c;
  };
  const classify = (e: unknown, signal: AbortSignal, what: string) => {
    // ioredis's cluster client hides why its nodes failed ("Connection is closed." on each).
    if (/None of startup nodes is available|Failed to refresh slots cache/.test(String((e as Error)?.message))) {
      return scalerError(ctx, 'SCALER_UNAVAILABLE', `no node of ${where} answered (refused, closed or not a cluster)`, 'address');
    }
    const cause = /Connection is closed|All sentinels are unreachable/.test(String((e as Error)?.message)) && lastError ? lastError : e;
    const text = String((cause as Error)?.message ?? cause);
    if (/^(WRONGPASS|NOAUTH)|invalid password|invalid username-password/i.test(text)) {
      return scalerError(ctx, 'SCALER_AUTH_FAILED', `authentication failed at ${where}: ${text}`, 'password');
    }
    if (/Command timed out/i.test(text)) return scalerError(ctx, 'SCALER_TIMEOUT', `command timed out at ${where}`);
    const code: ScalerCode | undefined = /^NOGROUP/.test(text)
      ? 'SCALER_VALUE_NOT_FOUND'
      : /^WRONGTYPE/.test(text)
        ? 'SCALER_WRONG_TYPE'
        : undefined;
    if (code) return scalerError(ctx, code, `${what} at ${where}: ${text}`);
    return (
      tlsError(ctx, cause, where, 'ca') ??
      networkError(ctx, cause, where, signal) ??
      scalerError(ctx, 'SCALER_UNAVAILABLE', `${what} at ${where} failed: ${text}`)
    );
  };
  return {
    async use(signal, what, fn) {
      try {
        lastError = undefined;
        return await abortable(fn(await connected(signal)), signal);
      } catch (e) {
        if (e instanceof ScalerError) throw e; // the caller's own finding about the answer
        const err = classify(e, signal, what);
        // A Redis error reply (NOGROUP, WRONGTYPE) leaves the connection sound.
        if (err.code !== 'SCALER_VALUE_NOT_FOUND' && err.code !== 'SCALER_WRONG_TYPE') {
          client?.disconnect();
          client = undefined;
        }
        throw err;
      }
    },
    async close() {
      const c = client;
      client = undefined;
      if (c?.status === 'ready') await c.quit().catch(() => c.disconnect());
      else c?.disconnect();
    },
  };
}
