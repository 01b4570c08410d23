// `metrics-api`: a number at `valueLocation` in the JSON an HTTP endpoint returns.
// KEDA: pkg/scalers/metrics_api_scaler.go (GJSON path; strings parsed as Kubernetes quantities).
import { readCapped } from '../http-body.js';
import { httpUrl } from './http/get.js';
import { errorMessage } from '../errors.js';
import type { FieldProblem, ParseResult, Scaler, ScalerDefinition, ScalerDeps, ScalerInput, TriggerTarget } from './types.js';
import {
  bool, float, int, networkError, oneOf, parseSchema, problem, scalerError, string, type ErrorContext, type Infer,
} from './schema.js';

const TYPE = 'metrics-api';
const AUTH = ['triggerMetadata', 'authParams'] as const;

export const schema = {
  url: string({}),
  valueLocation: string({}),
  targetValue: float({ role: 'target' }),
  activationTargetValue: float({ default: 0, role: 'activation' }),
  format: oneOf(['json', 'xml', 'yaml', 'prometheus'], { default: 'json' }),
  unsafeSsl: bool({ default: false }),
  /** Per-request timeout in milliseconds. */
  timeout: int({ optional: true, min: 1 }),
  authMode: oneOf(['apiKey', 'basic', 'bearer', 'tls', 'custom', 'oauth'], { from: AUTH, optional: true }),
  method: oneOf(['header', 'query'], { from: AUTH, default: 'header' }),
  keyParamName: string({ from: AUTH, optional: true }),
  apiKey: string({ from: ['authParams'], optional: true, secret: true }),
  token: string({ from: ['authParams'], optional: true, secret: true }),
  username: string({ from: ['authParams'], optional: true }),
  password: string({ from: ['authParams'], optional: true, secret: true }),
};

export type MetricsApiMetadata = Infer<typeof schema>;

function validate(meta: MetricsApiMetadata): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!httpUrl(meta.url)) problems.push(problem('url', `'url' must be an http(s) URL`));
  if (meta.format !== 'json') problems.push(problem('format', `format '${meta.format}' is not supported yet; only 'json' is`));
  if (meta.unsafeSsl) problems.push(problem('unsafeSsl', `'unsafeSsl' is not supported yet`));
  const need = (key: 'apiKey' | 'token' | 'username', mode: string): void => {
    if (meta[key] === undefined) problems.push(problem(key, `authMode '${mode}' needs authentication parameter '${key}'`));
  };
  if (meta.authMode === 'apiKey') need('apiKey', 'apiKey');
  else if (meta.authMode === 'bearer') need('token', 'bearer');
  else if (meta.authMode === 'basic') need('username', 'basic');
  else if (meta.authMode !== undefined) problems.push(problem('authMode', `authMode '${meta.authMode}' is not supported yet; use apiKey, basic or bearer`));
  if (!parsePath(meta.valueLocation)) problems.push(problem('valueLocation', `'valueLocation' must be a dotted path such as 'a.b.0.c' or 'items.#'`));
  return problems;
}

export function parse(input: ScalerInput): ParseResult<MetricsApiMetadata> {
  return parseSchema(schema, input, validate);
}

export function target(meta: MetricsApiMetadata): TriggerTarget {
  return { target: meta.targetValue, activationTarget: meta.activationTargetValue, unit: '' };
}

/** Splits a GJSON-style path on unescaped dots (`\.` is a literal dot). */
export function parsePath(path: string): string[] | undefined {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < path.length; i++) {
    if (path[i] === '\\' && i + 1 < path.length) cur += path[++i];
    else if (path[i] === '.') {
      parts.push(cur);
      cur = '';
    } else cur += path[i];
  }
  parts.push(cur);
  return parts.some((p) => p === '') ? undefined : parts;
}

export type Lookup = { found: true; value: unknown } | { found: false; at: string };

/** Follows a path: object keys, array indexes, and `#` for an array's length. */
export function lookupPath(doc: unknown, path: string[]): Lookup {
  let cur = doc;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (Array.isArray(cur)) {
      if (seg === '#') cur = cur.length;
      else if (/^\d+$/.test(seg) && Number(seg) < cur.length) cur = cur[Number(seg)];
      else return { found: false, at: path.slice(0, i + 1).join('.') };
    } else if (cur !== null && typeof cur === 'object' && Object.prototype.hasOwnProperty.call(cur, seg)) {
      cur = (cur as Record<string, unknown>)[seg];
    } else return { found: false, at: path.slice(0, i + 1).join('.') };
  }
  return { found: true, value: cur };
}

