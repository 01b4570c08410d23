// A compare-and-swap push of one commit over smart HTTP, sending exactly the objects gitscale
// made (the commit, the trees along the changed paths, the new blobs) as one pack. isomorphic-git's
// own push walks every tree of the new commit and of the merge base to find what to send; on a
// 5,000-file repo that is ~1 s per push. Here the receive-pack request carries `<old> <new> <ref>`,
// so the server itself refuses it when the branch moved (an "ng" line), which the caller retries.
import type { HttpClient } from 'isomorphic-git';
import { parseAdvertisement, pktLine, readPktLines } from './pkt-line.js';

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

async function collect(body: AsyncIterableIterator<Uint8Array> | undefined): Promise<Buffer> {
  const chunks: Buffer[] = [];
  if (body) for await (const c of body) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

export const ZERO_OID = '0'.repeat(40);

/** The refs the server advertises for pushing (`info/refs?service=git-receive-pack`): ref → oid. */
export async function advertisedRefs(http: HttpClient, url: string, headers: Record<string, string>): Promise<Map<string, string>> {
  const res = await http.request({ url: `${url.replace(/\/$/, '')}/info/refs?service=git-receive-pack`, method: 'GET', headers });
  const body = await collect(res.body);
  if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode} ${res.statusMessage ?? ''}`.trim());
  return parseAdvertisement(readPktLines(body)).refs;
}

/** The receive-pack request updating (or, with newOid = ZERO_OID, deleting) one ref: the command, a flush, the pack. */
export function pushPayload(p: Pick<PushRequest, 'ref' | 'oldOid' | 'newOid' | 'pack'>): Buffer {
  const command = pktLine(`${p.oldOid} ${p.newOid} ${p.ref}\0report-status agent=gitscale\n`);
  const parts = [command, Buffer.from('0000')];
  if (p.newOid !== ZERO_OID && p.pack) parts.push(p.pack);
  return Buffer.concat(parts);
}

/** What receive-pack's report-status says about `ref`. */
export function readReportStatus(body: Buffer, ref: string): PushOutcome {
  const lines = readPktLines(body);
  const unpack = lines.find((l) => l.startsWith('unpack '));
  if (unpack !== undefined && unpack !== 'unpack ok') return { ok: false, rejected: false, reason: unpack };
  if (lines.includes(`ok ${ref}`)) return { ok: true };
  const ng = lines.find((l) => l.startsWith(`ng ${ref} `));
  return ng ? { ok: false, rejected: true, reason: ng.slice(`ng ${ref} `.length) } : { ok: false, rejected: false, reason: lines.length ? `no status for ${ref}: ${lines.join(' | ').slice(0, 200)}` : `no status for ${ref}` };
}

/** Updates (or, with newOid = ZERO_OID, deletes) one ref, sending `objects` as the pack. */
export async function pushCommit(p: PushRequest): Promise<PushOutcome> {
  const payload = pushPayload(p);
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
  return readReportStatus(body, p.ref);
}
