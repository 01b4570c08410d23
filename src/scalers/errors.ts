// The errors every scaler shares: ScalerError with a stable code, secrets redacted from messages,
// system, network and TLS failures told apart, and a SQL answer read as one number.
import { ScalerError, type ScalerCode } from '../errors.js';

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
export function scalerError(ctx: ErrorContext, code: ScalerCode, message: string, field?: string): ScalerError {
  const data = field ? { trigger: ctx.trigger, field } : { trigger: ctx.trigger };
  return new ScalerError(code, redact(`trigger '${ctx.trigger}' (${ctx.type}): ${message}`, ctx.secrets), data);
}

interface SystemError {
  code: string;
  address?: unknown;
  port?: unknown;
  hostname?: unknown;
}

/** Walks `cause` chains and AggregateErrors looking for a Node system error (one with a code). */
function systemError(e: unknown, depth = 0): SystemError | undefined {
  if (!e || typeof e !== 'object' || depth > 5) return undefined;
  const code = (e as { code?: unknown }).code;
  const inner = [...((e as { errors?: unknown[] }).errors ?? []), (e as { cause?: unknown }).cause]
    .map((x) => systemError(x, depth + 1))
    .find(Boolean);
  if (typeof code === 'string' && /^E[A-Z_]+$/.test(code))
    return inner?.code === code && inner.address !== undefined ? inner : (e as SystemError);
  return inner;
}

/** Walks `cause` chains and AggregateErrors looking for a Node system error code. */
export function systemCode(e: unknown): string | undefined {
  return systemError(e)?.code;
}

/** `ECONNREFUSED 127.0.0.1:6379`, `ENOTFOUND db.internal`: the code and the address it concerns. */
function systemText(s: SystemError): string {
  const at =
    typeof s.address === 'string'
      ? s.port === undefined
        ? s.address
        : `${s.address}:${String(s.port)}`
      : typeof s.hostname === 'string'
        ? s.hostname
        : '';
  return at ? `${s.code} ${at}` : s.code;
}

/** Node's TLS verification and handshake failures (the code on the error, or in its message). */
const TLS_CODE =
  /^(DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|ERR_TLS_CERT_ALTNAME_INVALID|ERR_SSL_[A-Z_]+|ERR_OSSL_[A-Z_]+)$/;

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
  return scalerError(
    ctx,
    'SCALER_TLS_FAILED',
    `TLS with ${where} failed: ${what}${code && !text.includes(code) ? ` (${code})` : ''}`,
    badKey ? 'keyPassword' : field,
  );
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
  if (code === 'ETIMEDOUT' || (code === 'ECONNRESET' && /timeout/i.test(String(e)))) {
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
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
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
