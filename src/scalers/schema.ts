// Typed metadata schemas for scalers (STYLE §2), after KEDA's `typed_config.go`: each field lists its
// sources in priority order, a default or `optional`, and a type with an optional range. `parseSchema`
// collects every problem as data; unknown metadata keys become warnings.
// Also home to the small error helpers every scaler shares (`scalerError`, `classifyNetworkError`).
import { ScalerError } from '../errors.js';
import type { FieldProblem, ParseResult, ScalerInput, Source } from './types.js';

type Decoded<T> = { ok: true; value: T } | { ok: false; message: string };

export interface Field<T> {
  readonly kind: 'int' | 'float' | 'bool' | 'string' | 'enum';
  /** Sources in priority order. `resolvedEnv` means `<key>FromEnv` names a variable in `input.env`. */
  readonly from: readonly Source[];
  /** Other spellings accepted for the key (e.g. `awsAccessKeyId`). */
  readonly aliases: readonly string[];
  readonly required: boolean;
  readonly default: T | undefined;
  /** Secret values are never echoed in messages. */
  readonly secret: boolean;
  readonly decode: (raw: string) => Decoded<T>;
  /** For docs: type, range, enum values. */
  readonly describe: string;
  /**
   * A number the engine uses as the trigger's target (must be > 0: the metric is divided by it) or
   * activation threshold (a warning below 0). `target()` reads only fields with a role (registry test).
   */
  readonly role?: Role;
}

export type Role = 'target' | 'activation';

// `Field<any>` so that a `Field<number | undefined>` is assignable (decode is contravariant-ish).
export type Schema = Record<string, Field<any>>;
export type Infer<S extends Schema> = { [K in keyof S]: S[K] extends Field<infer T> ? T : never };

interface Common {
  /** Default `['triggerMetadata']`. */
  from?: readonly Source[];
  aliases?: readonly string[];
  default?: unknown;
  optional?: boolean;
}
/** `default` or `optional: true` decide whether the inferred type admits `undefined`. */
type Made<T, O> = O extends { default: unknown } ? Field<T> : O extends { optional: true } ? Field<T | undefined> : Field<T>;

function make<T>(kind: Field<T>['kind'], o: Common & { secret?: boolean; role?: Role }, decode: (raw: string) => Decoded<T>, describe: string): Field<T> {
  return {
    role: o.role,
    kind,
    from: o.from ?? ['triggerMetadata'],
    aliases: o.aliases ?? [],
    required: o.default === undefined && o.optional !== true,
    default: o.default as T | undefined,
    secret: o.secret === true,
    decode,
    describe,
  };
}

const range = (n: number, min?: number, max?: number, role?: Role): string | undefined =>
  min !== undefined && n < min ? `must be >= ${min}`
  : max !== undefined && n > max ? `must be <= ${max}`
  : role === 'target' && n <= 0 ? 'must be > 0 (the target divides the metric, as KEDA and the HPA require)'
  : undefined;
const rangeText = (min?: number, max?: number, role?: Role): string =>
  role === 'target' && (min === undefined || min <= 0) ? ` > 0${max === undefined ? '' : `, <= ${max}`}`
  : min === undefined && max === undefined ? '' : ` in [${min ?? '-inf'}, ${max ?? 'inf'}]`;

const INT = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

type NumberOptions = Common & { default?: number; min?: number; max?: number; role?: Role };

export function int<const O extends NumberOptions>(o: O): Made<number, O> {
  return make<number>('int', o, (raw) => {
    if (!INT.test(raw)) return { ok: false, message: `${quote(raw)} is not an integer` };
    const n = Number(raw);
    if (!Number.isSafeInteger(n)) return { ok: false, message: `${quote(raw)} is out of range` };
    const bad = range(n, o.min, o.max, o.role);
    return bad ? { ok: false, message: `${n} ${bad}` } : { ok: true, value: n };
  }, `integer${rangeText(o.min, o.max, o.role)}`) as Made<number, O>;
}

