// Object-level commits: write the new blobs and only the trees along the changed paths.
import git from 'isomorphic-git';
import type { TreeEntry } from 'isomorphic-git';
import type * as nodeFs from 'node:fs';

export interface Repo {
  fs: typeof nodeFs;
  gitdir: string;
  cache: object;
}

/** git's tree order: byte order of names, a tree compared as if its name ended in '/'. */
function sortKey(e: TreeEntry): string {
  return e.type === 'tree' ? `${e.path}/` : e.path;
}

function compare(a: TreeEntry, b: TreeEntry): number {
  const x = Buffer.from(sortKey(a));
  const y = Buffer.from(sortKey(b));
  return Buffer.compare(x, y);
}

/** Returns the oid of `baseTree` with each `path → blob oid` in `files` put in place; adds every tree it writes to `written`. */
export async function writeTreeWith(repo: Repo, baseTree: string | undefined, files: Map<string, string>, written: string[] = []): Promise<string> {
  const entries: TreeEntry[] = baseTree ? (await git.readTree({ fs: repo.fs, gitdir: repo.gitdir, oid: baseTree, cache: repo.cache })).tree : [];
  const here = new Map<string, string>();
  const below = new Map<string, Map<string, string>>();
  for (const [path, oid] of files) {
    const slash = path.indexOf('/');
    if (slash < 0) here.set(path, oid);
    else {
      const dir = path.slice(0, slash);
      if (!below.has(dir)) below.set(dir, new Map());
      below.get(dir)!.set(path.slice(slash + 1), oid);
    }
  }
  const out = entries.filter((e) => !here.has(e.path) && !below.has(e.path));
  for (const [name, oid] of here) {
    const old = entries.find((e) => e.path === name && e.type === 'blob');
    out.push({ mode: old?.mode ?? '100644', path: name, oid, type: 'blob' });
  }
  for (const [dir, sub] of below) {
    const old = entries.find((e) => e.path === dir && e.type === 'tree');
    const oid = await writeTreeWith(repo, old?.oid, sub, written);
    out.push({ mode: '040000', path: dir, oid, type: 'tree' });
  }
  out.sort(compare);
  const oid = await git.writeTree({ fs: repo.fs, gitdir: repo.gitdir, tree: out });
  written.push(oid);
  return oid;
}

/** Reads a file at a commit; null when absent. */
export async function readAt(repo: Repo, commit: string, path: string): Promise<string | null> {
  try {
    const { blob } = await git.readBlob({ fs: repo.fs, gitdir: repo.gitdir, oid: commit, filepath: path, cache: repo.cache });
    return Buffer.from(blob).toString('utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'NotFoundError' || code === 'ObjectTypeError') return null;
    throw e;
  }
}

/** Writes blobs, trees and the commit object (no ref is moved); returns the commit and every object written. */
export async function writeCommitObject(repo: Repo, parent: string, files: Record<string, string>, message: string, author: { name: string; email: string }, nowMs: number): Promise<{ commit: string; objects: string[] }> {
  const blobs = new Map<string, string>();
  for (const [path, text] of Object.entries(files)) {
    blobs.set(path, await git.writeBlob({ fs: repo.fs, gitdir: repo.gitdir, blob: Buffer.from(text, 'utf8') }));
  }
  const { commit } = await git.readCommit({ fs: repo.fs, gitdir: repo.gitdir, oid: parent, cache: repo.cache });
  const objects = [...blobs.values()];
  const tree = await writeTreeWith(repo, commit.tree, blobs, objects);
  const who = { name: author.name, email: author.email, timestamp: Math.floor(nowMs / 1000), timezoneOffset: 0 };
  const oid = await git.writeCommit({ fs: repo.fs, gitdir: repo.gitdir, commit: { message, tree, parent: [parent], author: who, committer: who } });
  return { commit: oid, objects: [...new Set([...objects, oid])] };
}

/** Every file path under `dir` ('' for the root) at a commit; empty when `dir` is not a directory there. */
export async function listAt(repo: Repo, commit: string, dir: string): Promise<string[]> {
  const clean = dir.replace(/\/+$/, '');
  let tree: TreeEntry[];
  try {
    tree = (await git.readTree({ fs: repo.fs, gitdir: repo.gitdir, oid: commit, filepath: clean || undefined, cache: repo.cache })).tree;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'NotFoundError' || code === 'ObjectTypeError') return [];
    throw e;
  }
  const out: string[] = [];
  for (const e of tree) {
    const path = clean ? `${clean}/${e.path}` : e.path;
    if (e.type === 'blob') out.push(path);
    else if (e.type === 'tree') out.push(...(await listAt(repo, commit, path)));
  }
  return out;
}

/** The tree id of a directory at a commit ('' = root); null when it is not a directory there. */
export async function treeIdAt(repo: Repo, commit: string, dir: string): Promise<string | null> {
  try {
    return (await git.readTree({ fs: repo.fs, gitdir: repo.gitdir, oid: commit, filepath: dir.replace(/\/+$/, '') || undefined, cache: repo.cache })).oid;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'NotFoundError' || code === 'ObjectTypeError') return null;
    throw e;
  }
}
