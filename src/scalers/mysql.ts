// `mysql`: the single numeric value a query returns (MySQL or MariaDB). KEDA:
// pkg/scalers/mysql_scaler.go — `connectionString` (a Go driver DSN, `user:pass@tcp(host:3306)/db`)
// or host/port/username/password/dbName, `QueryRowContext(query).Scan(&float64)`. gitscale runs the
// query in a read-only transaction, so a trigger can never write to the database it watches.
import type { FieldProblem, ParseResult, Scaler, ScalerDefinition, ScalerDeps, ScalerInput, TriggerTarget } from './types.js';
import { float, int, parseSchema, problem, string, type Infer } from './schema.js';
import { networkError, scalerError, shownQuery, sqlValue, type ErrorContext } from './errors.js';

const TYPE = 'mysql';

export const schema = {
  query: string({}),
  queryValue: float({ role: 'target' }),
  activationQueryValue: float({ default: 0, role: 'activation' }),
  connectionString: string({ from: ['authParams', 'resolvedEnv'], optional: true, secret: true }),
  username: string({ from: ['triggerMetadata', 'authParams', 'resolvedEnv'], optional: true }),
  password: string({ from: ['authParams', 'resolvedEnv'], optional: true, secret: true }),
  host: string({ from: ['triggerMetadata', 'authParams'], optional: true }),
  port: int({ from: ['triggerMetadata', 'authParams'], optional: true, min: 1, max: 65535 }),
  dbName: string({ from: ['triggerMetadata', 'authParams'], optional: true }),
};

/** The Go driver's `tls` DSN parameter: true (verified), skip-verify / preferred (unverified), false. */
export type MysqlTls = 'true' | 'skip-verify' | 'preferred' | 'false';

/** Where to connect, from `connectionString` or from the separate keys. */
export interface MysqlTarget {
  host: string;
  port: number;
  /** A unix socket (`unix(/path)` in a DSN) instead of host and port. */
  socketPath?: string;
  user?: string;
  password?: string;
  database?: string;
  tls: MysqlTls;
  /** The DSN's `timeout` (dial), in ms. */
  connectTimeoutMs?: number;
}

export type MysqlMetadata = Infer<typeof schema> & { server: MysqlTarget };

const TLS_VALUES: readonly string[] = ['true', 'skip-verify', 'preferred', 'false'];

/** A Go duration as the DSN's `timeout` takes it (`5s`, `500ms`, `1m30s`), in ms; undefined when not one. */
function goDuration(text: string): number | undefined {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let ms = 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;
  let m: RegExpExecArray | null;
  while (re.lastIndex < text.length && (m = re.exec(text)) !== null) ms += Number(m[1]) * units[m[2]];
  return re.lastIndex === text.length && text.length > 0 ? ms : undefined;
}

/**
 * Parses a Go MySQL driver DSN: `[user[:password]@][net[(address)]]/dbname[?param=value&…]`. The
 * password may hold `@` and `:` (the last `@` before the last `/` ends it, as the driver reads it).
 * Returns what is wrong, in words, when it is not one; `warnings` gets the parameters gitscale ignores.
 */
export function parseDsn(dsn: string, warnings: string[] = []): MysqlTarget | string {
  const slash = dsn.lastIndexOf('/');
  if (slash < 0) return "it has no '/dbname' part (the form is user:password@tcp(host:3306)/dbname)";
  const head = dsn.slice(0, slash);
  const tail = dsn.slice(slash + 1);
  const at = head.lastIndexOf('@');
  const cred = at >= 0 ? head.slice(0, at) : '';
  const addr = at >= 0 ? head.slice(at + 1) : head;
  const colon = cred.indexOf(':');
  const user = at >= 0 ? (colon >= 0 ? cred.slice(0, colon) : cred) : undefined;
  const password = colon >= 0 ? cred.slice(colon + 1) : undefined;
  const m = /^(\w*)(?:\((.*)\))?$/.exec(addr);
  if (!m) return `its address '${addr}' is not net(address), e.g. tcp(db:3306)`;
  const net = m[1] || 'tcp';
  const q = tail.indexOf('?');
  const database = decodeURIComponent(q >= 0 ? tail.slice(0, q) : tail) || undefined;
  const params = new URLSearchParams(q >= 0 ? tail.slice(q + 1) : '');
  const out: MysqlTarget = { host: '127.0.0.1', port: 3306, user: user || undefined, password, database, tls: 'false' };
  if (net === 'unix') out.socketPath = m[2] || '/tmp/mysql.sock';
  else if (net === 'tcp' || net === 'tcp6') {
    const a = m[2] ?? '';
    const hp = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(a);
    if (a && !hp) return `its address '${a}' is not host:port`;
    if (hp?.[1]) out.host = hp[1];
    if (hp?.[2]) out.port = Number(hp[2]);
    if (!Number.isInteger(out.port) || out.port < 1 || out.port > 65535) return 'its port is not a valid port number';
  } else return `its network '${net}' is not supported (tcp or unix)`;
  for (const [k, v] of params) {
    if (k === 'tls') {
      if (!TLS_VALUES.includes(v))
        return `its tls=${v} is not supported (true, skip-verify, preferred or false; custom TLS configs are Go-only)`;
      out.tls = v as MysqlTls;
    } else if (k === 'timeout') {
      const ms = goDuration(v);
      if (ms === undefined) return `its timeout=${v} is not a duration like 5s`;
      out.connectTimeoutMs = ms;
    } else warnings.push(`connectionString parameter '${k}' is ignored`);
  }
  return out;
}

