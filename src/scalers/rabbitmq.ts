// `rabbitmq`: a queue's messages over AMQP (a passive declare) or the management API over HTTP,
// in KEDA's modes (pkg/scalers/rabbitmq_scaler.go): QueueLength, and over HTTP only MessageRate,
// DeliverGetRate, PublishedToDeliveredRatio and ExpectedQueueConsumptionTime; useRegex with an
// operation (sum / avg / max) over the matching queues; excludeUnacknowledged; the vhost from the
// host's last path segment or vhostName. Without mode, value or queueLength: QueueLength 20.
// With `tls: enable`, a client certificate (cert + key) and no username or password (in authParams,
// the environment or the host URL), AMQP logs in with SASL EXTERNAL, as the certificate's user (KEDA's
// buildAMQPConfig). OAuth2 (KEDA's oauthTokenURI, clientID, clientSecret, scopes, endpointParams) is
// not supported yet: refused, rather than every poll answered 401.
import type { FieldProblem, ParseResult, Scaler, ScalerDefinition, ScalerDeps, ScalerInput, TriggerTarget } from './types.js';
import { httpGet, type HttpClients, type HttpTlsLike } from './http/get.js';
import { rabbitUrls, type AmqpLike, type AmqpOptions, type RabbitQueue } from './rabbitmq/endpoints.js';
import { bool, float, int, oneOf, parseSchema, problem, string, tlsMaterial, type Infer } from './schema.js';
import { abortable, networkError, scalerError, tlsError, type ErrorContext } from './errors.js';

/** The clients the scaler is created with (the registry's ScalerClients composes them): TLS over HTTP, or AMQP. */
export interface RabbitmqClients extends HttpClients {
  /** An AMQP 0-9-1 connection (amqplib), loaded only when a rabbitmq trigger speaks AMQP. */
  amqp(options: AmqpOptions): Promise<AmqpLike>;
}

const TYPE = 'rabbitmq';
const MODES = ['QueueLength', 'MessageRate', 'DeliverGetRate', 'PublishedToDeliveredRatio', 'ExpectedQueueConsumptionTime'] as const;

export const schema = {
  queueName: string({}),
  mode: oneOf(MODES, { optional: true }),
  value: float({ optional: true, role: 'target' }),
  queueLength: float({ optional: true, role: 'target' }),
  activationValue: float({ default: 0, role: 'activation' }),
  host: string({ from: ['triggerMetadata', 'authParams', 'resolvedEnv'], secret: true }),
  protocol: oneOf(['auto', 'amqp', 'http'], { from: ['triggerMetadata', 'authParams'], default: 'auto' }),
  vhostName: string({ from: ['triggerMetadata', 'authParams'], optional: true }),
  useRegex: bool({ default: false }),
  excludeUnacknowledged: bool({ default: false }),
  pageSize: int({ default: 100, min: 1 }),
  operation: oneOf(['sum', 'avg', 'max'], { default: 'sum' }),
  /** Per-request timeout in milliseconds (HTTP only, as KEDA). */
  timeout: int({ optional: true, min: 1 }),
  username: string({ from: ['authParams', 'resolvedEnv'], optional: true }),
  password: string({ from: ['authParams', 'resolvedEnv'], optional: true, secret: true }),
  tls: oneOf(['enable', 'disable'], { from: ['authParams'], default: 'disable' }),
  ...tlsMaterial,
  // KEDA's authentication.OAuth keys: read only to be refused (validate).
  oauthTokenURI: string({ from: ['authParams'], optional: true }),
  clientID: string({ from: ['authParams'], optional: true }),
  clientSecret: string({ from: ['authParams'], optional: true, secret: true }),
  scopes: string({ from: ['authParams'], optional: true, aliases: ['scope'] }),
  endpointParams: string({ from: ['authParams'], optional: true }),
};
const OAUTH2 = ['oauthTokenURI', 'clientID', 'clientSecret', 'scopes', 'endpointParams'] as const;

type Raw = Infer<typeof schema>;
export type RabbitmqMetadata = Raw & { resolvedMode: (typeof MODES)[number]; wire: 'amqp' | 'http'; sasl: 'EXTERNAL' | 'PLAIN' };

