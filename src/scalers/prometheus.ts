// `prometheus`: the one number an instant PromQL query answers, from Prometheus's HTTP API
// (`GET {serverAddress}/api/v1/query?query=…&time=…`). KEDA: pkg/scalers/prometheus_scaler.go —
// an empty result, an empty value, NaN or ±Inf count as 0 with ignoreNullValues (the default) and
// are errors without it; more than one series is an error. Auth: KEDA's authModes (bearer, basic,
// tls, custom, apiKey), from the trigger or its TriggerAuthentication.
import { authSchema, parsePairs, requestAuth, validateAuth, type RequestAuth } from './http/auth.js';
import { httpGet, httpUrl, shownUrl, type HttpClients, type HttpTlsLike } from './http/get.js';
import type { FieldProblem, ParseResult, Scaler, ScalerDefinition, ScalerDeps, ScalerInput, TriggerTarget } from './types.js';
import { bool, float, int, parseSchema, problem, string, type Infer } from './schema.js';
import { scalerError, shownQuery, type ErrorContext } from './errors.js';
import type { ScalerCode } from '../errors.js';

const TYPE = 'prometheus';

export const schema = {
  serverAddress: string({}),
  query: string({}),
  threshold: float({ role: 'target' }),
  activationThreshold: float({ default: 0, role: 'activation' }),
  queryParameters: string({ optional: true }),
  customHeaders: string({ optional: true }),
  namespace: string({ optional: true }),
  ignoreNullValues: bool({ default: true }),
  unsafeSsl: bool({ default: false }),
  /** Per-request timeout in milliseconds. */
  timeout: int({ optional: true, min: 1 }),
  awsRegion: string({ from: ['triggerMetadata', 'authParams'], optional: true }),
  identityOwner: string({ optional: true }),
  ...authSchema,
};

export type PrometheusMetadata = Infer<typeof schema> & { parameters: [string, string][]; headers: [string, string][] };

function validate(meta: Infer<typeof schema>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const url = httpUrl(meta.serverAddress);
  if (!url) problems.push(problem('serverAddress', `'serverAddress' must be an http(s) URL such as http://prometheus:9090`));
  else if (url.username || url.password)
    problems.push(
      problem(
        'serverAddress',
        `'serverAddress' must not carry credentials: use authModes basic with username and password in a TriggerAuthentication`,
      ),
    );
  for (const key of ['queryParameters', 'customHeaders'] as const) {
    const p = parsePairs(meta[key], key);
    if ('problem' in p) problems.push(p.problem);
  }
  if (meta.awsRegion !== undefined || meta.identityOwner !== undefined) {
    problems.push(
      problem(
        meta.awsRegion !== undefined ? 'awsRegion' : 'identityOwner',
        'Amazon Managed Prometheus (SigV4 signing) is not supported by gitscale: put a SigV4 proxy in front of it, or use authModes',
      ),
    );
  }
  return [...problems, ...validateAuth(meta)];
}

export function parse(input: ScalerInput): ParseResult<PrometheusMetadata> {
  const r = parseSchema(schema, input, validate);
  if (!r.ok) return r;
  const pairs = (text: string | undefined) => (parsePairs(text, '') as { pairs: [string, string][] }).pairs;
  return {
    ok: true,
    meta: { ...r.meta, parameters: pairs(r.meta.queryParameters), headers: pairs(r.meta.customHeaders) },
    warnings: r.warnings,
  };
}

export function target(meta: PrometheusMetadata): TriggerTarget {
  return { target: meta.threshold, activationTarget: meta.activationThreshold, unit: '' };
}

/** The query URL KEDA builds: query, time (RFC 3339, whole seconds, UTC), namespace, then the extra parameters. */
export function queryUrl(meta: PrometheusMetadata, nowMs: number, auth: RequestAuth): URL {
  const url = new URL(`${meta.serverAddress.replace(/\/+$/, '')}/api/v1/query`);
  url.searchParams.set('query', meta.query);
  url.searchParams.set('time', new Date(Math.floor(nowMs / 1000) * 1000).toISOString().replace('.000Z', 'Z'));
  if (meta.namespace) url.searchParams.set('namespace', meta.namespace);
  for (const [k, v] of [...meta.parameters, ...auth.query]) url.searchParams.append(k, v);
  return url;
}

/** A sample value as Prometheus writes it ("12", "1.5e3", "NaN", "+Inf"), parsed as Go's ParseFloat would. */
export function promValue(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const t = text.trim();
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(t)) return NaN;
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) ? Number(t) : undefined;
}

