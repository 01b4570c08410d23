// Reading files at a commit and building a commit at the object level: new blobs and only the trees
// along the changed paths, all in memory (the caller writes them as a pack or loose). Every tree
// is read through the store's cache, so a path under a large directory costs a map lookup.
import type * as nodeFs from 'node:fs';
import { compareEntries, hashObject, isBlob, isTree, serializeCommit, serializeTree, type GitObject, type TreeEntry } from './objects.js';
import type { ObjectStore } from './store.js';

/** A repository as isomorphic-git is given it (history walks). */
export interface Repo {
  fs: typeof nodeFs;
  gitdir: string;
  cache: object;
}

export interface Created {
  oid: string;
  object: GitObject;
}

const parts = (path: string) => path.split('/').filter((p) => p !== '' && p !== '.');

/** The entry at `path` under a commit's tree (the root: a synthetic tree entry); null when absent. */
function entryAt(store: ObjectStore, commit: string, path: string): TreeEntry | null {
  let entry: TreeEntry = { mode: '40000', name: '', oid: store.commit(commit).tree };
  for (const name of parts(path)) {
    if (!isTree(entry)) return null;
    const next = store.treeIndex(entry.oid).get(name);
    if (!next) return null;
    entry = next;
  }
  return entry;
}

/** Reads a file at a commit; null when absent (or not a file). */
export function readAt(store: ObjectStore, commit: string, path: string): string | null {
  const e = entryAt(store, commit, path);
  if (!e || !isBlob(e)) return null;
  const o = store.read(e.oid);
  return o && o.type === 'blob' ? o.body.toString('utf8') : null;
}

/** Every file path under `dir` ('' for the root) at a commit; empty when `dir` is not a directory there. */
export function listAt(store: ObjectStore, commit: string, dir: string): string[] {
  const clean = parts(dir).join('/');
  const e = entryAt(store, commit, clean);
  if (!e || !isTree(e)) return [];
  const out: string[] = [];
  const walk = (oid: string, prefix: string) => {
    for (const c of store.tree(oid)) {
      const path = prefix ? `${prefix}/${c.name}` : c.name;
      if (isTree(c)) walk(c.oid, path);
      else if (isBlob(c)) out.push(path);
    }
  };
  walk(e.oid, clean);
  return out;
}

/** The tree id of a directory at a commit ('' = root); null when it is not a directory there. */
export function treeIdAt(store: ObjectStore, commit: string, dir: string): string | null {
  const e = entryAt(store, commit, dir);
  return e && isTree(e) ? e.oid : null;
}

/** The oid of `base` with each `path → blob oid` in `files` put in place; every new tree is added to `created`. */
function treeWith(store: ObjectStore, base: string | undefined, files: Map<string, string>, created: Map<string, GitObject>): string {
  const entries = base ? store.tree(base) : [];
  const index = base ? store.treeIndex(base) : new Map<string, TreeEntry>();
  const here = new Map<string, TreeEntry>();
  const below = new Map<string, Map<string, string>>();
  for (const [path, oid] of files) {
    const slash = path.indexOf('/');
    if (slash < 0) here.set(path, { mode: '100644', name: path, oid });
    else {
      const dir = path.slice(0, slash);
      if (!below.has(dir)) below.set(dir, new Map());
      below.get(dir)!.set(path.slice(slash + 1), oid);
    }
  }
  for (const [name, e] of here) {
    const old = index.get(name);
    if (old && isBlob(old)) e.mode = old.mode;
  }
  for (const [dir, sub] of below) {
    const old = index.get(dir);
    here.set(dir, { mode: '40000', name: dir, oid: treeWith(store, old && isTree(old) ? old.oid : undefined, sub, created) });
  }
  // Same name, same kind: replaced in place (git's order holds); anything else: re-sorted.
  let resort = false;
  const out = entries
    .map((e) => {
      const n = here.get(e.name);
      if (!n) return e;
      if (isTree(n) !== isTree(e)) {
        resort = true;
        return null;
      }
      here.delete(e.name);
      return n;
    })
    .filter((e): e is TreeEntry => e !== null);
  if (here.size > 0) resort = true;
  out.push(...here.values());
  if (resort) out.sort(compareEntries);
  const body = serializeTree(out);
  const oid = hashObject('tree', body);
  created.set(oid, { type: 'tree', body });
  return oid;
}

/** Builds blobs, trees and the commit (nothing is written and no ref moves); returns the commit and every object made. */
export function buildCommit(
  store: ObjectStore,
  parent: string,
  files: Record<string, string>,
  message: string,
  author: { name: string; email: string },
  nowMs: number,
): { commit: string; created: Created[] } {
  const made = new Map<string, GitObject>();
  const blobs = new Map<string, string>();
  for (const [path, text] of Object.entries(files)) {
    const body = Buffer.from(text, 'utf8');
    const oid = hashObject('blob', body);
    made.set(oid, { type: 'blob', body });
    blobs.set(parts(path).join('/'), oid);
  }
  const tree = treeWith(store, store.commit(parent).tree, blobs, made);
  const who = { name: author.name, email: author.email, timestamp: Math.floor(nowMs / 1000) };
  const body = serializeCommit({ tree, parents: [parent], author: who, committer: who, message });
  const commit = hashObject('commit', body);
  made.set(commit, { type: 'commit', body });
  return { commit, created: [...made].map(([oid, object]) => ({ oid, object })) };
}