const SUFFIX: Record<string, number> = {
  '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** Parses a Kubernetes quantity ("1.5k", "250m", "2Gi", "1e3") to a number, or undefined. */
export function parseQuantity(text: string): number | undefined {
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(text.trim());
  if (!m) return undefined;
  const n = m[2] !== undefined ? Number(m[1] + m[2]) : Number(m[1]) * SUFFIX[m[3] ?? ''];
  return Number.isFinite(n) ? n : undefined;
}

/** The URL as it may appear in messages: no credentials, no query (it may carry an API key). */
function showUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/** A metrics answer is a small JSON document; past this it is refused unread. */
export const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

export function create(meta: MetricsApiMetadata, deps: Pick<ScalerDeps, 'fetch'>, triggerName: string): Scaler {
  const url = new URL(meta.url);
  const ctx: ErrorContext = {
    trigger: triggerName, type: TYPE, secrets: [meta.apiKey, meta.token, meta.password, url.password, decodeURIComponent(url.password)],
  };
  const headers: Record<string, string> = { accept: 'application/json' };
  if (meta.authMode === 'bearer') headers.authorization = `Bearer ${meta.token}`;
  if (meta.authMode === 'basic') {
    headers.authorization = `Basic ${Buffer.from(`${meta.username}:${meta.password ?? ''}`).toString('base64')}`;
  }
  if (meta.authMode === 'apiKey') {
    if (meta.method === 'query') url.searchParams.set(meta.keyParamName ?? 'api_key', meta.apiKey!);
    else headers[meta.keyParamName ?? 'X-API-KEY'] = meta.apiKey!;
  }
  const shown = showUrl(url);
  const path = parsePath(meta.valueLocation)!;

  return {
    async sample(signal) {
      const s = meta.timeout ? AbortSignal.any([signal, AbortSignal.timeout(meta.timeout)]) : signal;
      let status: number;
      let body: string | null;
      try {
        const res = await deps.fetch(url, { method: 'GET', headers, signal: s, redirect: 'follow' });
        status = res.status;
        body = await readCapped(res, MAX_ANSWER_BYTES);
      } catch (e) {
        throw networkError(ctx, e, shown, s)
          ?? scalerError(ctx, 'SCALER_UNAVAILABLE', `GET ${shown} failed: ${errorMessage(e)}`);
      }
      if (status === 401 || status === 403) {
        throw scalerError(ctx, 'SCALER_AUTH_FAILED', `GET ${shown} returned HTTP ${status}`, meta.authMode ? 'authMode' : 'url');
      }
      if (status !== 200) throw scalerError(ctx, 'SCALER_HTTP_STATUS', `GET ${shown} returned HTTP ${status}, want 200`, 'url');
      if (body === null) throw scalerError(ctx, 'SCALER_INVALID_RESPONSE', `GET ${shown} answered more than ${MAX_ANSWER_BYTES} bytes: not read`, 'url');
      let doc: unknown;
      try {
        doc = JSON.parse(body);
      } catch {
        throw scalerError(ctx, 'SCALER_INVALID_RESPONSE', `GET ${shown} did not return JSON`, 'format');
      }
      const found = lookupPath(doc, path);
      if (!found.found) {
        throw scalerError(ctx, 'SCALER_VALUE_NOT_FOUND', `no value at '${found.at}' (valueLocation '${meta.valueLocation}') in GET ${shown}`, 'valueLocation');
      }
      const v = found.value;
      const value = typeof v === 'number' ? v : typeof v === 'string' ? parseQuantity(v) : undefined;
      if (value === undefined) {
        const what = typeof v === 'string' ? `the string ${JSON.stringify(v.slice(0, 40))}` : v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
        throw scalerError(ctx, 'SCALER_NON_NUMERIC', `'${meta.valueLocation}' in GET ${shown} is ${what}, not a number or quantity`, 'valueLocation');
      }
      return { value, active: value > meta.activationTargetValue };
    },
    async close() {},
  };
}

export function source(meta: MetricsApiMetadata): string {
  return `GET ${showUrl(new URL(meta.url))} at '${meta.valueLocation}'`;
}

export const metricsApi: ScalerDefinition<MetricsApiMetadata> = { type: TYPE, parse, target, source, create };
