// A persistent workspace for an HTTP(S) remote: cloned once (depth 1, one branch, no checkout),
// fetched each tick with our head as a have (only the commits since, and the objects they changed),
// commits built at the object level in memory and pushed as one pack with a compare-and-swap on
// the branch; a lost race is retried on the new head with jitter. The base branch is never
// force-pushed. The object database is read and written by gitscale's own store (store.ts), in
// git's formats, so native git can inspect the workspace.
import type * as nodeFs from 'node:fs';
import { join } from 'node:path';
import { GitError, PushRejectedError, errorMessage, type GitCode } from '../errors.js';
import { authHeaders, scrub } from './auth.js';
import { DEFAULT_GIT_BOUNDS, GitTimeoutError, type GitBounds } from './bounds.js';
import { gitHttp } from './http.js';
import { buildPack } from './pack-format.js';
import { remoteBranches } from './branches.js';
import { signIfAsked, type Signer } from './signing.js';
import { sshTransport, type SshOptions } from './ssh.js';
import { openStore, type ObjectStore } from './store.js';
import { buildCommit, listAt, readAt, treeIdAt, type Created } from './tree.js';
import type { Author, Clock, EditFn, Workspace, WriteResult } from './types.js';
import { isoGit } from './iso.js';
import { httpTransport, TransportError, type GitTransport } from './transport.js';
export interface RemoteOptions {
  repository: string;
  url: string;
  branch: string;
  /** Directory holding this workspace (one per repository under the data dir). */
  dir: string;
  /** A fixed token, or a provider asked before each operation (e.g. GitHub App installation tokens, which expire). */
  token?: string | (() => Promise<string | undefined>);
  username?: string;
  fs: typeof nodeFs;
  clock: Clock;
  /** Waits between push retries; injectable so tests stay fast. */
  sleep?: (ms: number) => Promise<void>;
  /** A lost race is retried on the new head until this much time has passed since the first attempt (default 30 s)… */
  retryBudgetMs?: number;
  /** …or this many attempts were made (default 50). */
  maxAttempts?: number;
  random?: () => number;
  /** Re-clone once this many packs have piled up from fetches (default 64). */
  maxPacks?: number;
  /** An SSH remote (`url` is then an ssh:// or scp-style URL): the key and the host keys to accept. */
  ssh?: SshOptions;
  /** Sign every commit (direct and bot branches) with this signer; asked before each commit. */
  signer?: () => Promise<Signer>;
  /** How long a request to the server may take (bounds.ts; default 20 s to connect, 30 s of silence, 120 s in all). */
  bounds?: GitBounds;
  /** Names this process's temp files, so two processes never share one (default process.pid). */
  pid?: number;
}

const RETRYABLE = new Set(['PushRejectedError', 'GitPushError']);
const MAX_PACKS = 64;

