// git's pkt-line framing (gitprotocol-common): a 4-digit hex length (itself included), then the
// payload; 0000 is a flush. Shared by smart HTTP and SSH.

export function pktLine(s: string): Buffer {
  const body = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from((body.length + 4).toString(16).padStart(4, '0')), body]);
}

export const FLUSH = '0000';

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
    out.push(
      buf
        .subarray(i + 4, i + len)
        .toString('utf8')
        .replace(/\n$/, ''),
    );
    i += len;
  }
  return out;
}

/** Splits pkt-lines off the front of `buf` from `at`: [payload | 'flush', next offset]; null at the end. */
export function nextPkt(buf: Buffer, at: number): [Buffer | 'flush', number] | null {
  if (at + 4 > buf.length) return null;
  const len = parseInt(buf.toString('latin1', at, at + 4), 16);
  if (Number.isNaN(len) || (len > 0 && len < 4) || at + len > buf.length) throw new Error(`malformed answer at byte ${at}`);
  return len === 0 ? ['flush', at + 4] : [buf.subarray(at + 4, at + len), at + len];
}

/** Where the first flush of `buf` ends (the end of an advertisement), or -1 while it has not arrived whole. */
export function endOfFirstFlush(buf: Buffer): number {
  for (let at = 0; at + 4 <= buf.length;) {
    const len = parseInt(buf.toString('latin1', at, at + 4), 16);
    if (Number.isNaN(len) || (len > 0 && len < 4)) throw new Error(`malformed answer at byte ${at}`);
    if (len === 0) return at + 4;
    at += len;
  }
  return -1;
}

export interface Advertisement {
  /** ref → oid */
  refs: Map<string, string>;
  caps: Set<string>;
}

/** The refs and capabilities of an advertisement's lines (a `# service=` line and `capabilities^{}` do not count). */
export function parseAdvertisement(lines: string[]): Advertisement {
  const refs = new Map<string, string>();
  let caps = new Set<string>();
  for (const line of lines) {
    const [ref, capText] = line.split('\0');
    if (capText !== undefined) caps = new Set(capText.trim().split(' '));
    const m = /^([0-9a-f]{40}) (\S+)$/.exec(ref);
    if (m && m[2] !== 'capabilities^{}') refs.set(m[2], m[1]);
  }
  return { refs, caps };
}
