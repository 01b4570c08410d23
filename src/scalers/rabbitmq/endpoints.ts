// Where the rabbitmq trigger asks, from its `host` as KEDA reads it: the vhost is the URL's last path
// segment (empty or "/" is the default vhost, %2F) unless vhostName says otherwise; over HTTP the
// management API under the rest of the path, with the credentials as a Basic header (never in the
// URL); over AMQP the same URL with vhostName and username/password put in. Pure.

/** One queue's numbers, or several combined. */
export interface RabbitQueue {
  messages: number;
  ready: number;
  publishRate: number;
  deliverRate: number;
}

/** What cli/ builds an AMQP client from (amqplib), and the little the trigger asks of it. */
export interface AmqpOptions {
  url: string;
  ca?: string;
  cert?: string;
  key?: string;
  passphrase?: string;
  rejectUnauthorized: boolean;
  /** SASL EXTERNAL (the TLS client certificate names the user); PLAIN from the URL otherwise. */
  sasl?: 'EXTERNAL';
}
export interface AmqpLike {
  /** The queue's message count (a passive declare); rejects when the queue is not there. */
  messageCount(queue: string): Promise<number>;
  close(): Promise<void>;
}

export interface RabbitUrls {
  amqp: string;
  queue: URL;
  regex: URL;
  headers: Record<string, string>;
  /** scheme://host:port and path, no credentials: for messages. */
  shown: string;
  vhost: string;
  /** The password the host URL carries, if any (to keep it out of messages). */
  password: string;
}

interface Meta {
  host: string;
  queueName: string;
  vhostName?: string;
  username?: string;
  password?: string;
  pageSize: number;
}

export function rabbitUrls(meta: Meta): RabbitUrls {
  const url = new URL(meta.host);
  const user = meta.username ?? decodeURIComponent(url.username);
  const password = meta.password ?? decodeURIComponent(url.password);
  const segments = url.pathname.split('/');
  const last = segments.pop() ?? '';
  const prefix = segments
    .filter(Boolean)
    .map((s) => `/${s}`)
    .join('');
  const rawVhost = meta.vhostName !== undefined ? encodeURIComponent(meta.vhostName) : last;
  const vhostPath = rawVhost === '' || rawVhost === '%2F' || rawVhost === '/' ? '%2F' : rawVhost;
  const vhost = decodeURIComponent(vhostPath);
  const base = `${url.protocol}//${url.host}`;
  const queue = new URL(`${base}${prefix}/api/queues/${vhostPath}/${encodeURIComponent(meta.queueName)}`);
  const regex = new URL(`${base}${prefix}/api/queues/${vhostPath}`);
  for (const [k, v] of [
    ['page', '1'],
    ['use_regex', 'true'],
    ['pagination', 'false'],
    ['name', meta.queueName],
    ['page_size', String(meta.pageSize)],
  ])
    regex.searchParams.set(k, v);
  const amqp = new URL(meta.host);
  if (meta.vhostName !== undefined) amqp.pathname = `/${encodeURIComponent(meta.vhostName)}`;
  if (meta.username !== undefined) {
    amqp.username = encodeURIComponent(meta.username);
    amqp.password = encodeURIComponent(meta.password ?? '');
  }
  return {
    amqp: amqp.href,
    queue,
    regex,
    vhost,
    password,
    headers: user ? { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } : {},
    shown: `${base}${url.pathname === '/' ? '' : url.pathname}`,
  };
}