export function float<const O extends NumberOptions>(o: O): Made<number, O> {
  return make<number>('float', o, (raw) => {
    if (!FLOAT.test(raw)) return { ok: false, message: `${quote(raw)} is not a number` };
    const n = Number(raw);
    if (!Number.isFinite(n)) return { ok: false, message: `${quote(raw)} is out of range` };
    const bad = range(n, o.min, o.max, o.role);
    return bad ? { ok: false, message: `${n} ${bad}` } : { ok: true, value: n };
  }, `number${rangeText(o.min, o.max, o.role)}`) as Made<number, O>;
}

// Go's strconv.ParseBool, which KEDA uses.
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

export function bool<const O extends Common & { default?: boolean }>(o: O): Made<boolean, O> {
  return make<boolean>('bool', o, (raw) =>
    TRUE.has(raw) ? { ok: true, value: true }
    : FALSE.has(raw) ? { ok: true, value: false }
    : { ok: false, message: `${quote(raw)} is not a boolean (true/false)` }, 'boolean') as Made<boolean, O>;
}

export function string<const O extends Common & { default?: string; secret?: boolean }>(o: O): Made<string, O> {
  return make<string>('string', o, (raw) => ({ ok: true, value: raw }), o.secret ? 'string (secret)' : 'string') as Made<string, O>;
}

export function oneOf<const V extends string, const O extends Common & { default?: V }>(values: readonly V[], o: O): Made<V, O> {
  return make<V>('enum', o, (raw) =>
    (values as readonly string[]).includes(raw)
      ? { ok: true, value: raw as V }
      : { ok: false, message: `${quote(raw)} must be one of: ${values.join(', ')}` }, `one of ${values.join(', ')}`) as Made<V, O>;
}

function quote(raw: string): string {
  return JSON.stringify(raw.length > 60 ? `${raw.slice(0, 60)}…` : raw);
}

const SOURCE_TEXT: Record<Source, string> = {
  triggerMetadata: 'trigger metadata',
  authParams: 'authentication parameters',
  resolvedEnv: 'an environment variable (<key>FromEnv)',
};

type Found = { value: string; where: string } | { value: undefined; notes: string[] };

/** Looks a key up in its sources, in order. Empty or whitespace-only values count as missing (KEDA). */
function lookup(key: string, field: Field<unknown>, input: ScalerInput): Found {
  const notes: string[] = [];
  const present = (v: string | undefined): v is string => v !== undefined && v.trim() !== '';
  for (const source of field.from) {
    for (const name of [key, ...field.aliases]) {
      if (source === 'triggerMetadata' && present(input.metadata[name])) return { value: input.metadata[name], where: `metadata '${name}'` };
      if (source === 'authParams' && present(input.authParams[name])) return { value: input.authParams[name], where: `authentication parameter '${name}'` };
      if (source === 'resolvedEnv') {
        const envName = input.metadata[`${name}FromEnv`]?.trim();
        if (!envName) continue;
        const v = input.env[envName];
        if (present(v)) return { value: v, where: `environment variable '${envName}' (from ${name}FromEnv)` };
        notes.push(`${name}FromEnv names environment variable '${envName}', which is not set or empty`);
      }
    }
  }
  return { value: undefined, notes };
}

/**
 * Parses `input` against `schema`, then runs `validate` on a complete result.
 * Every problem is returned, each naming its metadata key.
 */
