// The HTTP client under the smart-HTTP transport, with explicit bounds on every request: the
// connection, the longest silence while an answer is awaited, and the whole request. Node's
// default agent drops a socket after 5 s without data, which failed a push behind a slow
// pre-receive hook although it landed; here a push waits as long as the server keeps talking
// (receive-pack's keepalives, asked for with side-band-64k in push.ts) within the whole bound.
// One connection per request: no idle socket is reused after the server may have closed it.
import * as nodeHttp from 'node:http';
import * as nodeHttps from 'node:https';
import type { Socket } from 'node:net';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import { DEFAULT_GIT_BOUNDS, timedOut, type GitBounds } from './bounds.js';

const REDIRECTS = 5;

/** A smart-HTTP client (isomorphic-git's interface) whose requests end with a GitTimeoutError past `bounds`. */
export function gitHttp(bounds: GitBounds = DEFAULT_GIT_BOUNDS): HttpClient {
  return {
    async request(req) {
      // Redirects: any for a GET, 307/308 (which keep method and body) for a POST; credentials stay with their origin.
      const payload = await bodyOf(req.body);
      const method = (req.method ?? 'GET').toUpperCase();
      let url = req.url;
      let headers = req.headers ?? {};
      for (let hop = 0; ; hop++) {
        const res = await once({ method, url, headers, signal: req.signal }, payload, bounds);
        const location = res.headers?.location;
        const follows = method === 'GET' ? res.statusCode >= 300 && res.statusCode < 400 : res.statusCode === 307 || res.statusCode === 308;
        if (!follows || !location || hop >= REDIRECTS) return res;
        await drain(res);
        const next = new URL(location, url);
        if (next.origin !== new URL(url).origin)
          headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'));
        url = next.href;
      }
    },
  };
}

async function drain(res: GitHttpResponse): Promise<void> {
  if (res.body) for await (const _ of res.body);
}

async function bodyOf(body: GitHttpRequest['body']): Promise<Buffer | undefined> {
  if (!body) return undefined;
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

/** One request: resolves with the answer's head; its body iterates until the end or the first bound passed. */
async function once(req: GitHttpRequest, payload: Buffer | undefined, b: GitBounds): Promise<GitHttpResponse> {
  const url = new URL(req.url);
  const lib = url.protocol === 'https:' ? nodeHttps : nodeHttp;
  const where = url.host;
  let failure: Error | undefined;
  let over = false;
  const timers = new Set<NodeJS.Timeout>();
  const headers = { ...req.headers };
  if (payload && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-length'))
    headers['Content-Length'] = String(payload.length);
  const r = lib.request(url, { method: req.method ?? 'GET', headers, agent: false });
  const fail = (e: Error) => {
    failure ??= e;
    for (const t of timers) clearTimeout(t);
    r.destroy(failure);
  };
  const after = (ms: number, e: () => Error) => {
    const t = setTimeout(() => fail(e()), ms);
    t.unref(); // a bound never keeps the process alive on its own
    timers.add(t);
    return t;
  };
  const done = () => {
    over = true;
    for (const t of timers) clearTimeout(t);
  };
  after(b.totalMs, () => timedOut('totalMs', b.totalMs, where));
  let idle: NodeJS.Timeout | undefined;
  const quiet = () => timedOut('idleMs', b.idleMs, where);
  const heard = () => {
    if (idle) {
      clearTimeout(idle);
      timers.delete(idle);
    }
    if (!failure && !over) idle = after(b.idleMs, quiet);
  };
  const connecting = after(b.connectMs, () => timedOut('connectMs', b.connectMs, where));
  r.once('socket', (s: Socket) => {
    // The silence bound starts once the request is sent (r.end below): a long upload is not silence.
    const connected = () => clearTimeout(connecting);
    if (url.protocol === 'https:') s.once('secureConnect', connected);
    else if (s.connecting) s.once('connect', connected);
    else connected();
    s.on('data', heard);
  });
  req.signal?.addEventListener('abort', () => fail(req.signal!.reason instanceof Error ? req.signal!.reason : new Error('aborted')), {
    once: true,
  });
  const res = await new Promise<nodeHttp.IncomingMessage>((resolve, reject) => {
    r.once('response', resolve);
    r.once('error', (e) => {
      done();
      reject(failure ?? e);
    });
    r.end(payload, heard);
  });
  res.once('close', done);
  return {
    url: req.url,
    method: req.method,
    statusCode: res.statusCode ?? 0,
    statusMessage: res.statusMessage ?? '',
    headers: Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')])),
    body: (async function* () {
      try {
        for await (const c of res) yield new Uint8Array(c as Buffer);
      } catch (e) {
        throw (
          failure ??
          (res.errored || (e as Error).message === 'aborted'
            ? new Error(`${where} closed the connection before its answer was complete`)
            : e)
        );
      } finally {
        done();
      }
      if (failure) throw failure;
      if (!res.complete) throw new Error(`${where} closed the connection before its answer was complete`);
    })(),
  };
}
