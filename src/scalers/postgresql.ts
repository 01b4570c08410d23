// `postgresql`: the single numeric value a query returns. KEDA: pkg/scalers/postgresql_scaler.go
// (`QueryRowContext(query).Scan(&float64)`: NULL, no row or a non-number is an error).
import type pg from 'pg';
import type { FieldProblem, ParseResult, Scaler, ScalerDefinition, ScalerDeps, ScalerInput, TriggerTarget } from './types.js';
import { float, oneOf, parseSchema, problem, string, type Infer } from './schema.js';
import { abortable, networkError, scalerError, shownQuery, sqlValue, type ErrorContext } from './errors.js';
import type { ScalerError } from '../errors.js';

const TYPE = 'postgresql';
const SSLMODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
type SslMode = (typeof SSLMODES)[number];

export const schema = {
  query: string({}),
  targetQueryValue: float({ role: 'target' }),
  activationTargetQueryValue: float({ default: 0, role: 'activation' }),
  connection: string({ from: ['authParams', 'resolvedEnv'], optional: true, secret: true }),
  host: string({ from: ['authParams', 'triggerMetadata'], optional: true }),
  // libpq's multi-host form: host=h1,h2 with one port for all or one each.
  port: string({ from: ['authParams', 'triggerMetadata'], optional: true }),
  userName: string({ from: ['authParams', 'triggerMetadata'], optional: true }),
  dbName: string({ from: ['authParams', 'triggerMetadata'], optional: true }),
  sslmode: oneOf(SSLMODES, { from: ['authParams', 'triggerMetadata'], optional: true }),
  password: string({ from: ['authParams', 'resolvedEnv'], optional: true, secret: true }),
};

/** Where to connect, from `connection` or from the separate keys. */
export interface PgTarget {
  /** The first host (the one tried first). */
  host: string;
  port: number;
  /** Every host, in the order libpq tries them (host=h1,h2): the first that accepts a connection serves. */
  hosts: { host: string; port: number }[];
  user?: string;
  password?: string;
  database?: string;
  sslmode: SslMode;
}

export type PostgresqlMetadata = Infer<typeof schema> & { server: PgTarget };

