// `mongodb`: the number of documents in a collection that match a filter. KEDA:
// pkg/scalers/mongo_scaler.go — `connectionString`, or scheme/host/port/username/password and
// dbName; `collection.CountDocuments(ctx, filter)` with the filter from `query` (Extended JSON,
// a non-empty document), a 10 s timeout; queryValue / activationQueryValue are numbers (float64).
// TLS from authParams as KEDA: `tls: enable` with a CA, a client certificate (cert + key, the key
// optionally encrypted with keyPassword) or both, PEM text; with `tls: disable` the material is unused.
import type { FieldProblem, ParseResult, Scaler, ScalerDefinition, ScalerDeps, ScalerInput, TriggerTarget } from './types.js';
import { float, oneOf, parseSchema, problem, string, tlsMaterial, type Infer } from './schema.js';
import { networkError, scalerError, shownQuery, tlsError, type ErrorContext } from './errors.js';

const TYPE = 'mongodb';
const AUTH_OR_META = ['authParams', 'triggerMetadata'] as const;

export const schema = {
  dbName: string({ from: AUTH_OR_META }),
  collection: string({}),
  query: string({}),
  queryValue: float({ role: 'target' }),
  activationQueryValue: float({ default: 0, role: 'activation' }),
  connectionString: string({ from: ['authParams', 'triggerMetadata', 'resolvedEnv'], optional: true, secret: true }),
  scheme: string({ from: AUTH_OR_META, default: 'mongodb' }),
  host: string({ from: AUTH_OR_META, optional: true }),
  port: string({ from: AUTH_OR_META, optional: true }),
  username: string({ from: AUTH_OR_META, optional: true }),
  password: string({ from: ['authParams', 'triggerMetadata', 'resolvedEnv'], optional: true, secret: true }),
  tls: oneOf(['enable', 'disable'], { from: ['authParams'], default: 'disable' }),
  // KEDA's mongodb has no unsafeSsl: the server certificate is always verified.
  ca: tlsMaterial.ca,
  cert: tlsMaterial.cert,
  key: tlsMaterial.key,
  keyPassword: tlsMaterial.keyPassword,
};

export type MongodbMetadata = Infer<typeof schema> & { uri: string };

function validate(meta: Infer<typeof schema>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  let filter: unknown;
  try {
    filter = JSON.parse(meta.query);
  } catch (e) {
    problems.push(problem('query', `'query' must be a JSON document (Extended JSON), e.g. {"status": "queued"}: ${(e as Error).message}`));
  }
  if (
    filter !== undefined &&
    (typeof filter !== 'object' || filter === null || Array.isArray(filter) || Object.keys(filter).length === 0)
  ) {
    problems.push(problem('query', `'query' must be a non-empty JSON document (KEDA refuses an empty one), e.g. {"status": "queued"}`));
  }
  if (meta.tls === 'enable') {
    // KEDA's Validate: some material, and a client certificate only as a pair.
    if (meta.ca === undefined && meta.cert === undefined && meta.key === undefined)
      problems.push(problem('tls', `'tls: enable' needs at least one of 'ca', 'cert' and 'key' (authParams)`));
    else if ((meta.cert === undefined) !== (meta.key === undefined))
      problems.push(
        problem(meta.cert === undefined ? 'cert' : 'key', `both 'cert' and 'key' must be provided when using a client certificate`),
      );
  }
  if (meta.connectionString !== undefined) {
    if (!/^mongodb(\+srv)?:\/\/\S+$/.test(meta.connectionString.trim()))
      problems.push(problem('connectionString', `'connectionString' must be a mongodb:// or mongodb+srv:// URI`));
    // KEDA's Go driver lets tls: enable override the URI; Node's driver refuses the mix at connect time.
    else if (meta.tls === 'enable' && /[?&](tls|ssl)=false(&|$)/i.test(meta.connectionString))
      problems.push(problem('tls', `'tls: enable' contradicts tls=false (or ssl=false) in the connection string; remove one`));
    return problems;
  }
  // KEDA's Validate, in its order, when there is no connection string.
  if (meta.host === undefined) problems.push(problem('host', `set 'connectionString', or 'host' with 'port', 'username' and 'password'`));
  else if (meta.username === undefined) problems.push(problem('username', `'username' is required with 'host'`));
  else if (meta.password === undefined) problems.push(problem('password', `'password' is required with 'host'`));
  else if (!meta.scheme.includes('mongodb+srv') && meta.port === undefined)
    problems.push(problem('port', `'port' is required with 'host' (except for scheme mongodb+srv)`));
  else if (meta.port !== undefined && (!/^\d{1,5}$/.test(meta.port) || Number(meta.port) < 1 || Number(meta.port) > 65535))
    problems.push(problem('port', `'${meta.port}' is not a port (1-65535)`));
  return problems;
}

/** KEDA's getConnectionString: the connection string, or scheme://user:password@host[:port]/dbName. */
function uriOf(m: Infer<typeof schema>): string {
  if (m.connectionString !== undefined) return m.connectionString.trim();
  const cred = `${encodeURIComponent(m.username!)}:${encodeURIComponent(m.password!)}`;
  const host = m.host!.includes(':') && !m.host!.startsWith('[') ? `[${m.host}]` : m.host!;
  return `${m.scheme}://${cred}@${host}${m.scheme === 'mongodb+srv' ? '' : `:${m.port}`}/${encodeURIComponent(m.dbName)}`;
}