/**
 * KEDA's rule: TLS on, a client certificate, and no username or password given (a user name alone in
 * the host URL, as `amqps://CN=app@host/`, does not count): SASL EXTERNAL; else PLAIN.
 */
export function saslOf(meta: Raw): 'EXTERNAL' | 'PLAIN' {
  if (meta.tls !== 'enable' || meta.cert === undefined || meta.key === undefined) return 'PLAIN';
  if (meta.username !== undefined || meta.password !== undefined) return 'PLAIN';
  let inUrl = '';
  try {
    inUrl = new URL(meta.host).password;
  } catch {
    // validate reports the host
  }
  return inUrl === '' ? 'EXTERNAL' : 'PLAIN';
}

/** A host URL `new URL` takes, with a host name (the value is never quoted: it may carry a password). */
function readableUrl(host: string): boolean {
  try {
    return new URL(host).hostname !== '';
  } catch {
    return false;
  }
}

function wireOf(meta: Raw): 'amqp' | 'http' | undefined {
  if (meta.protocol !== 'auto') return meta.protocol;
  const scheme = /^([a-z]+):\/\//i.exec(meta.host)?.[1]?.toLowerCase();
  return scheme === 'amqp' || scheme === 'amqps' ? 'amqp' : scheme === 'http' || scheme === 'https' ? 'http' : undefined;
}

function validate(meta: Raw): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const wire = wireOf(meta);
  if (!wire) problems.push(problem('host', `'host' must be an amqp(s):// or http(s):// URL (or set protocol)`));
  else if (!readableUrl(meta.host))
    problems.push(
      problem(
        'host',
        `'host' is not a URL gitscale can read (a host name, an optional port from 1 to 65535, a vhost path): check the value where it is set`,
      ),
    );
  if ((meta.cert === undefined) !== (meta.key === undefined))
    problems.push(problem(meta.cert === undefined ? 'cert' : 'key', 'both key and certificate must be provided'));
  if ((meta.username === undefined) !== (meta.password === undefined))
    problems.push(problem(meta.username === undefined ? 'username' : 'password', 'username and password must be given together'));
  if (meta.queueLength !== undefined && (meta.mode !== undefined || meta.value !== undefined))
    problems.push(problem('queueLength', 'queueLength is deprecated; use mode and value'));
  else if (meta.queueLength === undefined && (meta.mode === undefined) !== (meta.value === undefined))
    problems.push(problem(meta.mode === undefined ? 'mode' : 'value', `${meta.mode === undefined ? 'mode' : 'value'} must be specified`));
  const oauth = OAUTH2.filter((k) => meta[k] !== undefined);
  if (oauth.length) {
    problems.push(
      problem(
        oauth[0],
        `OAuth2 authentication (${oauth.join(', ')} in authParams) is not supported by gitscale yet; ` +
          'use username and password, or a client certificate (tls: enable, cert, key)',
      ),
    );
  }
  if (wire === 'amqp') {
    if (meta.mode && meta.mode !== 'QueueLength')
      problems.push(problem('mode', `protocol amqp not supported; must be HTTP to use trigger mode ${meta.mode}`));
    if (meta.useRegex) problems.push(problem('useRegex', 'configure useRegex=true only with HTTP protocol'));
    if (meta.excludeUnacknowledged)
      problems.push(problem('excludeUnacknowledged', 'configure excludeUnacknowledged=true only with HTTP protocol'));
    if (meta.timeout !== undefined) problems.push(problem('timeout', `AMQP protocol doesn't support custom timeouts: ${meta.timeout}`));
  }
  return problems;
}

export function parse(input: ScalerInput): ParseResult<RabbitmqMetadata> {
  const r = parseSchema(schema, input, validate);
  if (!r.ok) return r;
  const m = r.meta;
  return { ok: true, meta: { ...m, resolvedMode: m.mode ?? 'QueueLength', wire: wireOf(m)!, sasl: saslOf(m) }, warnings: r.warnings };
}

