// Reading history for `gitscale history`: the first-parent line of a branch, newest first, back to
// a cutoff time. A local repository is read in place through a read-only view of its files; a
// remote is fetched shallow, only as deep as the cutoff (deepen-since, which git's upload-pack
// offers over smart HTTP), into memory: a 7-day window costs 7 days of objects, not the whole
// history, and no directory is shared with the workspace `run` writes with.
import { isoGit } from './iso.js';
import type * as nodeFs from 'node:fs';
import { join } from 'node:path';
import { GitError, errorMessage } from '../errors.js';
import { authHeaders, scrub } from './auth.js';
import { DEFAULT_GIT_BOUNDS, type GitBounds } from './bounds.js';
import { gitHttp } from './http.js';
import { commitsInPack, type PackedCommit } from './pack.js';
import { branchError } from './local.js';
import { readOnlyFs } from './readonly-fs.js';
import type { Repo } from './tree.js';
import { sshTransport, type SshOptions } from './ssh.js';
import { httpTransport, TransportError } from './transport.js';
import type { Deepen, Limits } from './upload-pack.js';

export interface HistoryCommit {
  oid: string;
  /** Committer time in ms (when the commit landed; git's --since compares the same). */
  time: number;
  message: string;
  parents: string[];
}

/** One commit by id; null when the source does not hold it (beyond a shallow boundary). */
export type CommitReader = (oid: string) => Promise<HistoryCommit | null>;

/** The branch head to walk from, and how to read commits. */
export interface HistorySource {
  head: string;
  read: CommitReader;
}

const MISSING = new Set(['NotFoundError', 'ObjectTypeError']);

/** Whole seconds, as git stores commit times: a cutoff at 10:00:00.500 keeps a commit at 10:00:00. */
const cutoffSeconds = (sinceMs: number) => Math.floor(sinceMs / 1000);

/** One commit, or null when it is not in the repository (e.g. beyond a shallow boundary). */
export async function readHistoryCommit(repo: Repo, oid: string): Promise<HistoryCommit | null> {
  try {
    const { commit } = await (await isoGit()).readCommit({ fs: repo.fs, gitdir: repo.gitdir, oid, cache: repo.cache });
    return { oid, time: commit.committer.timestamp * 1000, message: commit.message, parents: commit.parent };
  } catch (e) {
    if (MISSING.has((e as { code?: string }).code ?? '')) return null;
    throw e;
  }
}

/**
 * Newest first along first parents from `head`, while the committer time is at or after `sinceMs`
 * (stopping at the first older commit, as `git log --first-parent --since` does on a linear line).
 * A merge's other parents are never entered. Ends quietly where the repository's objects end.
 */
export async function* firstParents(read: CommitReader, head: string, sinceMs: number): AsyncGenerator<HistoryCommit> {
  const cutoff = cutoffSeconds(sinceMs) * 1000;
  for (let oid: string | undefined = head; oid !== undefined;) {
    const c = await read(oid);
    if (!c || c.time < cutoff) return;
    yield c;
    oid = c.parents[0];
  }
}

export interface LocalHistoryOptions {
  repository: string;
  /** The working directory of a local repository (its `.git` is read). */
  dir: string;
  branch: string;
  fs: typeof nodeFs;
}

/** A local repository read in place: only refs and objects are read, and every write is refused. */
export async function localHistory(o: LocalHistoryOptions): Promise<HistorySource> {
  const repo: Repo = { fs: readOnlyFs(o.fs), gitdir: join(o.dir, '.git'), cache: {} };
  try {
    const head = await (await isoGit()).resolveRef({ fs: repo.fs, gitdir: repo.gitdir, ref: `refs/heads/${o.branch}` });
    return { head, read: (oid) => readHistoryCommit(repo, oid) };
  } catch (e) {
    throw branchError(o, e);
  }
}

export interface RemoteHistoryOptions {
  repository: string;
  url: string;
  branch: string;
  /** How far back the walk will go: commits older than this are not fetched. */
  sinceMs: number;
  token?: string | (() => Promise<string | undefined>);
  username?: string;
  /** 'since' (default): one deepen-since request. 'depth': deepen by commit counts (servers without deepen-since). */
  deepen?: 'since' | 'depth';
  /** Ask for commits only (`filter tree:0`) when the server allows filters (default true). */
  filter?: boolean;
  /** Per request: a whole answer within this time and size (default 60 s, 512 MiB). */
  limits?: Limits;
  /** Per request: the connection and the longest silence (bounds.ts; default 20 s and 30 s). */
  bounds?: GitBounds;
  /** An SSH remote: the key and the host keys to accept. */
  ssh?: SshOptions;
}

/** First depth of the commit-count strategy; each round asks for four times more. */
const FIRST_DEPTH = 64;

const toHistory = (c: PackedCommit): HistoryCommit => ({ oid: c.oid, time: c.timestamp * 1000, message: c.message, parents: c.parents });

