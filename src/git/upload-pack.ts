// A shallow fetch over smart HTTP (protocol v0, as git http-backend, Gitea and GitHub answer it)
// that hands back the pack in memory: one branch, deepened by time (deepen-since) or by count
// (deepen), with the commits the client has (haves) left out, and `filter tree:0` when the server
// allows filters (then the pack holds commits only). History reads it without touching the disk;
// a workspace's sync indexes and keeps it.
import type { HttpClient } from 'isomorphic-git';
import { nextPkt, parseAdvertisement, pktLine, readPktLines, type Advertisement } from './pkt-line.js';

export type { Advertisement } from './pkt-line.js';

/** A non-200 answer; `status` lets the caller tell authentication from the rest. */
export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export type Deepen = { since: number } | { depth: number };

export interface PackAnswer {
  /** null when the server ended its answer before sending one (e.g. no commit is recent enough). */
  pack: Buffer | null;
  /** Commits the server marked as the new shallow boundary (their parents were not sent). */
  shallow: string[];
  /** Commits of the client's boundary whose parents were sent this time (no longer shallow). */
  unshallow?: string[];
}

/** Bounds on one request: an answer must arrive whole within `timeoutMs` and hold at most `maxBytes`. */
export interface Limits {
  timeoutMs: number;
  maxBytes: number;
}

export const DEFAULT_LIMITS: Limits = { timeoutMs: 60_000, maxBytes: 512 * 1024 * 1024 };

async function collect(body: AsyncIterableIterator<Uint8Array> | undefined, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  if (body) {
    for await (const c of body) {
      size += c.byteLength;
      if (size > maxBytes) throw new Error(`the answer is larger than ${maxBytes} bytes`);
      chunks.push(Buffer.from(c));
    }
  }
  return Buffer.concat(chunks);
}

/** One request and its whole answer, or an error once `limits` are passed (a hung server never hangs the caller; its request is ended). */
async function exchange(http: HttpClient, req: Parameters<HttpClient['request']>[0], limits: Limits) {
  const stop = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const e = new Error(`no whole answer within ${limits.timeoutMs} ms`);
      stop.abort(e);
      reject(e);
    }, limits.timeoutMs);
  });
  try {
    return await Promise.race([
      late,
      (async () => {
        const res = await http.request({ ...req, signal: stop.signal });
        return { res, body: await collect(res.body, limits.maxBytes) };
      })(),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const base = (url: string) => url.replace(/\/$/, '');

export async function advertise(
  http: HttpClient,
  url: string,
  headers: Record<string, string>,
  limits: Limits = DEFAULT_LIMITS,
): Promise<Advertisement> {
  const { res, body } = await exchange(http, { url: `${base(url)}/info/refs?service=git-upload-pack`, method: 'GET', headers }, limits);
  if (res.statusCode !== 200) throw new HttpStatusError(res.statusCode, `HTTP ${res.statusCode} ${res.statusMessage ?? ''}`.trim());
  const lines = readPktLines(body);
  if (lines[0] !== '# service=git-upload-pack') throw new Error('the server does not speak smart HTTP (no git-upload-pack advertisement)');
  return parseAdvertisement(lines.slice(1));
}

export interface PackRequest {
  want: string;
  caps: Set<string>;
  /** With `relative`, `depth` counts from the `shallow` boundary the client already holds. None: everything since `have`. */
  deepen?: Deepen;
  relative?: boolean;
  /** The client's shallow boundary: commits it holds without their parents. */
  shallow?: string[];
  /** Commits the client holds (with `shallow`, up to that boundary): not sent again. */
  have?: string[];
  filter?: string;
}

/** The request body of one fetch: wants with capabilities, the shallow boundary and deepening, then haves and `done`. */
export function packRequest(o: PackRequest): Buffer {
  const sideband = sidebandOf(o.caps);
  const since = o.deepen !== undefined && 'since' in o.deepen;
  const caps = [
    sideband,
    'ofs-delta',
    'shallow',
    since ? 'deepen-since' : null,
    o.relative ? 'deepen-relative' : null,
    'no-progress',
    o.filter ? 'filter' : null,
  ].filter((c): c is string => c !== null && o.caps.has(c));
  const lines = [
    `want ${o.want} ${[...caps, 'agent=gitscale'].join(' ')}\n`,
    ...(o.shallow ?? []).map((oid) => `shallow ${oid}\n`),
    ...(o.deepen === undefined ? [] : ['since' in o.deepen ? `deepen-since ${o.deepen.since}\n` : `deepen ${o.deepen.depth}\n`]),
    ...(o.filter ? [`filter ${o.filter}\n`] : []),
  ];
  return Buffer.concat([
    ...lines.map(pktLine),
    Buffer.from('0000'),
    ...(o.have ?? []).map((oid) => pktLine(`have ${oid}\n`)),
    pktLine('done\n'),
  ]);
}

const sidebandOf = (caps: Set<string>) => (caps.has('side-band-64k') ? 'side-band-64k' : caps.has('side-band') ? 'side-band' : null);

export async function uploadPack(
  http: HttpClient,
  url: string,
  headers: Record<string, string>,
  o: PackRequest,
  limits: Limits = DEFAULT_LIMITS,
): Promise<PackAnswer> {
  const payload = packRequest(o);
  const { res, body } = await exchange(
    http,
    {
      url: `${base(url)}/git-upload-pack`,
      method: 'POST',
      headers: {
        ...headers,
        'Content-Type': 'application/x-git-upload-pack-request',
        Accept: 'application/x-git-upload-pack-result',
        'Content-Length': String(payload.length),
      },
      body: (async function* () {
        yield new Uint8Array(payload);
      })(),
    },
    limits,
  );
  if (res.statusCode !== 200) throw new HttpStatusError(res.statusCode, `HTTP ${res.statusCode} ${res.statusMessage ?? ''}`.trim());
  return readPackAnswer(body, o.caps);
}

/** The answer to `packRequest`: the shallow-update section (ending in a flush), then NAK or ACK, then the pack. */
export function readPackAnswer(body: Buffer, serverCaps: Set<string>): PackAnswer {
  const sideband = sidebandOf(serverCaps);
  const shallow: string[] = [];
  const unshallow: string[] = [];
  let at = 0;
  for (;;) {
    const pkt = nextPkt(body, at);
    if (pkt === null) return { pack: null, shallow, unshallow };
    at = pkt[1];
    if (pkt[0] === 'flush') continue;
    const text = pkt[0].toString('utf8').replace(/\n$/, '');
    if (text.startsWith('ERR ')) throw new Error(`the server refused: ${text.slice(4)}`);
    if (text.startsWith('shallow ')) shallow.push(text.slice(8));
    else if (text.startsWith('unshallow ')) unshallow.push(text.slice(10));
    else if (text === 'NAK' || text.startsWith('ACK ')) break;
  }
  if (!sideband) return { pack: body.subarray(at), shallow, unshallow };
  const chunks: Buffer[] = [];
  for (let pkt = nextPkt(body, at); pkt !== null && pkt[0] !== 'flush'; pkt = nextPkt(body, pkt[1])) {
    const band = pkt[0][0];
    if (band === 1) chunks.push(pkt[0].subarray(1));
    else if (band === 3) throw new Error(`the server failed: ${pkt[0].subarray(1).toString('utf8').trim()}`);
  }
  return { pack: chunks.length ? Buffer.concat(chunks) : null, shallow, unshallow };
}