function validate(meta: Infer<typeof schema>, warnings: string[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (meta.connectionString !== undefined) {
    const c = parseDsn(meta.connectionString, warnings);
    if (typeof c === 'string') problems.push(problem('connectionString', `'connectionString' is invalid: ${c}`));
  } else if (meta.host === undefined) {
    problems.push(
      problem(
        'host',
        "set 'connectionString' (a Go DSN, from a TriggerAuthentication or connectionStringFromEnv), or 'host' with 'port', 'username' and 'dbName'",
      ),
    );
  }
  return problems;
}

export function parse(input: ScalerInput): ParseResult<MysqlMetadata> {
  const dsnWarnings: string[] = [];
  const r = parseSchema(schema, input, (m) => validate(m, dsnWarnings));
  if (!r.ok) return r;
  const m = r.meta;
  const server: MysqlTarget =
    m.connectionString !== undefined
      ? (parseDsn(m.connectionString) as MysqlTarget)
      : { host: m.host!, port: m.port ?? 3306, user: m.username, password: m.password, database: m.dbName, tls: 'false' };
  return { ok: true, meta: { ...m, server }, warnings: [...r.warnings, ...dsnWarnings] };
}

const whereOf = (s: MysqlTarget) => `${s.socketPath ?? `${s.host}:${s.port}`}${s.database ? `/${s.database}` : ''}`;

export function source(meta: MysqlMetadata): string {
  return `query ${shownQuery(meta.query)} at ${whereOf(meta.server)}${meta.server.tls !== 'false' ? ` (tls=${meta.server.tls})` : ''}`;
}

export function target(meta: MysqlMetadata): TriggerTarget {
  return { target: meta.queryValue, activationTarget: meta.activationQueryValue, unit: '' };
}

/** What a MySQL client is built from (MysqlClients): the target, with TLS and timeouts settled. */
export interface MysqlClientConfig extends Omit<MysqlTarget, 'tls' | 'connectTimeoutMs'> {
  /** undefined: no TLS. */
  ssl?: { rejectUnauthorized: boolean; servername?: string };
  connectTimeoutMs: number;
  queryTimeoutMs: number;
}

/** The client surface the scaler needs (docs/architecture.md §4): one query in a read-only transaction. */
export interface MysqlLike {
  /** The first row of `sql` (as an array) run inside START TRANSACTION READ ONLY … ROLLBACK; undefined: no row. Aborting drops the connection. */
  readOnlyRow(sql: string, signal: AbortSignal): Promise<unknown[] | undefined>;
  close(): Promise<void>;
}

/** The client the scaler is created with (the registry's ScalerClients composes it). */
export interface MysqlClients {
  mysql(config: MysqlClientConfig): MysqlLike;
}

export function clientConfig(s: MysqlTarget): MysqlClientConfig {
  const { tls: _tls, connectTimeoutMs: _ms, ...where } = s;
  return {
    ...where,
    ssl: s.tls === 'false' ? undefined : { rejectUnauthorized: s.tls === 'true', servername: s.host },
    connectTimeoutMs: s.connectTimeoutMs ?? 10_000,
    queryTimeoutMs: 30_000,
  };
}

export function create(meta: MysqlMetadata, deps: Pick<ScalerDeps<MysqlClients>, 'clients'>, triggerName: string): Scaler {
  const s = meta.server;
  const ctx: ErrorContext = { trigger: triggerName, type: TYPE, secrets: [s.password, meta.connectionString] };
  const where = whereOf(s);
  const client = deps.clients.mysql(clientConfig(s));

  const classify = (e: unknown, signal: AbortSignal) => {
    const code = String((e as { code?: unknown })?.code ?? '');
    const text = (e as Error)?.message ?? String(e);
    if (code === 'ER_ACCESS_DENIED_ERROR' || code === 'ER_DBACCESS_DENIED_ERROR' || code === 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR') {
      return scalerError(ctx, 'SCALER_AUTH_FAILED', `authentication failed at ${where}: ${text}`, 'password');
    }
    if (code === 'ER_BAD_DB_ERROR')
      return scalerError(ctx, 'SCALER_DATABASE_NOT_FOUND', `${text} at ${s.socketPath ?? `${s.host}:${s.port}`}`, 'dbName');
    if (code === 'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION') {
      return scalerError(
        ctx,
        'SCALER_QUERY_FAILED',
        `the query tried to write at ${where}: gitscale runs it in a read-only transaction (${text})`,
        'query',
      );
    }
    if (/^ER_/.test(code)) return scalerError(ctx, 'SCALER_QUERY_FAILED', `query failed at ${where}: ${text} (${code})`, 'query');
    if (/timeout/i.test(text) && !signal.aborted) return scalerError(ctx, 'SCALER_TIMEOUT', `timed out at ${where}: ${text}`);
    return networkError(ctx, e, where, signal) ?? scalerError(ctx, 'SCALER_UNAVAILABLE', `reading ${where} failed: ${text}`);
  };

  return {
    async sample(signal) {
      let row: unknown[] | undefined;
      try {
        row = await client.readOnlyRow(meta.query, signal);
      } catch (e) {
        throw classify(e, signal);
      }
      const value = sqlValue(ctx, row);
      return { value, active: value > meta.activationQueryValue };
    },
    async close() {
      await client.close().catch(() => undefined);
    },
  };
}

export const mysql: ScalerDefinition<MysqlMetadata, MysqlClients> = { type: TYPE, parse, target, source, create };
