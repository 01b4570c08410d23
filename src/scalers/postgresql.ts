// `postgresql`: the single numeric value a query returns. KEDA: pkg/scalers/postgresql_scaler.go
// (`QueryRowContext(query).Scan(&float64)`: NULL, no row or a non-number is an error).
import type pg from 'pg';
import type { FieldProblem, ParseResult, Scaler, ScalerDefinition, ScalerDeps, ScalerInput, TriggerTarget } from './types.js';
import {
  abortable, float, int, networkError, oneOf, parseSchema, problem, scalerError, string,
  type ErrorContext, type Infer,
} from './schema.js';

const TYPE = 'postgresql';
const SSLMODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
type SslMode = (typeof SSLMODES)[number];

export const schema = {
  query: string({}),
  targetQueryValue: float({ role: 'target' }),
  activationTargetQueryValue: float({ default: 0, role: 'activation' }),
  connection: string({ from: ['authParams', 'resolvedEnv'], optional: true, secret: true }),
  host: string({ from: ['authParams', 'triggerMetadata'], optional: true }),
  port: int({ from: ['authParams', 'triggerMetadata'], optional: true, min: 1, max: 65535 }),
  userName: string({ from: ['authParams', 'triggerMetadata'], optional: true }),
  dbName: string({ from: ['authParams', 'triggerMetadata'], optional: true }),
  sslmode: oneOf(SSLMODES, { from: ['authParams', 'triggerMetadata'], optional: true }),
  password: string({ from: ['authParams', 'resolvedEnv'], optional: true, secret: true }),
};

/** Where to connect, from `connection` or from the separate keys. */
export interface PgTarget {
  host: string;
  port: number;
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
    let url: URL;
    try {
      url = new URL(s);
    } catch {
      return 'not a valid postgres:// URI';
    }
    if (url.hostname) kv.host = decodeURIComponent(url.hostname.replace(/^\[|\]$/g, ''));
    if (url.port) kv.port = url.port;
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
  const port = kv.port === undefined ? 5432 : Number(kv.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return 'its port is not a valid port number';
  const sslmode = (kv.sslmode ?? 'prefer') as SslMode;
  if (!SSLMODES.includes(sslmode)) return `its sslmode must be one of: ${SSLMODES.join(', ')}`;
  if (kv.host?.includes(',')) return 'several hosts are not supported';
  return {
    host: kv.host ?? kv.hostaddr ?? 'localhost', port, user: kv.user, password: kv.password, database: kv.dbname, sslmode,
  };
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
  }
  return problems;
}

export function parse(input: ScalerInput): ParseResult<PostgresqlMetadata> {
  const r = parseSchema(schema, input, validate);
  if (!r.ok) return r;
  const m = r.meta;
  const server: PgTarget = m.connection !== undefined
    ? (parseConnection(m.connection) as PgTarget)
    : { host: m.host!, port: m.port!, user: m.userName, database: m.dbName, sslmode: m.sslmode! };
  if (m.password !== undefined) server.password = m.password;
  return { ok: true, meta: { ...m, server }, warnings: r.warnings };
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

/** The client surface the scaler needs, and what it is built from (ScalerClients.postgresql). */
export type PoolLike = Pick<pg.Pool, 'connect' | 'end' | 'on'>;
export type PostgresqlClientConfig = pg.PoolConfig;

const NUMBER = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

export function create(meta: PostgresqlMetadata, deps: Pick<ScalerDeps, 'clients'>, triggerName: string): Scaler {
  const s = meta.server;
  const ctx: ErrorContext = { trigger: triggerName, type: TYPE, secrets: [s.password, meta.connection] };
  const where = `${s.host}:${s.port}${s.database ? `/${s.database}` : ''}`;
  const pool = deps.clients.postgresql({
    host: s.host, port: s.port, user: s.user, password: s.password, database: s.database,
    ssl: ssl(s.sslmode, s.host),
    max: 1,
    idleTimeoutMillis: 60_000,
    connectionTimeoutMillis: 10_000,
    query_timeout: 30_000,
    application_name: 'gitscale',
  });
  pool.on('error', () => undefined); // an idle connection dropping must not crash the process

  const classify = (e: unknown, signal: AbortSignal) => {
    const code = String((e as { code?: unknown })?.code ?? '');
    const text = (e as Error)?.message ?? String(e);
    if (code === '28P01' || code === '28000') {
      return scalerError(ctx, 'SCALER_AUTH_FAILED', `authentication failed at ${where}: ${text}`, 'password');
    }
    if (code === '3D000') return scalerError(ctx, 'SCALER_DATABASE_NOT_FOUND', `${text} at ${s.host}:${s.port}`, 'dbName');
    if (/^[0-9A-Z]{5}$/.test(code)) return scalerError(ctx, 'SCALER_QUERY_FAILED', `query failed at ${where}: ${text} (SQLSTATE ${code})`, 'query');
    if (/timeout/i.test(text) && !signal.aborted) return scalerError(ctx, 'SCALER_TIMEOUT', `timed out at ${where}: ${text}`);
    return networkError(ctx, e, where, signal) ?? scalerError(ctx, 'SCALER_UNAVAILABLE', `reading ${where} failed: ${text}`);
  };

  return {
    async sample(signal) {
      let row: unknown[] | undefined;
      let client: pg.PoolClient | undefined;
      try {
        const connecting = pool.connect();
        // If aborted while connecting, give the connection back once it arrives.
        connecting.then((c) => signal.aborted && c.release(true), () => undefined);
        client = await abortable(connecting, signal);
        const result = await abortable(client.query({ text: meta.query, rowMode: 'array' }), signal);
        row = result.rows[0] as unknown[] | undefined;
        client.release();
      } catch (e) {
        client?.release(true); // drop a connection whose state is unknown
        throw classify(e, signal);
      }
      if (row === undefined) throw scalerError(ctx, 'SCALER_NON_NUMERIC', 'query returned no rows', 'query');
      const cell = row[0];
      let value: number;
      if (typeof cell === 'number') value = cell;
      else if (typeof cell === 'bigint') value = Number(cell);
      else if (typeof cell === 'string' && NUMBER.test(cell)) value = Number(cell);
      else if (cell === null || cell === undefined) {
        throw scalerError(ctx, 'SCALER_NON_NUMERIC', 'query returned NULL; wrap it in COALESCE(…, 0)', 'query');
      } else {
        const shown = typeof cell === 'string' ? JSON.stringify(cell.length > 40 ? `${cell.slice(0, 40)}…` : cell) : typeof cell;
        throw scalerError(ctx, 'SCALER_NON_NUMERIC', `query returned ${shown}, not a number`, 'query');
      }
      if (!Number.isFinite(value)) throw scalerError(ctx, 'SCALER_NON_NUMERIC', `query returned ${value}, not a finite number`, 'query');
      return { value, active: value > meta.activationTargetQueryValue };
    },
    async close() {
      await pool.end().catch(() => undefined);
    },
  };
}

export const postgresql: ScalerDefinition<PostgresqlMetadata> = { type: TYPE, parse, target, create };
