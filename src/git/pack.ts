// The commits of a packfile, read in one pass over the buffer without writing or indexing it.
// isomorphic-git indexes a fetched pack in JavaScript (a SHA-1 per object, asynchronously, and an
// index writer that is quadratic in the object count): 13 s for the 40,000 objects of a
// 10,000-commit window. History needs only the commits: every object is inflated natively to find
// where it ends, but only commits (and deltas on commits) are kept and hashed.
import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { GitError } from '../errors.js';

export interface PackedCommit {
  oid: string;
  /** Committer time, seconds. */
  timestamp: number;
  message: string;
  parents: string[];
}

const COMMIT = 1;
const OFS_DELTA = 6;
const REF_DELTA = 7;

const bad = (message: string) => new GitError('GIT_BAD_PACK', `packfile: ${message}`);

/** Applies a git delta to `base`. */
export function applyDelta(base: Buffer, delta: Buffer): Buffer {
  let i = 0;
  const varint = () => {
    let n = 0;
    for (let shift = 0; ; shift += 7) {
      const b = delta[i++];
      n += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return n;
    }
  };
  if (varint() !== base.length) throw bad('delta base size does not match');
  const out = Buffer.alloc(varint());
  let o = 0;
  while (i < delta.length) {
    const op = delta[i++];
    if (op & 0x80) {
      let off = 0;
      let size = 0;
      for (let b = 0; b < 4; b++) if (op & (1 << b)) off |= delta[i++] << (8 * b);
      for (let b = 0; b < 3; b++) if (op & (0x10 << b)) size |= delta[i++] << (8 * b);
      off >>>= 0;
      if (size === 0) size = 0x10000;
      if (off + size > base.length || o + size > out.length) throw bad('delta copies outside its base');
      base.copy(out, o, off, off + size);
      o += size;
    } else if (op) {
      if (o + op > out.length) throw bad('delta inserts past its result');
      delta.copy(out, o, i, i + op);
      i += op;
      o += op;
    } else throw bad('delta opcode 0');
  }
  if (o !== out.length) throw bad('delta result size does not match');
  return out;
}

export function parseCommit(oid: string, body: Buffer): PackedCommit {
  const text = body.toString('utf8');
  const end = text.indexOf('\n\n');
  const head = end < 0 ? text : text.slice(0, end);
  const parents: string[] = [];
  let timestamp = NaN;
  for (const line of head.split('\n')) {
    if (line.startsWith('parent ')) parents.push(line.slice(7, 47));
    else if (line.startsWith('committer ')) timestamp = Number(/ (\d+) [+-]\d{4}$/.exec(line)?.[1]);
  }
  if (!Number.isFinite(timestamp)) throw bad(`commit ${oid} has no readable committer time`);
  return { oid, timestamp, message: end < 0 ? '' : text.slice(end + 2), parents };
}

function commitOid(body: Buffer): string {
  return createHash('sha1').update(`commit ${body.length}\0`).update(body).digest('hex');
}

/** Every commit in a pack (version 2 or 3), by oid. Trees, blobs and tags are skipped. */
export function commitsInPack(pack: Buffer): Map<string, PackedCommit> {
  if (pack.length < 32 || pack.toString('latin1', 0, 4) !== 'PACK') throw bad('not a packfile');
  const version = pack.readUInt32BE(4);
  if (version !== 2 && version !== 3) throw bad(`pack version ${version} is not supported`);
  const want = pack.subarray(pack.length - 20).toString('hex');
  if (createHash('sha1').update(pack.subarray(0, pack.length - 20)).digest('hex') !== want) throw bad('pack checksum does not match (corrupted in transfer)');
  const count = pack.readUInt32BE(8);
  // Per object offset: its type once deltas are resolved, and its body when it is a commit.
  const types = new Map<number, number>();
  const bodies = new Map<number, Buffer>();
  const byOid = new Map<string, number>();
  const out = new Map<string, PackedCommit>();
  let pos = 12;
  for (let n = 0; n < count; n++) {
    const start = pos;
    let c = pack[pos++];
    const type = (c >> 4) & 7;
    while (c & 0x80) c = pack[pos++];
    let base: number | undefined;
    if (type === OFS_DELTA) {
      c = pack[pos++];
      let off = c & 0x7f;
      while (c & 0x80) {
        c = pack[pos++];
        off = (off + 1) * 128 + (c & 0x7f);
      }
      base = start - off;
    } else if (type === REF_DELTA) {
      // Bases come first in a non-thin pack; a base that is not a commit we kept is not a commit.
      base = byOid.get(pack.toString('hex', pos, pos + 20)) ?? -1;
      pos += 20;
    }
    if (pos >= pack.length - 20) throw bad('pack ends inside an object');
    const { buffer, engine } = inflateSync(pack.subarray(pos, pack.length - 20), { info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
    pos += engine.bytesWritten;
    const resolved = base === undefined ? type : (types.get(base) ?? 0);
    types.set(start, resolved);
    if (resolved !== COMMIT) continue;
    const body = base === undefined ? buffer : applyDelta(bodies.get(base)!, buffer);
    const oid = commitOid(body);
    bodies.set(start, body);
    byOid.set(oid, start);
    out.set(oid, parseCommit(oid, body));
  }
  return out;
}