export function openRemote(o: RemoteOptions): Workspace {
  const gitdir = join(o.dir, '.git');
  const pid = o.pid ?? process.pid;
  let store: ObjectStore = openStore(o.fs, gitdir, pid);
  let secret: string | undefined = typeof o.token === 'string' ? o.token : undefined;
  /** The auth headers for this operation (a provider's token may have been renewed). */
  async function session(): Promise<Record<string, string>> {
    if (typeof o.token === 'function') secret = await o.token();
    return authHeaders(secret, o.username);
  }
  const bounds = o.bounds ?? DEFAULT_GIT_BOUNDS;
  const http = gitHttp(bounds);
  const transport: GitTransport = o.ssh ? sshTransport({ bounds, ...o.ssh }) : httpTransport(o.url, session, http);
  const remoteRef = `refs/remotes/origin/${o.branch}`;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let head: string | undefined;
  /** Set when reading the workspace failed (a damaged pack, a lost file): the next sync clones afresh. */
  let damaged = false;
  /** The bot-branch commit branchHead read last (not kept in the store); writeBranch compares with it. */

  const fail = (code: GitCode, what: string, e: unknown): GitError =>
    new GitError(code, `repository '${o.repository}' (${o.url}): ${what}: ${scrub(errorMessage(e), secret, o.username)}`, {
      repository: o.repository,
    });
  /** A push past its bounds: it may have landed, and the next sync reads the branch as it is. */
  const unanswered =
    (what: string) =>
    (e: unknown): never => {
      if (!(e instanceof GitTimeoutError)) throw e;
      throw fail(
        'GIT_PUSH_TIMEOUT',
        `${what} unanswered`,
        new Error(`${e.message}; it may have landed: the next sync reads the branch as it is and nothing is written twice`),
      );
    };
  const file = (...p: string[]) => join(gitdir, ...p);
  const readText = (path: string) => o.fs.promises.readFile(path, 'utf8').catch(() => null);

  /** The workspace is a clone of this URL (the url in .git/config; never a token). */
  async function cloned(): Promise<boolean> {
    const config = await readText(file('config'));
    return config !== null && /\[remote "origin"\]\n\turl = (.*)\n/.exec(config)?.[1] === o.url;
  }

  // Each fetch adds a small pack; past MAX_PACKS the workspace is cloned afresh (a cheap gc).
  async function packCount(): Promise<number> {
    const names = await o.fs.promises.readdir(file('objects', 'pack')).catch(() => [] as string[]);
    return names.filter((n) => n.endsWith('.pack')).length;
  }

  /** An empty repository in git's layout that native git can read (no working tree, no token). */
  async function init(): Promise<void> {
    store.close();
    await o.fs.promises.rm(o.dir, { recursive: true, force: true });
    for (const d of [
      ['objects', 'pack'],
      ['refs', 'heads'],
      ['refs', 'remotes', 'origin'],
      ['refs', 'tags'],
    ])
      await o.fs.promises.mkdir(file(...d), { recursive: true });
    await o.fs.promises.writeFile(file('HEAD'), `ref: refs/heads/${o.branch}\n`);
    await o.fs.promises.writeFile(
      file('config'),
      `[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n[remote "origin"]\n\turl = ${o.url}\n\tfetch = +refs/heads/${o.branch}:${remoteRef}\n`,
    );
    store = openStore(o.fs, gitdir, pid);
  }

  async function writeRef(ref: string, oid: string): Promise<void> {
    const path = file(ref);
    const tmp = `${path}.tmp-${pid}`;
    await o.fs.promises.writeFile(tmp, `${oid}\n`);
    await o.fs.promises.rename(tmp, path);
  }

  async function shallowList(): Promise<string[]> {
    return ((await readText(file('shallow'))) ?? '').split('\n').filter((l) => /^[0-9a-f]{40}$/.test(l));
  }

  /** A read of the workspace; one that fails means the workspace is damaged: said so, and cloned afresh at the next sync. */
  function guard<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      damaged = true;
      throw new GitError(
        'GIT_WORKSPACE_DAMAGED',
        `repository '${o.repository}': the workspace in ${o.dir} cannot be read (${errorMessage(e)}); it is cloned afresh at the next sync`,
        { repository: o.repository },
      );
    }
  }

  const fetchError = (e: unknown): GitError => {
    if (e instanceof GitError) return e;
    if (e instanceof TransportError) return fail(e.code, `cannot fetch branch '${o.branch}'`, e);
    return fail('GIT_UNREACHABLE', `cannot fetch branch '${o.branch}'`, e);
  };

  async function sync(): Promise<string> {
    try {
      const ad = await transport.advertise();
      const remote = ad.refs.get(`refs/heads/${o.branch}`);
      if (!remote) throw fail('GIT_BRANCH_NOT_FOUND', `branch '${o.branch}' not found`, new Error('the server does not advertise it'));
      let have =
        !damaged && (await cloned()) && (await packCount()) <= (o.maxPacks ?? MAX_PACKS)
          ? (head ?? (await readText(file(remoteRef)))?.trim() ?? null)
          : null;
      // Without a head of our own (or one we cannot read), an incremental fetch would be the whole history: clone afresh.
      try {
        if (have && !store.has(have)) have = null;
      } catch {
        have = null;
      }
      damaged = false;
      const fresh = have === null;
      if (fresh) await init();
      if (!store.has(remote)) {
        // Fresh: depth 1. Otherwise everything since our head, without a depth: servers send the
        // whole tree again for a depth-1 fetch even with our head as a have (60 of 60 files where
        // 10 changed; ~0.6 s instead of ~50 ms a tick on a 5,000-file repo).
        const shallow = fresh ? [] : await shallowList();
        const answer = await transport.fetch({
          want: remote,
          caps: ad.caps,
          deepen: fresh ? { depth: 1 } : undefined,
          shallow,
          have: have ? [have] : [],
        });
        if (!answer.pack) throw new Error('the server sent no pack');
        store.addPack(answer.pack);
        const gone = new Set(answer.unshallow ?? []);
        const boundary = [...new Set([...shallow, ...answer.shallow])].filter((c) => !gone.has(c));
        await o.fs.promises.writeFile(file('shallow'), boundary.join('\n') + (boundary.length ? '\n' : ''));
        store.commit(remote);
      }
      await writeRef(remoteRef, remote);
      head = remote;
      return remote;
    } catch (e) {
      throw fetchError(e);
    }
  }

  /** Pushes a commit made on `parent`; on success the workspace keeps its objects and moves its head. */
  async function push(parent: string, commit: string, created: Created[]): Promise<void> {
    const ref = `refs/heads/${o.branch}`;
    const built = buildPack(created);
    const fast = await transport.push({ ref, oldOid: parent, newOid: commit, pack: built.pack });
    if (!fast.ok && fast.rejected)
      throw new PushRejectedError(`push to '${o.repository}' refused: ${fast.reason}`, { repository: o.repository, reason: fast.reason });
    store.addPack(built.pack, built.index);
    if (!fast.ok && transport.kind === 'ssh') throw new Error(fast.reason);
    if (!fast.ok) {
      // A server that will not take the direct receive-pack request: isomorphic-git's full push.
      const git = await isoGit();
      const headers = await session();
      await writeRef(ref, commit);
      const res = await git.push({
        fs: o.fs,
        http,
        dir: o.dir,
        gitdir,
        headers,
        url: o.url,
        ref: o.branch,
        remoteRef: o.branch,
        force: false,
      });
      const r = res.refs?.[ref];
      if (!res.ok || (r && !r.ok))
        throw new PushRejectedError(`push to '${o.repository}' refused: ${r?.error ?? res.error ?? 'unknown'}`, {
          repository: o.repository,
          reason: r?.error ?? 'rejected',
        });
    }
    await writeRef(remoteRef, commit);
    head = commit;
  }

  /**
   * Commits the edit on the branch's head and pushes it (compare-and-swap). A lost race (the branch
   * moved) is retried at once on the head just fetched, the edit re-applied there: under a stream
   * of other pushes only a fresh head can win, so the wait between attempts is short, jittered,
   * taken only after a few losses in a row, and comes before that fetch.
   */
  async function write(edit: EditFn, author: Author): Promise<WriteResult | null> {
    const max = o.maxAttempts ?? 50;
    const started = o.clock.now();
    for (let attempt = 1; ; attempt++) {
      if (head === undefined) await sync();
      const parent = head!;
      const e = await edit(async (p) => guard(() => readAt(store, parent, p)), attempt);
      if (!e || Object.keys(e.files).length === 0) return null;
      const { commit, created } = await signIfAsked(
        o.repository,
        o.signer,
        guard(() => buildCommit(store, parent, e.files, e.message, author, o.clock.now())),
      );
      try {
        await push(parent, commit, created);
        return { commit, parent, files: Object.keys(e.files), message: e.message, attempts: attempt };
      } catch (err) {
        const code = (err as { code?: string }).code ?? '';
        const refused = RETRYABLE.has(code) || err instanceof PushRejectedError;
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- unanswered() throws; `throw` shows reader and tsc the path ends
        if (err instanceof GitTimeoutError) throw unanswered('push')(err);
        if (!refused) throw fail('GIT_PUSH_FAILED', 'push failed', err);
        // Several losses in a row: step aside briefly first (jittered, so two gitscales do not collide again).
        if (attempt >= 3) await sleep(Math.min(500, 10 * 2 ** (attempt - 2)) * (0.5 + (o.random ?? Math.random)()));
        // The head the retry builds on, fetched just before it. Only a branch that moved is a lost
        // race; a hook or a protected branch refuses for good.
        await sync();
        if (head === parent) {
          throw new GitError(
            'GIT_PUSH_REFUSED',
            `repository '${o.repository}': the server refused the push to '${o.branch}': ${scrub(errorMessage(err), secret, o.username)}`,
            { repository: o.repository },
          );
        }
        const spent = o.clock.now() - started;
        if (attempt >= max || spent >= (o.retryBudgetMs ?? 30_000)) {
          throw new PushRejectedError(
            `push to '${o.repository}' still rejected after ${attempt} attempts in ${Math.round(spent / 1000)} s (the branch kept moving): ${scrub(errorMessage(err), secret, o.username)}`,
            { repository: o.repository, reason: 'not-fast-forward' },
          );
        }
      }
    }
  }

  /** One commit of the remote, fetched alone (depth 1, without its tree where the server filters) and not kept. */
  const branches = remoteBranches({ o, transport, store: () => store, sync, guard, fail, unanswered });

  return {
    repository: o.repository,
    branches,
    sync,
    read: async (path) => {
      if (head === undefined) await sync();
      return guard(() => readAt(store, head!, path));
    },
    list: async (dir) => {
      if (head === undefined) await sync();
      return guard(() => listAt(store, head!, dir));
    },
    treeId: async (dir) => {
      if (head === undefined) await sync();
      return guard(() => treeIdAt(store, head!, dir));
    },
    write,
  };
}
