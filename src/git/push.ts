// A compare-and-swap push of one commit over smart HTTP, sending exactly the objects gitscale
// made (the commit, the trees along the changed paths, the new blobs) as one pack. isomorphic-git's
// own push walks every tree of the new commit and of the merge base to find what to send; on a
// 5,000-file repo that is ~1 s per push. Here the receive-pack request carries `<old> <new> <ref>`,
// so the server itself refuses it when the branch moved (an "ng" line), which the caller retries.
import type { HttpClient } from 'isomorphic-git';

export interface PushRequest {
  http: HttpClient;
  url: string;
  headers: Record<string, string>;
  ref: string;
  oldOid: string;
  newOid: string;
  /** The pack of every object the server may not have yet (absent when deleting a ref). */
  pack?: Buffer;
}

export type PushOutcome = { ok: true } | { ok: false; rejected: true; reason: string } | { ok: false; rejected: false; reason: string };

function pktLine(s: string): Buffer {
  const body = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from((body.length + 4).toString(16).padStart(4, '0')), body]);
}

async function collect(body: AsyncIterableIterator<Uint8Array> | undefined): Promise<Buffer> {
  const chunks: Buffer[] = [];
  if (body) for await (const c of body) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

/** Splits a pkt-line stream into its lines (flush packets dropped). */
export function readPktLines(buf: Buffer): string[] {
  const out: string[] = [];
  for (let i = 0; i + 4 <= buf.length;) {
    const len = parseInt(buf.subarray(i, i + 4).toString('ascii'), 16);
    if (Number.isNaN(len)) break;
    if (len === 0) {
      i += 4;
      continue;
    }
    out.push(buf.subarray(i + 4, i + len).toString('utf8').replace(/\n$/, ''));
    i += len;
  }
  return out;
}

export const ZERO_OID = '0'.repeat(40);

/** The refs the server advertises for pushing (`info/refs?service=git-receive-pack`): ref → oid. */
export async function advertisedRefs(http: HttpClient, url: string, headers: Record<string, string>): Promise<Map<string, string>> {
  const res = await http.request({ url: `${url.replace(/\/$/, '')}/info/refs?service=git-receive-pack`, method: 'GET', headers });
  const body = await collect(res.body);
  if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode} ${res.statusMessage ?? ''}`.trim());
  const refs = new Map<string, string>();
  for (const line of readPktLines(body)) {
    const m = /^([0-9a-f]{40}) ([^\0\s]+)/.exec(line);
    if (m && m[2] !== 'capabilities^{}') refs.set(m[2], m[1]);
  }
  return refs;
}

/** Updates (or, with newOid = ZERO_OID, deletes) one ref, sending `objects` as the pack. */
export async function pushCommit(p: PushRequest): Promise<PushOutcome> {
  const command = pktLine(`${p.oldOid} ${p.newOid} ${p.ref}\0report-status agent=gitscale\n`);
  const parts = [command, Buffer.from('0000')];
  if (p.newOid !== ZERO_OID && p.pack) parts.push(p.pack);
  const payload = Buffer.concat(parts);
  const res = await p.http.request({
    url: `${p.url.replace(/\/$/, '')}/git-receive-pack`,
    method: 'POST',
    headers: { ...p.headers, 'Content-Type': 'application/x-git-receive-pack-request', Accept: 'application/x-git-receive-pack-result', 'Content-Length': String(payload.length) },
    body: (async function* () {
      yield new Uint8Array(payload);
    })(),
  });
  const body = await collect(res.body);
  if (res.statusCode !== 200) return { ok: false, rejected: false, reason: `HTTP ${res.statusCode} ${res.statusMessage ?? ''}`.trim() };
  const lines = readPktLines(body);
  const unpack = lines.find((l) => l.startsWith('unpack '));
  if (unpack !== undefined && unpack !== 'unpack ok') return { ok: false, rejected: false, reason: unpack ?? `unexpected answer: ${lines.join(' | ').slice(0, 200)}` };
  if (lines.includes(`ok ${p.ref}`)) return { ok: true };
  const ng = lines.find((l) => l.startsWith(`ng ${p.ref} `));
  return ng ? { ok: false, rejected: true, reason: ng.slice(`ng ${p.ref} `.length) } : { ok: false, rejected: false, reason: `no status for ${p.ref}` };
}