export function parseSchema<S extends Schema>(
  schema: S,
  input: ScalerInput,
  validate?: (meta: Infer<S>) => FieldProblem[],
): ParseResult<Infer<S>> {
  const errors: FieldProblem[] = unsetEnv(input);
  const warnings: string[] = [];
  const meta: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(schema)) {
    const found = lookup(key, field, input);
    if (found.value === undefined) {
      // An unset `<key>FromEnv` variable is already reported, on that key.
      if (field.required && found.notes.length === 0) {
        const where = field.from.map((s) => SOURCE_TEXT[s]).join(', ');
        const notes = found.notes.length ? ` (${found.notes.join('; ')})` : '';
        errors.push({ field: key, message: `'${key}' is required; looked in ${where}${notes}` });
      }
      meta[key] = field.default;
      continue;
    }
    const raw = field.kind === 'string' ? found.value : found.value.trim();
    const decoded = field.decode(raw);
    if (decoded.ok) meta[key] = decoded.value;
    if (decoded.ok && field.role === 'activation' && (decoded.value as number) < 0) {
      warnings.push(`'${key}' is ${String(decoded.value)}: below 0 the trigger is active whenever its value is 0 or more (allowed, as in KEDA, for metrics that can go negative)`);
    }
    if (!decoded.ok) errors.push({ field: key, message: `'${key}' from ${found.where}: ${field.secret ? 'invalid value' : decoded.message}` });
  }
  if (errors.length === 0 && validate) errors.push(...validate(meta as Infer<S>));
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, meta: meta as Infer<S>, warnings: [...warnings, ...unknownKeys(schema, input.metadata), ...unknownAuthParams(schema, input.authParams)] };
}

/**
 * Every `<key>FromEnv` in the metadata must name a set, non-empty variable, whether or not the
 * scaler reads that key (a typo'd or unread key is warned about separately): an unset one is a
 * credential or address silently missing.
 */
function unsetEnv(input: ScalerInput): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const [key, raw] of Object.entries(input.metadata).sort(([a], [b]) => a.localeCompare(b))) {
    const name = raw.trim();
    if (!key.endsWith('FromEnv') || key === 'FromEnv' || name === '') continue;
    if ((input.env[name] ?? '').trim() === '') {
      out.push({ field: key, message: `'${key}' names environment variable '${name}', which is not set (or empty) in gitscale's environment`, code: 'TRIGGER_ENV_MISSING' });
    }
  }
  return out;
}

/** Warnings for metadata keys the schema does not read from trigger metadata. */
function unknownKeys(schema: Schema, metadata: Record<string, string>): string[] {
  const warnings: string[] = [];
  for (const key of Object.keys(metadata).sort()) {
    const direct = Object.entries(schema).find(([k, f]) => k === key || f.aliases.includes(key));
    if (direct) {
      const [k, f] = direct;
      if (!f.from.includes('triggerMetadata')) {
        warnings.push(`metadata '${key}' is ignored: '${k}' is read only from ${f.from.map((s) => SOURCE_TEXT[s]).join(', ')}`);
      }
      continue;
    }
    if (key.endsWith('FromEnv')) {
      const base = key.slice(0, -'FromEnv'.length);
      const entry = Object.entries(schema).find(([k, f]) => k === base || f.aliases.includes(base));
      if (entry?.[1].from.includes('resolvedEnv')) continue;
      if (entry) {
        warnings.push(`metadata '${key}' is ignored: '${entry[0]}' cannot be read from an environment variable`);
        continue;
      }
    }
    warnings.push(`unknown metadata key '${key}' is ignored`);
  }
  return warnings;
}

/** Warnings for authentication parameters (TriggerAuthentication `parameter:` names) not read from authParams; field: the parameter. */
function unknownAuthParams(schema: Schema, authParams: Record<string, string>): FieldProblem[] {
  const readable = Object.entries(schema).filter(([, f]) => f.from.includes('authParams')).map(([k]) => k);
  return Object.keys(authParams).sort().flatMap((key): FieldProblem[] => {
    const entry = Object.entries(schema).find(([k, f]) => k === key || f.aliases.includes(key));
    if (entry?.[1].from.includes('authParams')) return [];
    const message = entry
      ? `authentication parameter '${key}' is ignored: '${entry[0]}' is read only from ${entry[1].from.map((s) => SOURCE_TEXT[s]).join(', ')}`
      : `unknown authentication parameter '${key}' is ignored (read: ${readable.join(', ') || 'none'})`;
    return [{ field: key, code: 'TRIGGER_AUTH_PARAM_UNKNOWN', message }];
  });
}