export function parse(input: ScalerInput): ParseResult<MongodbMetadata> {
  const r = parseSchema(schema, input, validate);
  if (!r.ok) return r;
  const m = r.meta;
  const unused = m.tls === 'enable' ? [] : (['ca', 'cert', 'key', 'keyPassword'] as const).filter((k) => m[k] !== undefined);
  const warnings = unused.length
    ? [...r.warnings, `${unused.map((k) => `'${k}'`).join(', ')} unused: TLS material is used only with 'tls: enable' (as KEDA)`]
    : r.warnings;
  return { ok: true, meta: { ...m, uri: uriOf(m) }, warnings };
}

/** The server part of the URI, for messages: no user, no password, no options. */
function serverOf(uri: string): string {
  const m = /^mongodb(?:\+srv)?:\/\/(?:[^@/]*@)?([^/?]*)/.exec(uri);
  return m?.[1] || 'the server';
}

export function source(meta: MongodbMetadata): string {
  return `documents in ${meta.dbName}.${meta.collection} matching ${shownQuery(meta.query)} at ${serverOf(meta.uri)}`;
}

export function target(meta: MongodbMetadata): TriggerTarget {
  return { target: meta.queryValue, activationTarget: meta.activationQueryValue, unit: 'docs' };
}

/** What a MongoDB client is built from (MongodbClients). */
export interface MongodbClientConfig {
  uri: string;
  timeoutMs: number;
  /** With `tls: enable`: TLS on, whatever the URI says, with this material (PEM text). */
  tls?: { ca?: string; cert?: string; key?: string; passphrase?: string };
}

/** The client surface the scaler needs (docs/architecture.md §4): one countDocuments; `filter` is the Extended JSON text. */
export interface MongodbLike {
  countDocuments(db: string, collection: string, filter: string, signal: AbortSignal): Promise<number>;
  close(): Promise<void>;
}

/** The client the scaler is created with (the registry's ScalerClients composes it). */
export interface MongodbClients {
  mongodb(config: MongodbClientConfig): MongodbLike;
}

export function create(meta: MongodbMetadata, deps: Pick<ScalerDeps<MongodbClients>, 'clients'>, triggerName: string): Scaler {
  const ctx: ErrorContext = {
    trigger: triggerName,
    type: TYPE,
    secrets: [meta.password, meta.connectionString, encodeURIComponent(meta.password ?? ''), meta.key, meta.keyPassword],
  };
  const where = `${serverOf(meta.uri)}/${meta.dbName}.${meta.collection}`;
  const tls = meta.tls === 'enable' ? { ca: meta.ca, cert: meta.cert, key: meta.key, passphrase: meta.keyPassword } : undefined;
  const client = deps.clients.mongodb({ uri: meta.uri, timeoutMs: 10_000, ...(tls ? { tls } : {}) });

  const classify = (e: unknown, signal: AbortSignal) => {
    if (signal.aborted) return networkError(ctx, e, where, signal)!; // aborted or timed out, whatever the driver said
    const code = (e as { code?: unknown })?.code;
    const name = String((e as { name?: unknown })?.name ?? '');
    const text = (e as Error)?.message ?? String(e);
    if (code === 18 || code === 13 || /Authentication failed/i.test(text))
      return scalerError(ctx, 'SCALER_AUTH_FAILED', `authentication failed at ${serverOf(meta.uri)}: ${text}`, 'password');
    if (name === 'MongoParseError' || name === 'MongoAPIError')
      return scalerError(ctx, 'SCALER_METADATA', `the connection string is not usable: ${text}`, 'connectionString');
    if (name === 'MongoServerError' || (typeof code === 'number' && code > 0))
      return scalerError(
        ctx,
        'SCALER_QUERY_FAILED',
        `countDocuments on ${where} failed: ${text}${typeof code === 'number' ? ` (code ${code})` : ''}`,
        'query',
      );
    const net = networkError(ctx, e, where, signal);
    if (net) return net;
    // The driver wraps a failed handshake in a MongoServerSelectionError; its cause says why.
    const cause = (e as { cause?: unknown })?.cause;
    const badTls = tlsError(ctx, cause, where, 'ca') ?? tlsError(ctx, e, where, 'ca');
    if (badTls) return badTls;
    if (/ECONNREFUSED/.test(text)) return scalerError(ctx, 'SCALER_CONNECTION_REFUSED', `connection refused at ${where} (${text})`);
    if (/ENOTFOUND|EAI_AGAIN/.test(text)) return scalerError(ctx, 'SCALER_HOST_NOT_FOUND', `host not found: ${where} (${text})`);
    if (name === 'MongoServerSelectionError' || /timed out|timeout/i.test(text))
      return scalerError(ctx, 'SCALER_TIMEOUT', `no answer from ${where}: ${text}`);
    return scalerError(ctx, 'SCALER_UNAVAILABLE', `reading ${where} failed: ${name ? `${name}: ` : ''}${text}`);
  };

  return {
    async sample(signal) {
      let value: number;
      try {
        value = await client.countDocuments(meta.dbName, meta.collection, meta.query, signal);
      } catch (e) {
        throw classify(e, signal);
      }
      return { value, active: value > meta.activationQueryValue };
    },
    async close() {
      await client.close().catch(() => undefined);
    },
  };
}

export const mongodb: ScalerDefinition<MongodbMetadata, MongodbClients> = { type: TYPE, parse, target, source, create };