export function target(meta: RabbitmqMetadata): TriggerTarget {
  // Without mode, value or the deprecated queueLength: QueueLength with KEDA's default of 20.
  return {
    target: meta.queueLength ?? meta.value ?? 20,
    activationTarget: meta.activationValue,
    unit: (meta.mode ?? 'QueueLength') === 'QueueLength' ? 'msgs' : '',
  };
}

/** KEDA's metric and activity for a mode, from a queue's (or the composed queues') numbers. */
export function metricOf(mode: RabbitmqMetadata['resolvedMode'], q: RabbitQueue, activation: number): { value: number; active: boolean } {
  const { messages, publishRate: pub, deliverRate: del } = q;
  if (mode === 'QueueLength') return { value: messages, active: messages > activation };
  if (mode === 'MessageRate') return { value: pub, active: pub > activation || messages > activation };
  if (mode === 'DeliverGetRate') return { value: del, active: del > activation };
  if (mode === 'PublishedToDeliveredRatio') {
    const ratio = pub > 0 && del === 0 ? activation : pub > 0 && del > 0 ? pub / del : 0;
    return { value: ratio, active: ratio > activation || (pub > 0 && del === 0) };
  }
  const eta = messages === 0 ? 0 : del === 0 ? activation : (pub - del) / del + messages / del;
  return { value: eta, active: eta > activation || (del === 0 && messages > 0) };
}

/** The queues a regex matched, combined as `operation` says (avg of the message counts rounds down, as KEDA's integers). */
export function composed(queues: RabbitQueue[], operation: RabbitmqMetadata['operation']): RabbitQueue {
  if (!queues.length) return { messages: 0, ready: 0, publishRate: 0, deliverRate: 0 };
  const sum = (k: keyof RabbitQueue) => queues.reduce((a, q) => a + q[k], 0);
  const max = (k: keyof RabbitQueue) => Math.max(0, ...queues.map((q) => q[k]));
  if (operation === 'max')
    return { messages: max('messages'), ready: max('ready'), publishRate: max('publishRate'), deliverRate: max('deliverRate') };
  const n = operation === 'avg' ? queues.length : 1;
  const whole = (x: number) => (n === 1 ? x : Math.trunc(x / n));
  return {
    messages: whole(sum('messages')),
    ready: whole(sum('ready')),
    publishRate: sum('publishRate') / n,
    deliverRate: sum('deliverRate') / n,
  };
}

const queueOf = (x: Record<string, any>): RabbitQueue => ({
  messages: Number(x.messages ?? 0),
  ready: Number(x.messages_ready ?? 0),
  publishRate: Number(x.message_stats?.publish_details?.rate ?? 0),
  deliverRate: Number(x.message_stats?.deliver_get_details?.rate ?? 0),
});