/** KEDA's TLS material from a TriggerAuthentication (PEM text) and unsafeSsl, as the brokers' triggers take them. */
export const tlsMaterial = {
  ca: string({ from: ['authParams'], optional: true }),
  cert: string({ from: ['authParams'], optional: true }),
  key: string({ from: ['authParams'], optional: true, secret: true }),
  keyPassword: string({ from: ['authParams'], optional: true, secret: true }),
  unsafeSsl: bool({ default: false }),
};

/** Shorthand for a problem in `validate`. */
export function problem(field: string, message: string): FieldProblem {
  return { field, message };
}

// ---- Errors shared by the scalers ------------------------------------------------------------

/** Stable codes of the ScalerErrors raised while sampling. */
export type ScalerErrorCode =
  | 'SCALER_METADATA'
  | 'SCALER_CONNECTION_REFUSED'
  | 'SCALER_HOST_NOT_FOUND'
  | 'SCALER_TIMEOUT'
  | 'SCALER_ABORTED'
  | 'SCALER_AUTH_FAILED'
  | 'SCALER_NON_NUMERIC'
  | 'SCALER_VALUE_NOT_FOUND'
  | 'SCALER_QUEUE_NOT_FOUND'
  | 'SCALER_BUCKET_NOT_FOUND'
  | 'SCALER_DATABASE_NOT_FOUND'
  | 'SCALER_WRONG_TYPE'
  | 'SCALER_MISSING_ATTRIBUTE'
  | 'SCALER_HTTP_STATUS'
  | 'SCALER_INVALID_RESPONSE'
  | 'SCALER_QUERY_FAILED'
  | 'SCALER_TLS_FAILED'
  | 'SCALER_UNAVAILABLE';

export interface ErrorContext {
  trigger: string;
  type: string;
  /** Values that must never appear in a message (passwords, tokens, connection strings). */
  secrets: readonly (string | undefined)[];
}

/** Replaces every occurrence of a secret with `***`. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 3) out = out.split(s).join('***');
  return out;
}

/** A ScalerError whose message names the trigger and its type, with secrets redacted. */
export function scalerError(ctx: ErrorContext, code: ScalerErrorCode, message: string, field?: string): ScalerError {
  const data = field ? { trigger: ctx.trigger, field } : { trigger: ctx.trigger };
  return new ScalerError(code, redact(`trigger '${ctx.trigger}' (${ctx.type}): ${message}`, ctx.secrets), data);
}

interface SystemError { code: string; address?: unknown; port?: unknown; hostname?: unknown }

/** Walks `cause` chains and AggregateErrors looking for a Node system error (one with a code). */
function systemError(e: unknown, depth = 0): SystemError | undefined {
  if (!e || typeof e !== 'object' || depth > 5) return undefined;
  const code = (e as { code?: unknown }).code;
  const inner = [...((e as { errors?: unknown[] }).errors ?? []), (e as { cause?: unknown }).cause].map((x) => systemError(x, depth + 1)).find(Boolean);
  if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return inner?.code === code && inner.address !== undefined ? inner : (e as SystemError);
  return inner;
}

/** Walks `cause` chains and AggregateErrors looking for a Node system error code. */
export function systemCode(e: unknown): string | undefined {
  return systemError(e)?.code;
}

/** `ECONNREFUSED 127.0.0.1:6379`, `ENOTFOUND db.internal`: the code and the address it concerns. */
function systemText(s: SystemError): string {
  const at = typeof s.address === 'string' ? (s.port === undefined ? s.address : `${s.address}:${String(s.port)}`)
    : typeof s.hostname === 'string' ? s.hostname : '';
  return at ? `${s.code} ${at}` : s.code;
}

