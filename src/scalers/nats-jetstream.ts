// `nats-jetstream`: a JetStream consumer's backlog, num_pending + num_ack_pending, from the NATS
// server's monitoring endpoint (`/jsz?acc=…&consumers=true&config=true`). In a cluster, the
// consumer's leader holds the true numbers: it is found through `/varz` (the advertised client URLs,
// or the cluster routes) and asked from then on, until the consumer moves. KEDA:
// pkg/scalers/nats_jetstream_scaler.go.
import { httpGet, type HttpAnswer } from './http/get.js';
import type { FieldProblem, ParseResult, Scaler, ScalerDefinition, ScalerDeps, ScalerInput, TriggerTarget } from './types.js';
import { bool, int, parseSchema, problem, string, type Infer } from './schema.js';
import { scalerError, type ErrorContext } from './errors.js';

const TYPE = 'nats-jetstream';
const EITHER = ['authParams', 'triggerMetadata'] as const;

export const schema = {
  natsServerMonitoringEndpoint: string({ from: EITHER }),
  account: string({ from: EITHER, optional: true }),
  accountID: string({ from: EITHER, optional: true }),
  stream: string({}),
  consumer: string({}),
  lagThreshold: int({ default: 10, min: 1, role: 'target' }),
  activationLagThreshold: int({ default: 0, role: 'activation' }),
  useHttps: bool({ default: false }),
};

export type NatsJetStreamMetadata = Infer<typeof schema>;

function validate(meta: NatsJetStreamMetadata): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!meta.account && !meta.accountID) problems.push(problem('account', 'no account name or id given: set account or accountID'));
  if (/^[a-z]+:\/\//i.test(meta.natsServerMonitoringEndpoint) || /[/?#]/.test(meta.natsServerMonitoringEndpoint)) {
    problems.push(
      problem(
        'natsServerMonitoringEndpoint',
        `'natsServerMonitoringEndpoint' is host:port of the monitoring port (e.g. nats.nats.svc:8222), without a scheme or path (useHttps chooses https)`,
      ),
    );
  }
  return problems;
}

export function parse(input: ScalerInput): ParseResult<NatsJetStreamMetadata> {
  return parseSchema(schema, input, validate);
}

export function target(meta: NatsJetStreamMetadata): TriggerTarget {
  return { target: meta.lagThreshold, activationTarget: meta.activationLagThreshold, unit: 'msgs' };
}

interface Consumer {
  name?: string;
  num_pending?: number;
  num_ack_pending?: number;
  cluster?: { leader?: string };
}
interface Jsz {
  account_details?: { id?: string; name?: string; stream_detail?: { name?: string; consumer_detail?: Consumer[] }[] }[];
  meta_cluster?: { cluster_size?: number };
}
interface Varz {
  connect_urls?: string[];
  cluster?: { urls?: string[] };
  server_name?: string;
}

/** The stream (null: not there) and the consumer in it (null: not there), as one /jsz answer holds them. */
export function findConsumer(
  jsz: Jsz,
  meta: Pick<NatsJetStreamMetadata, 'account' | 'accountID' | 'stream' | 'consumer'>,
): { stream: boolean; consumer: Consumer | null } {
  const id = meta.accountID || meta.account;
  let stream = false;
  for (const account of jsz.account_details ?? []) {
    if (account.id !== id && account.name !== meta.account) continue;
    for (const s of account.stream_detail ?? []) {
      if (s.name !== meta.stream) continue;
      stream = true;
      const c = (s.consumer_detail ?? []).find((x) => x.name === meta.consumer);
      if (c) return { stream, consumer: c };
    }
  }
  return { stream, consumer: null };
}