/** Fetches the branch of a remote back to `sinceMs` into memory and returns it ready to walk. */
export async function remoteHistory(o: RemoteHistoryOptions): Promise<HistorySource> {
  let secret = typeof o.token === 'string' ? o.token : undefined;
  const say = (what: string, e: unknown) =>
    `repository '${o.repository}' (${o.url}): ${what}: ${scrub(errorMessage(e), secret, o.username)}`;
  const cutoff = cutoffSeconds(o.sinceMs);
  // One token for the whole read (a provider is asked once).
  let headers: Promise<Record<string, string>> | undefined;
  const bounds = o.bounds ?? DEFAULT_GIT_BOUNDS;
  const transport = o.ssh
    ? sshTransport({ bounds, ...o.ssh })
    : httpTransport(
        o.url,
        () =>
          (headers ??= (async () => {
            if (typeof o.token === 'function') secret = await o.token();
            return authHeaders(secret, o.username);
          })()),
        gitHttp(bounds),
      );
  try {
    const ad = await transport.advertise(o.limits);
    const head = ad.refs.get(`refs/heads/${o.branch}`);
    if (!head)
      throw new GitError('GIT_BRANCH_NOT_FOUND', `repository '${o.repository}' (${o.url}): branch '${o.branch}' not found`, {
        repository: o.repository,
      });
    const filter = o.filter !== false && ad.caps.has('filter') ? 'tree:0' : undefined;
    const commits = new Map<string, HistoryCommit>();
    /** Commits deepen-since left without their parents because those are older than the cutoff. */
    const ended = new Set<string>();
    /** Requests a pack and keeps its commits; returns how many were new. */
    const request = async (deepen: Deepen, more: { relative?: boolean; shallow?: string[]; have?: string[] } = {}): Promise<number> => {
      const answer = await transport.fetch({ want: head, caps: ad.caps, deepen, filter, ...more }, o.limits);
      let added = 0;
      for (const c of answer.pack ? commitsInPack(answer.pack).values() : []) {
        if (!commits.has(c.oid)) added++;
        commits.set(c.oid, toHistory(c));
      }
      if ('since' in deepen) for (const oid of answer.shallow) ended.add(oid);
      return added;
    };
    const source: HistorySource = { head, read: async (oid) => commits.get(oid) ?? null };
    if (o.deepen !== 'depth' && ad.caps.has('deepen-since')) {
      await request({ since: cutoff });
      if (!commits.has(head)) {
        // No commit is that recent, so upload-pack selected nothing: the head alone must prove it.
        await request({ depth: 1 });
        const c = commits.get(head);
        if (c && c.time < cutoff * 1000) return source;
        throw new GitError(
          'GIT_HISTORY_INCOMPLETE',
          `repository '${o.repository}' (${o.url}): the server sent no commits since ${new Date(cutoff * 1000).toISOString()}, yet its head ${head.slice(0, 12)} is ${c ? 'newer' : 'not readable'}`,
          { repository: o.repository },
        );
      }
    } else await request({ depth: FIRST_DEPTH });
    // Where the line ends on a missing parent: deepen-since leaves a commit shallow because its
    // parent is older than the cutoff (done), or because it is a merge whose *other* parent is
    // (the first-parent line goes on); a count may fall short. Deepen from the boundary until the
    // first-parent line reaches the cutoff or its root.
    for (let depth = FIRST_DEPTH; ; depth *= 4) {
      let last: HistoryCommit | null = null;
      for await (const c of firstParents(source.read, head, o.sinceMs)) last = c;
      if (last === null || last.parents.length === 0 || commits.has(last.parents[0])) return source;
      if (ended.has(last.oid) && last.parents.length === 1) return source;
      const shallow = [...commits.values()].filter((c) => c.parents.some((p) => !commits.has(p))).map((c) => c.oid);
      const added = ad.caps.has('deepen-relative')
        ? await request({ depth }, { relative: true, shallow, have: [head] })
        : await request({ depth: commits.size + depth });
      if (added === 0)
        throw new GitError(
          'GIT_HISTORY_INCOMPLETE',
          `repository '${o.repository}' (${o.url}): the server sent nothing behind ${last.oid.slice(0, 12)}, which is newer than the cutoff`,
          { repository: o.repository },
        );
    }
  } catch (e) {
    if (e instanceof GitError && e.code === 'GIT_BAD_PACK')
      throw new GitError(e.code, say('reading the fetched pack failed', e), { repository: o.repository });
    if (e instanceof GitError) throw e;
    if (e instanceof TransportError) throw new GitError(e.code, say('fetching history failed', e), { repository: o.repository });
    throw new GitError('GIT_UNREACHABLE', say('fetching history failed', e), { repository: o.repository });
  } finally {
    transport.close();
  }
}