/** A query answer is small (one series); past this it is refused unread. */
export const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/** The value of a decoded `/api/v1/query` answer, KEDA's rules for empty and non-finite results applied. */
export function valueOf(
  doc: unknown,
  meta: Pick<PrometheusMetadata, 'ignoreNullValues' | 'query'>,
  fail: (message: string, code?: ScalerCode) => Error,
): number {
  const data = (doc as { data?: { resultType?: unknown; result?: unknown } } | null)?.data ?? {};
  // No data.result at all reads as an empty one (KEDA decodes `{}` so).
  const result = data.result ?? [];
  if (!Array.isArray(result)) throw fail('data.result is not a list');
  const empty = (what: string): number => {
    if (meta.ignoreNullValues) return 0;
    throw fail(`${what} (ignoreNullValues is false)`, 'SCALER_VALUE_NOT_FOUND');
  };
  let pair: unknown[];
  if (data.resultType === 'scalar' || data.resultType === 'string') pair = result;
  else {
    if (result.length === 0) return empty(`the query returned no series: the target may be lost`);
    if (result.length > 1) throw fail(`the query returned ${result.length} series; it must return one (aggregate it, e.g. sum(…))`);
    const value = (result[0] as { value?: unknown } | null)?.value;
    if (!Array.isArray(value) || value.length === 0)
      return empty(
        `its series has no value${data.resultType === 'matrix' ? ' (a range vector: the query must be an instant vector)' : ''}`,
      );
    pair = value;
  }
  if (pair.length < 2) throw fail(`the query didn't return enough values`);
  const v = promValue(pair[1]);
  if (v === undefined) throw fail(`the value ${JSON.stringify(pair[1])} is not a number`, 'SCALER_NON_NUMERIC');
  if (Number.isFinite(v)) return v;
  if (meta.ignoreNullValues) return 0;
  throw fail(`the query returned ${v} (ignoreNullValues is false)`, 'SCALER_NON_NUMERIC');
}

export function create(meta: PrometheusMetadata, deps: ScalerDeps<HttpClients>, triggerName: string): Scaler {
  const auth = requestAuth(meta);
  const ctx: ErrorContext = { trigger: triggerName, type: TYPE, secrets: auth.secrets };
  const headers: Record<string, string> = {
    accept: 'application/json',
    ...Object.fromEntries(meta.headers.map(([k, v]) => [k.toLowerCase(), v])),
    ...auth.headers,
  };
  const base = new URL(`${meta.serverAddress.replace(/\/+$/, '')}/api/v1/query`);
  const shown = shownUrl(base);
  let tls: HttpTlsLike | undefined;
  if (auth.tls || meta.unsafeSsl) tls = deps.clients.httpTls({ ...auth.tls, rejectUnauthorized: !meta.unsafeSsl });

  return {
    async sample(signal) {
      const s = meta.timeout ? AbortSignal.any([signal, AbortSignal.timeout(meta.timeout)]) : signal;
      const answer = await httpGet(ctx, deps.fetch, queryUrl(meta, deps.clock.now(), auth), shown, {
        headers,
        signal: s,
        maxBytes: MAX_ANSWER_BYTES,
        tls,
        tlsField: 'authModes',
      });
      let doc: unknown;
      try {
        doc = answer.body === null ? undefined : JSON.parse(answer.body);
      } catch {
        doc = undefined;
      }
      if (answer.status === 401 || answer.status === 403)
        throw scalerError(ctx, 'SCALER_AUTH_FAILED', `GET ${shown} returned HTTP ${answer.status}`, 'authModes');
      if (answer.status < 200 || answer.status > 299) {
        const said = doc && typeof doc === 'object' && 'error' in doc ? `: ${String(doc.error).slice(0, 300)}` : '';
        throw scalerError(
          ctx,
          'SCALER_HTTP_STATUS',
          `prometheus query api returned error. status: ${answer.status}${said}`,
          answer.status === 400 || answer.status === 422 ? 'query' : 'serverAddress',
        );
      }
      if (answer.body === null)
        throw scalerError(ctx, 'SCALER_INVALID_RESPONSE', `GET ${shown} answered more than ${MAX_ANSWER_BYTES} bytes: not read`, 'query');
      if (doc === undefined) throw scalerError(ctx, 'SCALER_INVALID_RESPONSE', `GET ${shown} did not return JSON`, 'serverAddress');
      const value = valueOf(doc, meta, (m, code = 'SCALER_INVALID_RESPONSE') =>
        scalerError(ctx, code, `query ${shownQuery(meta.query)}: ${m}`, 'query'),
      );
      return { value, active: value > meta.activationThreshold };
    },
    async close() {
      await tls?.close();
    },
  };
}

export function source(meta: PrometheusMetadata): string {
  return `query ${shownQuery(meta.query)} at ${shownUrl(new URL(meta.serverAddress))}`;
}

export const prometheus: ScalerDefinition<PrometheusMetadata, HttpClients> = { type: TYPE, parse, target, source, create };