export function create(meta: NatsJetStreamMetadata, deps: Pick<ScalerDeps<unknown>, 'fetch'>, triggerName: string): Scaler {
  const ctx: ErrorContext = { trigger: triggerName, type: TYPE, secrets: [] };
  const scheme = meta.useHttps ? 'https' : 'http';
  const base = new URL(`${scheme}://${meta.natsServerMonitoringEndpoint}/jsz`);
  base.searchParams.set('acc', meta.accountID || meta.account!);
  base.searchParams.set('consumers', 'true');
  base.searchParams.set('config', 'true');
  const port = base.port;
  /** The consumer's leader: its name and the /jsz URL that reaches it, once found. */
  let leader: { name: string; url: URL } | undefined;

  const get = async <T>(url: URL, signal: AbortSignal): Promise<T> => {
    const shown = `${url.origin}${url.pathname}`;
    const answer: HttpAnswer = await httpGet(ctx, deps.fetch, url, shown, {
      headers: { accept: 'application/json' },
      signal,
      maxBytes: 16 * 1024 * 1024,
      tlsField: 'useHttps',
    });
    if (answer.status !== 200)
      throw scalerError(ctx, 'SCALER_HTTP_STATUS', `GET ${shown} returned HTTP ${answer.status}, want 200`, 'natsServerMonitoringEndpoint');
    if (answer.body === null)
      throw scalerError(ctx, 'SCALER_INVALID_RESPONSE', `GET ${shown} answered more than 16 MiB: not read`, 'natsServerMonitoringEndpoint');
    try {
      return JSON.parse(answer.body) as T;
    } catch {
      throw scalerError(
        ctx,
        'SCALER_INVALID_RESPONSE',
        `GET ${shown} did not return JSON (is it the monitoring port?)`,
        'natsServerMonitoringEndpoint',
      );
    }
  };
  const on = (host: string, path: '/jsz' | '/varz'): URL => {
    const u = new URL(base);
    u.hostname = host;
    if (port) u.port = port;
    u.pathname = path;
    if (path === '/varz') u.search = '';
    return u;
  };

  /** KEDA's leader lookup: every node /varz names, the one whose server_name leads the consumer. */
  async function findLeader(signal: AbortSignal, consumerLeader: string): Promise<{ name: string; url: URL; jsz: Jsz }> {
    const varz = await get<Varz>(on(base.hostname, '/varz'), signal);
    const advertised = varz.connect_urls ?? [];
    const candidates = advertised.length
      ? advertised.map((u) => ({ host: u.split(':')[0], named: undefined as string | undefined }))
      : // Not advertised: route URLs, the node's name being the first label of their host (KEDA's rule).
        (varz.cluster?.urls ?? []).map((u) => ({ host: `${u.split('.')[0]}.${base.hostname}`, named: u.split('.')[0] }));
    for (const c of candidates) {
      const name = c.named ?? (await get<Varz>(on(c.host, '/varz'), signal)).server_name;
      const url = on(c.host, '/jsz');
      url.search = base.search;
      const jsz = await get<Jsz>(url, signal);
      const found = findConsumer(jsz, meta).consumer;
      if (found && name !== undefined && name === found.cluster?.leader) return { name, url, jsz };
    }
    throw scalerError(
      ctx,
      'SCALER_VALUE_NOT_FOUND',
      `leader node not found for consumer '${meta.consumer}' (it leads on '${consumerLeader}')`,
      'consumer',
    );
  }

  return {
    async sample(signal) {
      let jsz = await get<Jsz>(leader?.url ?? base, signal);
      let found = findConsumer(jsz, meta);
      const leaderNow = found.consumer?.cluster?.leader;
      if (leader && (!found.consumer || leaderNow !== leader.name)) {
        // The consumer moved (or this node no longer has it): ask the endpoint again.
        leader = undefined;
        jsz = await get<Jsz>(base, signal);
        found = findConsumer(jsz, meta);
      }
      if (!leader && found.consumer && (jsz.meta_cluster?.cluster_size ?? 0) > 1 && found.consumer.cluster?.leader) {
        const l = await findLeader(signal, found.consumer.cluster.leader);
        leader = { name: l.name, url: l.url };
        found = findConsumer(l.jsz, meta);
      }
      if (!found.stream)
        throw scalerError(
          ctx,
          'SCALER_VALUE_NOT_FOUND',
          `stream '${meta.stream}' not found in account '${meta.accountID || meta.account}'`,
          'stream',
        );
      if (!found.consumer)
        throw scalerError(ctx, 'SCALER_VALUE_NOT_FOUND', `consumer '${meta.consumer}' not found in stream '${meta.stream}'`, 'consumer');
      const lag = (found.consumer.num_pending ?? 0) + (found.consumer.num_ack_pending ?? 0);
      return { value: lag, active: lag > meta.activationLagThreshold };
    },
    async close() {},
  };
}

export function source(meta: NatsJetStreamMetadata): string {
  return `consumer '${meta.consumer}' of stream '${meta.stream}' (account ${meta.accountID || meta.account}) at ${meta.useHttps ? 'https' : 'http'}://${meta.natsServerMonitoringEndpoint}`;
}

export const natsJetstream: ScalerDefinition<NatsJetStreamMetadata> = { type: TYPE, parse, target, source, create };