/** Node's TLS verification and handshake failures (the code on the error, or in its message). */
const TLS_CODE = /^(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|ERR_TLS_CERT_ALTNAME_INVALID|ERR_SSL_[A-Z_]+|ERR_OSSL_[A-Z_]+)$/;

/**
 * A TLS failure as a ScalerError naming `field` (where the CA or the certificate comes from), or
 * undefined; a client key that does not decrypt names keyPassword.
 */
export function tlsError(ctx: ErrorContext, e: unknown, where: string, field: string): ScalerError | undefined {
  const code = String((e as { code?: unknown })?.code ?? '');
  const text = (e as Error)?.message ?? String(e);
  if (!TLS_CODE.test(code) && !/certificate|SSL routines|tlsv1 alert|handshake/i.test(text)) return undefined;
  const badKey = code === 'ERR_OSSL_BAD_DECRYPT' || /bad decrypt/i.test(text);
  const what = badKey ? `the client key did not decrypt with keyPassword (${text})` : text;
  return scalerError(ctx, 'SCALER_TLS_FAILED', `TLS with ${where} failed: ${what}${code && !text.includes(code) ? ` (${code})` : ''}`, badKey ? 'keyPassword' : field);
}

/**
 * Maps transport failures shared by every client (refused, DNS, timeout, abort) to a ScalerError,
 * or returns undefined when `e` is something else. `where` names the address (already masked).
 */
export function networkError(ctx: ErrorContext, e: unknown, where: string, signal?: AbortSignal): ScalerError | undefined {
  if (signal?.aborted) {
    const timeout = (signal.reason as { name?: string } | undefined)?.name === 'TimeoutError';
    return timeout
      ? scalerError(ctx, 'SCALER_TIMEOUT', `timed out reading ${where}`)
      : scalerError(ctx, 'SCALER_ABORTED', `aborted while reading ${where}`);
  }
  const sys = systemError(e);
  const code = sys?.code;
  const detail = sys ? ` (${systemText(sys)})` : '';
  if (code === 'ECONNREFUSED') return scalerError(ctx, 'SCALER_CONNECTION_REFUSED', `connection refused at ${where}${detail}`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return scalerError(ctx, 'SCALER_HOST_NOT_FOUND', `host not found: ${where}${detail}`);
  if (code === 'ETIMEDOUT' || code === 'ECONNRESET' && /timeout/i.test(String(e))) {
    return scalerError(ctx, 'SCALER_TIMEOUT', `timed out connecting to ${where}${detail}`);
  }
  if (code && /^E(CONNRESET|PIPE|HOSTUNREACH|NETUNREACH|CONNABORTED)$/.test(code)) {
    return scalerError(ctx, 'SCALER_UNAVAILABLE', `${where} is unavailable${detail}`);
  }
  return undefined;
}

/** Rejects with the signal's reason as soon as it aborts; for clients that take no AbortSignal. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => { signal.removeEventListener('abort', onAbort); resolve(v); },
      (e) => { signal.removeEventListener('abort', onAbort); reject(e); },
    );
  });
}

/** A query as `plan` shows it: whitespace collapsed, at most 120 characters. */
export function shownQuery(query: string): string {
  const q = query.replace(/\s+/g, ' ').trim();
  return JSON.stringify(q.length > 120 ? `${q.slice(0, 119)}…` : q);
}

const NUMBER = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/**
 * The one value a SQL query returned (its first row's first column), as KEDA's
 * `QueryRow().Scan(&float64)` takes it: a number, a bigint, a numeric string (DECIMAL); no row,
 * NULL or anything else is an error naming the `query` field.
 */
export function sqlValue(ctx: ErrorContext, row: readonly unknown[] | undefined): number {
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
  return value;
}
