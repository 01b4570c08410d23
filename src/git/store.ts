// A repository's object database read and written directly: version-2 pack indexes held in memory,
// pack entries read by position (only the bytes of the object asked for), loose objects, native
// zlib. Parsed trees and commits are cached by id (an id never changes its content), bounded, so a
// tick that reads 500 files under one 5,000-entry directory parses that directory once, and the
// next tick not at all. File handles are held only while in use (closed after a second idle).
import type * as nodeFs from 'node:fs';
import { join } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import { GitError } from '../errors.js';
import { Lru } from '../lru.js';
import { parseCommit, parseTree, type CommitInfo, type GitObject, type ObjectType, type TreeEntry } from './objects.js';
import {
  buildIndex,
  chunkFor,
  entryHeader,
  indexPack,
  OFS_DELTA,
  REF_DELTA,
  typeName,
  undelta,
  type PackIndexData,
} from './pack-format.js';

interface Pack {
  name: string;
  idx: Buffer;
  count: number;
  /** Entry offsets in pack order, to find where each entry ends. */
  sorted: Float64Array;
  size: number;
  fd?: number;
}

export interface ObjectStore {
  /** The object, or null when this repository does not have it. */
  read(oid: string): GitObject | null;
  has(oid: string): boolean;
  /** A tree's entries (cached); throws when it is missing or not a tree. */
  tree(oid: string): TreeEntry[];
  /** A tree's entries by name (cached). */
  treeIndex(oid: string): Map<string, TreeEntry>;
  commit(oid: string): CommitInfo;
  /** Indexes a pack (checking every object) unless its index data is given, writes it and its .idx. */
  addPack(pack: Buffer, known?: PackIndexData): void;
  /** Writes objects loose (zlib), as git does for a few objects. */
  writeLoose(objects: { oid: string; object: GitObject }[]): void;
  /** Closes held file handles now. */
  close(): void;
}

const IDX_MAGIC = 0xff744f63;
const missing = (oid: string, what: string) => new GitError('GIT_MISSING_OBJECT', `object ${oid} ${what}`);

function parseIdx(name: string, idx: Buffer, size: number): Pack {
  if (idx.length < 8 + 1024 + 40 || idx.readUInt32BE(0) !== IDX_MAGIC || idx.readUInt32BE(4) !== 2)
    throw new GitError('GIT_BAD_PACK', `${name}.idx is not a version-2 pack index`);
  const count = idx.readUInt32BE(8 + 255 * 4);
  const sorted = new Float64Array(count);
  const offBase = 8 + 1024 + count * 24;
  const largeBase = offBase + count * 4;
  for (let i = 0; i < count; i++) {
    const v = idx.readUInt32BE(offBase + i * 4);
    sorted[i] = v & 0x80000000 ? Number(idx.readBigUInt64BE(largeBase + (v & 0x7fffffff) * 8)) : v;
  }
  sorted.sort();
  return { name, idx, count, sorted, size };
}

/** The entry offset of `oid` in a pack, or -1. */
function findOffset(p: Pack, want: Buffer): number {
  const first = want[0];
  let lo = first === 0 ? 0 : p.idx.readUInt32BE(8 + (first - 1) * 4);
  let hi = p.idx.readUInt32BE(8 + first * 4);
  const oids = 8 + 1024;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = p.idx.compare(want, 0, 20, oids + mid * 20, oids + mid * 20 + 20);
    if (c === 0) {
      const v = p.idx.readUInt32BE(oids + p.count * 24 + mid * 4);
      return v & 0x80000000 ? Number(p.idx.readBigUInt64BE(oids + p.count * 28 + (v & 0x7fffffff) * 8)) : v;
    }
    if (c > 0) hi = mid;
    else lo = mid + 1;
  }
  return -1;
}

