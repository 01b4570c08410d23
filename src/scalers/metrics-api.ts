// `metrics-api`: a number at `valueLocation` in what an HTTP endpoint answers, read as `format`
// (json, yaml, xml, prometheus; strings are Kubernetes quantities). KEDA:
// pkg/scalers/metrics_api_scaler.go. Auth: KEDA's authModes (apiKey, basic, bearer, tls, custom,
// comma-combined), TLS with a CA and a client certificate, unsafeSsl.
import { authSchema, requestAuth, validateAuth } from './http/auth.js';
import { httpGet, httpUrl, shownUrl, type HttpClients, type HttpTlsLike } from './http/get.js';
import { FormatError } from './metrics-api/format-error.js';
import { parsePath, valueFrom, type Format } from './metrics-api/formats.js';
import { parseSelector } from './metrics-api/prometheus-text.js';
import type { FieldProblem, ParseResult, Scaler, ScalerDefinition, ScalerDeps, ScalerInput, TriggerTarget } from './types.js';
import { bool, float, int, oneOf, parseSchema, problem, string, type Infer } from './schema.js';
import { scalerError, type ErrorContext } from './errors.js';

export { lookupPath, parsePath, parseQuantity } from './metrics-api/formats.js';

const TYPE = 'metrics-api';

export const schema = {
  url: string({}),
  valueLocation: string({}),
  targetValue: float({ role: 'target' }),
  activationTargetValue: float({ default: 0, role: 'activation' }),
  format: oneOf(['json', 'xml', 'yaml', 'prometheus'], { default: 'json' }),
  unsafeSsl: bool({ default: false }),
  /** Per-request timeout in milliseconds. */
  timeout: int({ optional: true, min: 1 }),
  aggregateFromKubeServiceEndpoints: bool({ default: false }),
  aggregationType: oneOf(['average', 'sum', 'max', 'min'], { default: 'average' }),
  ...authSchema,
};

export type MetricsApiMetadata = Infer<typeof schema>;

const ACCEPT: Record<Format, string> = {
  json: 'application/json',
  yaml: 'application/yaml, text/yaml;q=0.9, */*;q=0.1',
  xml: 'application/xml, text/xml;q=0.9, */*;q=0.1',
  prometheus: 'text/plain;version=0.0.4, */*;q=0.1',
};

function validate(meta: MetricsApiMetadata): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!httpUrl(meta.url)) problems.push(problem('url', `'url' must be an http(s) URL`));
  if (meta.format === 'json' && !parsePath(meta.valueLocation))
    problems.push(problem('valueLocation', `'valueLocation' must be a dotted path such as 'a.b.0.c' or 'items.#'`));
  if (meta.format === 'prometheus') {
    const s = parseSelector(meta.valueLocation);
    if (typeof s === 'string')
      problems.push(problem('valueLocation', `'valueLocation' must be a metric selector such as queue_size{queue="jobs"}: ${s}`));
  }
  if (meta.aggregateFromKubeServiceEndpoints) {
    problems.push(
      problem('aggregateFromKubeServiceEndpoints', 'is not supported by gitscale: point url at one endpoint (or an aggregating service)'),
    );
  }
  return [...problems, ...validateAuth(meta)];
}

export function parse(input: ScalerInput): ParseResult<MetricsApiMetadata> {
  return parseSchema(schema, input, validate);
}

export function target(meta: MetricsApiMetadata): TriggerTarget {
  return { target: meta.targetValue, activationTarget: meta.activationTargetValue, unit: '' };
}

/** A metrics answer is a small document; past this it is refused unread. */
export const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

export function create(meta: MetricsApiMetadata, deps: ScalerDeps<HttpClients>, triggerName: string): Scaler {
  const url = new URL(meta.url);
  const auth = requestAuth(meta);
  for (const [k, v] of auth.query) url.searchParams.set(k, v);
  const ctx: ErrorContext = {
    trigger: triggerName,
    type: TYPE,
    secrets: [...auth.secrets, url.password, decodeURIComponent(url.password)],
  };
  const headers: Record<string, string> = { accept: ACCEPT[meta.format], ...auth.headers };
  const shown = shownUrl(url);
  let tls: HttpTlsLike | undefined;
  if (auth.tls || meta.unsafeSsl) tls = deps.clients.httpTls({ ...auth.tls, rejectUnauthorized: !meta.unsafeSsl });

  return {
    async sample(signal) {
      const s = meta.timeout ? AbortSignal.any([signal, AbortSignal.timeout(meta.timeout)]) : signal;
      const answer = await httpGet(ctx, deps.fetch, url, shown, {
        headers,
        signal: s,
        maxBytes: MAX_ANSWER_BYTES,
        tls,
        tlsField: 'authModes',
      });
      if (answer.status === 401 || answer.status === 403) {
        throw scalerError(ctx, 'SCALER_AUTH_FAILED', `GET ${shown} returned HTTP ${answer.status}`, meta.authModes ? 'authModes' : 'url');
      }
      if (answer.status !== 200)
        throw scalerError(ctx, 'SCALER_HTTP_STATUS', `GET ${shown} returned HTTP ${answer.status}, want 200`, 'url');
      if (answer.body === null)
        throw scalerError(ctx, 'SCALER_INVALID_RESPONSE', `GET ${shown} answered more than ${MAX_ANSWER_BYTES} bytes: not read`, 'url');
      let value: number;
      try {
        value = valueFrom(answer.body, meta.valueLocation, meta.format);
      } catch (e) {
        if (!(e instanceof FormatError)) throw e;
        throw scalerError(
          ctx,
          e.code,
          `${e.message} in GET ${shown} (format ${meta.format})`,
          e.code === 'SCALER_INVALID_RESPONSE' ? 'format' : 'valueLocation',
        );
      }
      return { value, active: value > meta.activationTargetValue };
    },
    async close() {
      await tls?.close();
    },
  };
}

export function source(meta: MetricsApiMetadata): string {
  return `GET ${shownUrl(new URL(meta.url))} at '${meta.valueLocation}'${meta.format === 'json' ? '' : ` (${meta.format})`}`;
}

export const metricsApi: ScalerDefinition<MetricsApiMetadata, HttpClients> = { type: TYPE, parse, target, source, create };
