// The commits of a packfile, read in one pass over the buffer without writing or indexing it.
// isomorphic-git indexes a fetched pack in JavaScript (a SHA-1 per object, asynchronously, and an
// index writer that is quadratic in the object count): 13 s for the 40,000 objects of a
// 10,000-commit window. History needs only the commits: every object is inflated natively to find
// where it ends, but only commits (and deltas on commits) are kept and hashed.
import { GitError } from '../errors.js';
import { hashObject, parseCommit } from './objects.js';
import { applyDelta, checkPack, entryHeader, inflateFront } from './pack-format.js';

export interface PackedCommit {
  oid: string;
  /** Committer time, seconds. */
  timestamp: number;
  message: string;
  parents: string[];
}

const COMMIT = 1;

const bad = (message: string) => new GitError('GIT_BAD_PACK', `packfile: ${message}`);

/** The parts of a commit history needs; a commit without a readable committer time is refused. */
function packedCommit(oid: string, body: Buffer): PackedCommit {
  const c = parseCommit(oid, body);
  if (!Number.isFinite(c.committer.timestamp)) throw bad(`commit ${oid} has no readable committer time`);
  return { oid, timestamp: c.committer.timestamp, message: c.message, parents: c.parents };
}

/** Every commit in a pack (version 2 or 3), by oid. Trees, blobs and tags are skipped. */
export function commitsInPack(pack: Buffer): Map<string, PackedCommit> {
  const count = checkPack(pack);
  // Per object offset: its type once deltas are resolved, and its body when it is a commit.
  const types = new Map<number, number>();
  const bodies = new Map<number, Buffer>();
  const byOid = new Map<string, number>();
  const out = new Map<string, PackedCommit>();
  let pos = 12;
  for (let n = 0; n < count; n++) {
    const start = pos;
    const h = entryHeader(pack, pos);
    const type = h.kind;
    // Bases come first in a non-thin pack; a base that is not a commit we kept is not a commit.
    const base = h.baseDistance !== undefined ? start - h.baseDistance : h.baseOid !== undefined ? (byOid.get(h.baseOid) ?? -1) : undefined;
    pos += h.dataStart;
    if (pos >= pack.length - 20) throw bad('pack ends inside an object');
    const { data: buffer, used } = inflateFront(pack.subarray(pos, pack.length - 20), h.size);
    pos += used;
    const resolved = base === undefined ? type : (types.get(base) ?? 0);
    types.set(start, resolved);
    if (resolved !== COMMIT) continue;
    const body = base === undefined ? buffer : applyDelta(bodies.get(base)!, buffer);
    const oid = hashObject('commit', body);
    bodies.set(start, body);
    byOid.set(oid, start);
    out.set(oid, packedCommit(oid, body));
  }
  return out;
}
