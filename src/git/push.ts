// A compare-and-swap push of one commit over smart HTTP, sending exactly the objects gitscale
// made (the commit, the trees along the changed paths, the new blobs) as one pack. isomorphic-git's
// own push walks every tree of the new commit and of the merge base to find what to send; on a
// 5,000-file repo that is ~1 s per push. Here the receive-pack request carries `<old> <new> <ref>`,
// so the server itself refuses it when the branch moved (an "ng" line), which the caller retries.
// Where the server offers side-band-64k it is asked for: receive-pack then sends a keepalive every
// few seconds while its hooks run (a slow hook is not a silent server), the hooks' output on band 2
// (said with a refusal) and the report on band 1.
import type { HttpClient } from 'isomorphic-git';
import { nextPkt, parseAdvertisement, pktLine, readPktLines, type Advertisement } from './pkt-line.js';

export interface PushRequest {
  http: HttpClient;
  url: string;
  headers: Record<string, string>;
  ref: string;
  oldOid: string;
  newOid: string;
  /** The pack of every object the server may not have yet (absent when deleting a ref). */
  pack?: Buffer;
  /** Ask for side-band-64k (only when the server advertised it). */
  sideband?: boolean;
}

export type PushOutcome = { ok: true } | { ok: false; rejected: true; reason: string } | { ok: false; rejected: false; reason: string };

async function collect(body: AsyncIterableIterator<Uint8Array> | undefined): Promise<Buffer> {
  const chunks: Buffer[] = [];
  if (body) for await (const c of body) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

export const ZERO_OID = '0'.repeat(40);

/** What the server advertises for pushing (`info/refs?service=git-receive-pack`): refs and capabilities. */
export async function receivePackAdvertisement(http: HttpClient, url: string, headers: Record<string, string>): Promise<Advertisement> {
  const res = await http.request({ url: `${url.replace(/\/$/, '')}/info/refs?service=git-receive-pack`, method: 'GET', headers });
  const body = await collect(res.body);
  if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode} ${res.statusMessage ?? ''}`.trim());
  return parseAdvertisement(readPktLines(body));
}

/** The receive-pack request updating (or, with newOid = ZERO_OID, deleting) one ref: the command, a flush, the pack. */
export function pushPayload(p: Pick<PushRequest, 'ref' | 'oldOid' | 'newOid' | 'pack' | 'sideband'>): Buffer {
  const command = pktLine(`${p.oldOid} ${p.newOid} ${p.ref}\0report-status${p.sideband ? ' side-band-64k' : ''} agent=gitscale\n`);
  const parts = [command, Buffer.from('0000')];
  if (p.newOid !== ZERO_OID && p.pack) parts.push(p.pack);
  return Buffer.concat(parts);
}

/** A side-band answer split into its bands: the report (1; keepalives are empty), what the hooks said (2), a fatal error (3). */
export function demux(body: Buffer): { data: Buffer; said: string; fatal?: string } {
  const data: Buffer[] = [];
  let said = '';
  let fatal: string | undefined;
  for (let pkt = nextPkt(body, 0); pkt !== null && pkt[0] !== 'flush'; pkt = nextPkt(body, pkt[1])) {
    const band = pkt[0][0];
    const rest = pkt[0].subarray(1);
    if (band === 1) data.push(rest);
    else if (band === 2 && said.length < 4096) said += rest.toString('utf8');
    else if (band === 3) fatal = rest.toString('utf8').trim();
  }
  return { data: Buffer.concat(data), said: said.trim().replace(/\s*[\r\n]+\s*/g, ' '), fatal };
}

/** What receive-pack's report-status says about `ref` (demultiplexed first when side-band was asked for). */
export function readReportStatus(body: Buffer, ref: string, sideband = false): PushOutcome {
  if (!sideband) return report(readPktLines(body), ref);
  const { data, said, fatal } = demux(body);
  if (fatal !== undefined) return { ok: false, rejected: false, reason: `the server failed: ${fatal}` };
  const out = report(readPktLines(data), ref);
  return out.ok || !said ? out : { ...out, reason: `${out.reason} (remote: ${said.slice(0, 500)})` };
}

function report(lines: string[], ref: string): PushOutcome {
  const unpack = lines.find((l) => l.startsWith('unpack '));
  if (unpack !== undefined && unpack !== 'unpack ok') return { ok: false, rejected: false, reason: unpack };
  if (lines.includes(`ok ${ref}`)) return { ok: true };
  const ng = lines.find((l) => l.startsWith(`ng ${ref} `));
  return ng
    ? { ok: false, rejected: true, reason: ng.slice(`ng ${ref} `.length) }
    : {
        ok: false,
        rejected: false,
        reason: lines.length ? `no status for ${ref}: ${lines.join(' | ').slice(0, 200)}` : `no status for ${ref}`,
      };
}

/** Updates (or, with newOid = ZERO_OID, deletes) one ref, sending `objects` as the pack. */
export async function pushCommit(p: PushRequest): Promise<PushOutcome> {
  const payload = pushPayload(p);
  const res = await p.http.request({
    url: `${p.url.replace(/\/$/, '')}/git-receive-pack`,
    method: 'POST',
    headers: {
      ...p.headers,
      'Content-Type': 'application/x-git-receive-pack-request',
      Accept: 'application/x-git-receive-pack-result',
      'Content-Length': String(payload.length),
    },
    body: (async function* () {
      yield new Uint8Array(payload);
    })(),
  });
  const body = await collect(res.body);
  if (res.statusCode !== 200) return { ok: false, rejected: false, reason: `HTTP ${res.statusCode} ${res.statusMessage ?? ''}`.trim() };
  return readReportStatus(body, p.ref, p.sideband);
}
