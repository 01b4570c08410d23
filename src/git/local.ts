// A local repository (the embedded default): commit on its branch, update the working tree and
// index to match when that branch is checked out, push nothing. A file with uncommitted edits is
// refused and the person's edit is kept.
import { isoGit } from './iso.js';
import type * as nodeFs from 'node:fs';
import { dirname, join } from 'node:path';
import { GitError, errorMessage } from '../errors.js';
import { signIfAsked, type Signer } from './signing.js';
import { openStore } from './store.js';
import { buildCommit, listAt, readAt, treeIdAt, type Repo } from './tree.js';
import type { Author, Clock, EditFn, Workspace, WriteResult } from './types.js';

export interface LocalOptions {
  repository: string;
  dir: string;
  branch: string;
  fs: typeof nodeFs;
  clock: Clock;
  /** Sign every commit with this signer; asked before each commit. */
  signer?: () => Promise<Signer>;
  /** Names this process's temp files, so two processes never share one (default process.pid). */
  pid?: number;
}

export function openLocal(o: LocalOptions): Workspace {
  const repo: Repo = { fs: o.fs, gitdir: join(o.dir, '.git'), cache: {} };
  const pid = o.pid ?? process.pid;
  const store = openStore(o.fs, repo.gitdir, pid);
  const ref = `refs/heads/${o.branch}`;
  let head: string | undefined;

  async function sync(): Promise<string> {
    try {
      head = await (await isoGit()).resolveRef({ fs: o.fs, gitdir: repo.gitdir, ref });
      return head;
    } catch (e) {
      throw branchError(o, e);
    }
  }

  async function checkedOut(): Promise<boolean> {
    const current = await (await isoGit()).currentBranch({ fs: o.fs, gitdir: repo.gitdir, fullname: true }).catch(() => undefined);
    return current === ref;
  }

  async function assertClean(paths: string[]): Promise<void> {
    for (const filepath of paths) {
      const s = await (await isoGit()).status({ fs: o.fs, dir: o.dir, gitdir: repo.gitdir, filepath, cache: repo.cache });
      if (s !== 'unmodified') {
        throw new GitError(
          'GIT_DIRTY_WORKTREE',
          `repository '${o.repository}': ${filepath} has uncommitted changes (${s}); gitscale will not overwrite them — commit or discard them first`,
          { repository: o.repository, file: filepath },
        );
      }
    }
  }

  /** Moves the branch from `old` to `value` under git's own `<ref>.lock`, as git does. */
  async function casRef(old: string, value: string): Promise<boolean> {
    const path = join(repo.gitdir, ref);
    const lock = `${path}.lock`;
    await o.fs.promises.mkdir(dirname(path), { recursive: true });
    let fh: nodeFs.promises.FileHandle | undefined;
    try {
      fh = await o.fs.promises.open(lock, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      throw new GitError('GIT_REF_LOCKED', `repository '${o.repository}': ${ref} is locked by another git process (${lock} exists)`, {
        repository: o.repository,
      });
    }
    try {
      if ((await (await isoGit()).resolveRef({ fs: o.fs, gitdir: repo.gitdir, ref })) !== old) return false;
      await fh.writeFile(`${value}\n`);
      await fh.close();
      fh = undefined;
      await o.fs.promises.rename(lock, path);
      return true;
    } finally {
      await fh?.close();
      await o.fs.promises.rm(lock, { force: true });
    }
  }

  async function writeAtomic(path: string, text: string): Promise<void> {
    const full = join(o.dir, path);
    await o.fs.promises.mkdir(dirname(full), { recursive: true });
    const tmp = `${full}.gitscale-${pid}.tmp`;
    await o.fs.promises.writeFile(tmp, text, 'utf8');
    await o.fs.promises.rename(tmp, full);
  }

  async function write(edit: EditFn, author: Author): Promise<WriteResult | null> {
    for (let attempt = 1; attempt <= 3; attempt++) {
      const parent = await sync();
      const worktree = await checkedOut();
      // A file with uncommitted edits cannot be read for editing: the edit decides what to skip.
      const e = await edit(async (p) => {
        if (worktree) await assertClean([p]);
        return readAt(store, parent, p);
      }, attempt);
      if (!e || Object.keys(e.files).length === 0) return null;
      const paths = Object.keys(e.files);
      const { commit, created } = await signIfAsked(
        o.repository,
        o.signer,
        buildCommit(store, parent, e.files, e.message, author, o.clock.now()),
      );
      store.writeLoose(created);
      // Compare-and-swap on the branch: someone committed meanwhile → build again on the new head.
      if (!(await casRef(parent, commit))) continue;
      head = commit;
      const result: WriteResult = { commit, parent, files: paths, message: e.message, attempts: attempt };
      if (worktree) {
        try {
          for (const p of paths) await writeAtomic(p, e.files[p]);
          const git = await isoGit();
          for (const p of paths) await git.add({ fs: o.fs, dir: o.dir, gitdir: repo.gitdir, filepath: p, cache: repo.cache });
        } catch (err) {
          // The commit is on the branch; only the checkout lags behind it.
          result.warning = `committed ${commit.slice(0, 12)}, but the working tree of ${o.dir} could not be updated (${errorMessage(err)}); run: git checkout HEAD -- ${paths.join(' ')}`;
        }
      }
      return result;
    }
    throw new GitError('GIT_BRANCH_MOVING', `repository '${o.repository}': branch '${o.branch}' kept moving while committing`, {
      repository: o.repository,
    });
  }

  return {
    repository: o.repository,
    sync,
    read: async (path) => readAt(store, head ?? (await sync()), path),
    list: async (dir) => listAt(store, head ?? (await sync()), dir),
    treeId: async (dir) => treeIdAt(store, head ?? (await sync()), dir),
    write,
  };
}

/** Why a local repository's branch cannot be read: the branch is missing, the directory is bare, or it is no repository. */
export function branchError(o: { repository: string; dir: string; branch: string; fs: typeof nodeFs }, e: unknown): GitError {
  if (o.fs.existsSync(join(o.dir, '.git'))) {
    return new GitError(
      'GIT_BRANCH_NOT_FOUND',
      `repository '${o.repository}': branch '${o.branch}' not found in ${o.dir}: ${errorMessage(e)}`,
      { repository: o.repository },
    );
  }
  // A bare repository (HEAD, objects/ and refs/ at the top, no .git) has no working tree to commit in.
  const bare = ['HEAD', 'objects', 'refs'].every((n) => o.fs.existsSync(join(o.dir, n)));
  return new GitError(
    bare ? 'GIT_BARE_REPOSITORY' : 'GIT_NOT_A_REPOSITORY',
    bare
      ? `repository '${o.repository}': ${o.dir} is a bare Git repository; a local url must be a working tree (a directory with .git). Clone it (git clone ${o.dir} <dir>) and use that directory, or serve the bare repository over http(s) and use its http:// or https:// URL`
      : `repository '${o.repository}': ${o.dir} is not a Git repository`,
    { repository: o.repository },
  );
}