/** Where the entry starting at `offset` ends: the next entry's start, or the trailer. */
function entryEnd(p: Pack, offset: number): number {
  let lo = 0;
  let hi = p.count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (p.sorted[mid] <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo < p.count ? p.sorted[lo] : p.size - 20;
}

/** `pid` names this process's temp files, so two processes never share one. */
export function openStore(fs: typeof nodeFs, gitdir: string, pid = process.pid): ObjectStore {
  const packDir = join(gitdir, 'objects', 'pack');
  let packs: Pack[] | undefined;
  let idle: NodeJS.Timeout | undefined;
  const objects = new Lru<string, GitObject>(16 * 1024 * 1024, (o) => o.body.length + 64);
  const trees = new Lru<string, TreeEntry[]>(400_000, (t) => t.length + 1);
  const indexes = new Lru<string, Map<string, TreeEntry>>(200_000, (t) => t.size + 1);
  const commits = new Lru<string, CommitInfo>(4096, () => 1);

  function loadPacks(): Pack[] {
    const names = fs.existsSync(packDir)
      ? fs
          .readdirSync(packDir)
          .filter((n) => n.endsWith('.idx'))
          .map((n) => n.slice(0, -4))
      : [];
    const old = new Map((packs ?? []).map((p) => [p.name, p]));
    const next: Pack[] = [];
    for (const name of names) {
      const have = old.get(name);
      if (have) {
        next.push(have);
        old.delete(name);
        continue;
      }
      const packFile = join(packDir, `${name}.pack`);
      if (!fs.existsSync(packFile)) continue;
      next.push(parseIdx(name, fs.readFileSync(join(packDir, `${name}.idx`)), fs.statSync(packFile).size));
    }
    for (const p of old.values()) if (p.fd !== undefined) fs.closeSync(p.fd);
    packs = next;
    return next;
  }

  function close(): void {
    if (idle) clearTimeout(idle);
    idle = undefined;
    for (const p of packs ?? []) {
      if (p.fd !== undefined) fs.closeSync(p.fd);
      p.fd = undefined;
    }
  }

  function fdOf(p: Pack): number {
    if (p.fd === undefined) p.fd = fs.openSync(join(packDir, `${p.name}.pack`), 'r');
    if (!idle) {
      idle = setTimeout(close, 1000);
      idle.unref();
    }
    return p.fd;
  }

  function readEntry(p: Pack, offset: number, depth: number): GitObject {
    const key = `${p.name}:${offset}`;
    const hit = objects.get(key);
    if (hit) return hit;
    if (depth > 10_000) throw new GitError('GIT_BAD_PACK', `${p.name}: delta chain too deep at ${offset}`);
    const end = entryEnd(p, offset);
    const raw = Buffer.allocUnsafe(end - offset);
    const got = fs.readSync(fdOf(p), raw, 0, raw.length, offset);
    if (got !== raw.length) throw new GitError('GIT_BAD_PACK', `${p.name}.pack is shorter than its index says`);
    const h = entryHeader(raw, 0);
    const data = inflateSync(raw.subarray(h.dataStart), { chunkSize: chunkFor(h.size) });
    let o: GitObject;
    if (h.kind === OFS_DELTA) {
      o = undelta(readEntry(p, offset - h.baseDistance!, depth + 1), data);
    } else if (h.kind === REF_DELTA) {
      const base = read(h.baseOid!);
      if (!base) throw missing(h.baseOid!, `(a delta base in ${p.name}.pack) is missing`);
      o = undelta(base, data);
    } else o = { type: typeName(h.kind), body: data };
    objects.set(key, o);
    return o;
  }

  function fromPacks(want: Buffer): GitObject | null {
    for (const p of packs ?? loadPacks()) {
      const offset = findOffset(p, want);
      if (offset >= 0) return readEntry(p, offset, 0);
    }
    return null;
  }

  function loose(oid: string): GitObject | null {
    let file: Buffer;
    try {
      file = fs.readFileSync(join(gitdir, 'objects', oid.slice(0, 2), oid.slice(2)));
    } catch {
      return null;
    }
    const data = inflateSync(file);
    const nul = data.indexOf(0);
    const [type] = data.toString('latin1', 0, nul).split(' ');
    return { type: type as ObjectType, body: data.subarray(nul + 1) };
  }

  function read(oid: string): GitObject | null {
    if (!/^[0-9a-f]{40}$/.test(oid)) return null;
    const want = Buffer.from(oid, 'hex');
    try {
      const found = fromPacks(want) ?? loose(oid);
      if (found) return found;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    // Someone (git gc, a fetch) may have repacked meanwhile.
    close();
    loadPacks();
    return fromPacks(want) ?? loose(oid);
  }

  function typed(oid: string, type: ObjectType): Buffer {
    const o = read(oid);
    if (!o) throw missing(oid, 'is missing');
    if (o.type !== type) throw new GitError('GIT_OBJECT_TYPE', `object ${oid} is a ${o.type}, not a ${type}`);
    return o.body;
  }

  function tree(oid: string): TreeEntry[] {
    let t = trees.get(oid);
    if (!t) trees.set(oid, (t = parseTree(oid, typed(oid, 'tree'))));
    return t;
  }

  function writeFileAtomic(path: string, data: Buffer): void {
    const tmp = `${path}.tmp-${pid}`;
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, path);
  }

  return {
    read,
    has: (oid) => read(oid) !== null,
    tree,
    treeIndex(oid) {
      let m = indexes.get(oid);
      if (!m) indexes.set(oid, (m = new Map(tree(oid).map((e) => [e.name, e]))));
      return m;
    },
    commit(oid) {
      let c = commits.get(oid);
      if (!c) commits.set(oid, (c = parseCommit(oid, typed(oid, 'commit'))));
      return c;
    },
    addPack(pack, known) {
      const index = known ?? indexPack(pack, (oid) => read(oid));
      const name = `pack-${index.checksum.toString('hex')}`;
      fs.mkdirSync(packDir, { recursive: true });
      // The pack first, its index last: a reader only looks for packs through their index.
      writeFileAtomic(join(packDir, `${name}.pack`), pack);
      writeFileAtomic(join(packDir, `${name}.idx`), buildIndex(index));
      loadPacks();
    },
    writeLoose(list) {
      for (const { oid, object } of list) {
        const dir = join(gitdir, 'objects', oid.slice(0, 2));
        const path = join(dir, oid.slice(2));
        if (fs.existsSync(path)) continue;
        fs.mkdirSync(dir, { recursive: true });
        writeFileAtomic(path, deflateSync(Buffer.concat([Buffer.from(`${object.type} ${object.body.length}\0`), object.body])));
      }
    },
    close,
  };
}