/** Parses a libpq connection string: `key=value …` (values may be 'quoted') or a postgres:// URI. */
export function parseConnection(text: string): PgTarget | string {
  const kv: Record<string, string> = {};
  const s = text.trim();
  if (/^postgres(ql)?:\/\//i.test(s)) {
    // postgresql://u@h1:5432,h2:5433/db: WHATWG URLs take one host, so the list is read apart.
    const m = /^(postgres(?:ql)?:\/\/)((?:[^@/?#]*@)?)([^/?#]*)(.*)$/i.exec(s)!;
    const authorities = m[3].split(',');
    let url: URL;
    try {
      url = new URL(`${m[1]}${m[2]}${authorities[0]}${m[4]}`);
    } catch {
      return 'not a valid postgres:// URI';
    }
    if (authorities.length > 1) {
      const hostPorts = authorities.map((a) => /^\[?([^\]]*?)\]?(?::(\d*))?$/.exec(a));
      if (hostPorts.some((x) => !x)) return 'not a valid postgres:// URI';
      kv.host = hostPorts.map((x) => decodeURIComponent(x![1])).join(',');
      if (hostPorts.some((x) => x![2])) kv.port = hostPorts.map((x) => x![2] || '5432').join(',');
    } else if (url.hostname) kv.host = decodeURIComponent(url.hostname.replace(/^\[|\]$/g, ''));
    if (url.port && authorities.length === 1) kv.port = url.port;
    if (url.username) kv.user = decodeURIComponent(url.username);
    if (url.password) kv.password = decodeURIComponent(url.password);
    if (url.pathname.length > 1) kv.dbname = decodeURIComponent(url.pathname.slice(1));
    for (const [k, v] of url.searchParams) kv[k] = v;
  } else {
    const re = /\s*([A-Za-z_]+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|([^\s']*))/y;
    let m: RegExpExecArray | null;
    while (re.lastIndex < s.length && (m = re.exec(s)) !== null) {
      kv[m[1]] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3];
    }
    if (re.lastIndex < s.length) return 'not a valid key=value connection string';
  }
  const sslmode = (kv.sslmode ?? 'prefer') as SslMode;
  if (!SSLMODES.includes(sslmode)) return `its sslmode must be one of: ${SSLMODES.join(', ')}`;
  const hosts = pairHosts(kv.host ?? kv.hostaddr ?? 'localhost', kv.port);
  if (typeof hosts === 'string') return hosts;
  return { host: hosts[0].host, port: hosts[0].port, hosts, user: kv.user, password: kv.password, database: kv.dbname, sslmode };
}

/** libpq's pairing: hosts `h1,h2` with no port (5432), one port for all, or one port each. */
function pairHosts(host: string, port: string | undefined): PgTarget['hosts'] | string {
  const hosts = host.split(',').map((h) => h.trim());
  const ports = port === undefined || port.trim() === '' ? ['5432'] : port.split(',').map((p) => p.trim() || '5432');
  if (hosts.some((h) => h === '')) return 'its host list has an empty entry';
  if (ports.length !== 1 && ports.length !== hosts.length) return `could not match ${ports.length} port numbers to ${hosts.length} hosts`;
  const out: PgTarget['hosts'] = [];
  for (let i = 0; i < hosts.length; i++) {
    const p = ports.length === 1 ? ports[0] : ports[i];
    const n = Number(p);
    if (!/^\d{1,5}$/.test(p) || n < 1 || n > 65535) return `its port '${p}' is not a valid port number`;
    out.push({ host: hosts[i], port: n });
  }
  return out;
}

function validate(meta: Infer<typeof schema>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (meta.connection !== undefined) {
    const c = parseConnection(meta.connection);
    if (typeof c === 'string') problems.push(problem('connection', `'connection' is invalid: ${c}`));
  } else {
    for (const key of ['host', 'port', 'userName', 'dbName', 'sslmode'] as const) {
      if (meta[key] === undefined) problems.push(problem(key, `'${key}' is required when 'connection' is not set`));
    }
    if (meta.host !== undefined && meta.port !== undefined) {
      const h = pairHosts(meta.host, meta.port);
      if (typeof h === 'string') problems.push(problem('port', `'host' and 'port': ${h.replace(/^its /, '')}`));
    }
  }
  return problems;
}

export function parse(input: ScalerInput): ParseResult<PostgresqlMetadata> {
  const r = parseSchema(schema, input, validate);
  if (!r.ok) return r;
  const m = r.meta;
  const server: PgTarget =
    m.connection !== undefined
      ? (parseConnection(m.connection) as PgTarget)
      : (() => {
          const hosts = pairHosts(m.host!, m.port) as PgTarget['hosts'];
          return { host: hosts[0].host, port: hosts[0].port, hosts, user: m.userName, database: m.dbName, sslmode: m.sslmode! };
        })();
  if (m.password !== undefined) server.password = m.password;
  return { ok: true, meta: { ...m, server }, warnings: r.warnings };
}

export function source(meta: PostgresqlMetadata): string {
  const s = meta.server;
  return `query ${shownQuery(meta.query)} at ${s.hosts.map((h) => `${h.host}:${h.port}`).join(',')}${s.database ? `/${s.database}` : ''}`;
}

export function target(meta: PostgresqlMetadata): TriggerTarget {
  return { target: meta.targetQueryValue, activationTarget: meta.activationTargetQueryValue, unit: '' };
}

/** libpq's sslmode in node-pg terms. node-pg cannot fall back, so `prefer` means TLS without verification. */
function ssl(mode: SslMode, host: string): pg.ClientConfig['ssl'] {
  if (mode === 'disable' || mode === 'allow') return false;
  if (mode === 'prefer' || mode === 'require') return { rejectUnauthorized: false };
  if (mode === 'verify-ca') return { rejectUnauthorized: true, checkServerIdentity: () => undefined };
  return { rejectUnauthorized: true, servername: host };
}

/** The client surface the scaler needs, and what it is built from (PostgresqlClients). */
export type PoolLike = Pick<pg.Pool, 'connect' | 'end' | 'on'>;
export type PostgresqlClientConfig = pg.PoolConfig;

/** The client the scaler is created with (the registry's ScalerClients composes it). */
export interface PostgresqlClients {
  postgresql(config: PostgresqlClientConfig): PoolLike;
}

export function create(meta: PostgresqlMetadata, deps: Pick<ScalerDeps<PostgresqlClients>, 'clients'>, triggerName: string): Scaler {
  const s = meta.server;
  const ctx: ErrorContext = { trigger: triggerName, type: TYPE, secrets: [s.password, meta.connection] };
  const at = (h: { host: string; port: number }) => `${h.host}:${h.port}${s.database ? `/${s.database}` : ''}`;
  // One pool per host, made when that host is first tried (libpq tries them in order).
  const pools = new Map<number, PoolLike>();
  const poolFor = (i: number): PoolLike => {
    let pool = pools.get(i);
    if (!pool) {
      const h = s.hosts[i];
      pool = deps.clients.postgresql({
        host: h.host,
        port: h.port,
        user: s.user,
        password: s.password,
        database: s.database,
        ssl: ssl(s.sslmode, h.host),
        max: 1,
        idleTimeoutMillis: 60_000,
        connectionTimeoutMillis: 10_000,
        query_timeout: 30_000,
        application_name: 'gitscale',
      });
      pool.on('error', () => undefined); // an idle connection dropping must not crash the process
      pools.set(i, pool);
    }
    return pool;
  };

  const classify = (e: unknown, signal: AbortSignal, h: { host: string; port: number }) => {
    const where = at(h);
    const code = String((e as { code?: unknown })?.code ?? '');
    const text = (e as Error)?.message ?? String(e);
    if (code === '28P01' || code === '28000') {
      return scalerError(ctx, 'SCALER_AUTH_FAILED', `authentication failed at ${where}: ${text}`, 'password');
    }
    if (code === '3D000') return scalerError(ctx, 'SCALER_DATABASE_NOT_FOUND', `${text} at ${h.host}:${h.port}`, 'dbName');
    if (/^[0-9A-Z]{5}$/.test(code))
      return scalerError(ctx, 'SCALER_QUERY_FAILED', `query failed at ${where}: ${text} (SQLSTATE ${code})`, 'query');
    if (/timeout/i.test(text) && !signal.aborted) return scalerError(ctx, 'SCALER_TIMEOUT', `timed out at ${where}: ${text}`);
    return networkError(ctx, e, where, signal) ?? scalerError(ctx, 'SCALER_UNAVAILABLE', `reading ${where} failed: ${text}`);
  };
  /** Could the next host answer? Only when this one could not be reached at all (libpq moves on then). */
  const unreachable = (err: ScalerError) =>
    ['SCALER_CONNECTION_REFUSED', 'SCALER_HOST_NOT_FOUND', 'SCALER_UNAVAILABLE', 'SCALER_TIMEOUT'].includes(err.code);

  const once = async (i: number, signal: AbortSignal): Promise<unknown[] | undefined> => {
    let client: pg.PoolClient | undefined;
    try {
      const connecting = poolFor(i).connect();
      // If aborted while connecting, give the connection back once it arrives.
      connecting.then(
        (c) => signal.aborted && c.release(true),
        () => undefined,
      );
      client = await abortable(connecting, signal);
    } catch (e) {
      throw Object.assign(classify(e, signal, s.hosts[i]), { connecting: true });
    }
    try {
      const result = await abortable(client.query({ text: meta.query, rowMode: 'array' }), signal);
      client.release();
      return result.rows[0] as unknown[] | undefined;
    } catch (e) {
      client.release(true); // drop a connection whose state is unknown
      throw classify(e, signal, s.hosts[i]);
    }
  };

  return {
    async sample(signal) {
      let row: unknown[] | undefined;
      for (let i = 0; ; i++) {
        try {
          row = await once(i, signal);
          break;
        } catch (e) {
          const err = e as ScalerError & { connecting?: boolean };
          // The next host, as libpq does, when this one could not be connected to (never after a query ran).
          if (err.connecting && unreachable(err) && !signal.aborted && i + 1 < s.hosts.length) continue;
          if (s.hosts.length > 1 && err.connecting && unreachable(err)) {
            throw scalerError(
              ctx,
              err.code,
              `no host answered (${s.hosts.map((h) => `${h.host}:${h.port}`).join(', ')}); the last: ${err.message.replace(/^trigger '[^']*' \([^)]*\): /, '')}`,
            );
          }
          throw err;
        }
      }
      const value = sqlValue(ctx, row);
      return { value, active: value > meta.activationTargetQueryValue };
    },
    async close() {
      await Promise.all([...pools.values()].map((p) => p.end().catch(() => undefined)));
      pools.clear();
    },
  };
}

export const postgresql: ScalerDefinition<PostgresqlMetadata, PostgresqlClients> = { type: TYPE, parse, target, source, create };