export function create(meta: RabbitmqMetadata, deps: ScalerDeps<RabbitmqClients>, triggerName: string): Scaler {
  const urls = rabbitUrls(meta);
  const ctx: ErrorContext = {
    trigger: triggerName,
    type: TYPE,
    secrets: [meta.password, meta.key, meta.keyPassword, urls.password, meta.host],
  };
  const tlsOptions = {
    ...(meta.ca ? { ca: meta.ca } : {}),
    ...(meta.cert ? { cert: meta.cert, key: meta.key } : {}),
    rejectUnauthorized: !meta.unsafeSsl,
  };
  let tls: HttpTlsLike | undefined;
  if (meta.wire === 'http' && (meta.ca || meta.cert || meta.unsafeSsl)) tls = deps.clients.httpTls(tlsOptions);
  let amqp: Promise<AmqpLike> | undefined;

  async function viaAmqp(signal: AbortSignal): Promise<RabbitQueue> {
    try {
      amqp ??= Promise.resolve(
        deps.clients.amqp({
          url: urls.amqp,
          ...tlsOptions,
          ...(meta.keyPassword ? { passphrase: meta.keyPassword } : {}),
          ...(meta.sasl === 'EXTERNAL' ? { sasl: 'EXTERNAL' as const } : {}),
        }),
      );
      const client = await abortable(amqp, signal);
      const messages = await abortable(client.messageCount(meta.queueName), signal);
      return { messages, ready: messages, publishRate: 0, deliverRate: 0 };
    } catch (e) {
      const was = amqp;
      amqp = undefined;
      void was?.then(
        (c) => c.close(),
        () => undefined,
      );
      const text = String((e as Error)?.message ?? e);
      if (/NOT_FOUND/.test(text))
        throw scalerError(ctx, 'SCALER_QUEUE_NOT_FOUND', `queue '${meta.queueName}' not found at ${urls.shown}`, 'queueName');
      if (/ACCESS_REFUSED|PLAIN login refused|403/.test(text)) {
        throw meta.sasl === 'EXTERNAL'
          ? scalerError(
              ctx,
              'SCALER_AUTH_FAILED',
              `login with the client certificate (SASL EXTERNAL) refused at ${urls.shown}: the broker needs a user named after the certificate`,
              'cert',
            )
          : scalerError(ctx, 'SCALER_AUTH_FAILED', `login refused at ${urls.shown}`, 'password');
      }
      throw (
        networkError(ctx, e, urls.shown, signal) ??
        tlsError(ctx, e, urls.shown, 'ca') ??
        scalerError(ctx, 'SCALER_UNAVAILABLE', `reading queue '${meta.queueName}' at ${urls.shown} failed: ${text}`)
      );
    }
  }

  async function viaHttp(signal: AbortSignal): Promise<RabbitQueue> {
    const url = meta.useRegex ? urls.regex : urls.queue;
    const answer = await httpGet(ctx, deps.fetch, url, urls.shown, {
      headers: { accept: 'application/json', ...urls.headers },
      signal,
      maxBytes: 16 * 1024 * 1024,
      tls,
      tlsField: 'ca',
    });
    if (answer.status === 401 || answer.status === 403)
      throw scalerError(ctx, 'SCALER_AUTH_FAILED', `the management API at ${urls.shown} answered HTTP ${answer.status}`, 'password');
    if (answer.status === 404)
      throw scalerError(
        ctx,
        'SCALER_QUEUE_NOT_FOUND',
        `queue '${meta.queueName}' not found in vhost '${urls.vhost}' at ${urls.shown}`,
        'queueName',
      );
    if (answer.status !== 200 || answer.body === null)
      throw scalerError(ctx, 'SCALER_HTTP_STATUS', `the management API at ${urls.shown} answered HTTP ${answer.status}`, 'host');
    let doc: any;
    try {
      doc = JSON.parse(answer.body);
    } catch {
      throw scalerError(ctx, 'SCALER_INVALID_RESPONSE', `the management API at ${urls.shown} did not answer JSON`, 'host');
    }
    if (!meta.useRegex) return queueOf(doc);
    if (Number(doc.page_count ?? 1) > 1)
      throw scalerError(
        ctx,
        'SCALER_INVALID_RESPONSE',
        `regex matches more queues than can be recovered at once (pageSize ${meta.pageSize})`,
        'pageSize',
      );
    return composed((Array.isArray(doc.items) ? doc.items : Array.isArray(doc) ? doc : []).map(queueOf), meta.operation);
  }

  return {
    async sample(signal) {
      const s = meta.timeout ? AbortSignal.any([signal, AbortSignal.timeout(meta.timeout)]) : signal;
      const q = meta.wire === 'amqp' ? await viaAmqp(s) : await viaHttp(s);
      return metricOf(meta.resolvedMode, meta.excludeUnacknowledged ? { ...q, messages: q.ready } : q, meta.activationValue);
    },
    async close() {
      await tls?.close();
      const was = amqp;
      amqp = undefined;
      await was?.then(
        (c) => c.close(),
        () => undefined,
      );
    },
  };
}

export function source(meta: RabbitmqMetadata): string {
  const urls = rabbitUrls(meta);
  return `${meta.useRegex ? `queues matching /${meta.queueName}/ (${meta.operation})` : `queue '${meta.queueName}'`} in vhost '${urls.vhost}' at ${urls.shown} (${meta.wire}${meta.wire === 'amqp' && meta.sasl === 'EXTERNAL' ? ', SASL EXTERNAL' : ''}, ${meta.resolvedMode})`;
}

export const rabbitmq: ScalerDefinition<RabbitmqMetadata, RabbitmqClients> = { type: TYPE, parse, target, source, create };
