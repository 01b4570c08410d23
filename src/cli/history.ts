// `gitscale history`: the decisions gitscale committed, newest first, read back from the commit
// trailers along each repository's first-parent line, as far back as --since. Remote repositories
// are fetched shallow, only as deep as the cutoff, into memory (so never through the workspace
// `run` writes with, and nothing is left in the data dir); local ones are read in place, read-only.
//
// Route: a decision came in through review when the commit on the first-parent line carries
// `Gitscale-Route: pull-request` (the pull-request branch commit, rebased or squashed in), or is a
// merge whose second parent carries gitscale's trailers and either that Route trailer or a merge
// message naming a `gitscale/` branch (merge commits; branch commits made before the trailer
// existed), or is a squash that kept only the pull request's title (`scale <object> a→b (…) (#12)`:
// Gitea's API squash does this; triggers and rule are then unknown). Everything else is `commit`.
// Only the merged branch's tip is read: a gitscale branch holds one commit. A person's merge of a
// branch that happens to end in a direct gitscale commit stays out: that commit is on a second parent.
import type { Config, RepositoryConfig } from '../config/types.js';
import { errorMessage } from '../errors.js';
import { firstParents, localHistory, remoteHistory, type HistoryCommit, type HistorySource } from '../git/history.js';
import { readDecisions, readSubject, TRAILER_ROUTE, type CommitDecision } from '../git/message.js';
import type { Logger } from '../log.js';
import { BRANCH_PREFIX } from '../reconciler/executors/review.js';
import { sshOptions, tokenSource } from './credentials.js';

export interface HistoryOptions {
  repository?: string;
  object?: string;
  sinceMs: number;
  output: 'text' | 'json';
}

export interface HistoryDeps {
  fs: typeof import('node:fs');
  now: () => number;
  env: Record<string, string | undefined>;
  fetch: typeof fetch;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  log: import('../log.js').Logger;
}

export type HistoryRoute = 'commit' | 'pull-request';

export interface HistoryEntry {
  /** Committer time of the commit on the branch, ISO 8601 in UTC. */
  time: string;
  repository: string;
  object: string;
  from: number;
  to: number;
  route: HistoryRoute;
  /** The commit on the first-parent line (for a merged pull request: the merge). */
  commit: string;
  /** The Gitscale-Trigger trailers, e.g. `redis value=20 target=5 active=true`. */
  triggers: string[];
  /** The rule that decided (Gitscale-Reason, or the body's reason line on older commits). */
  rule: string | null;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `30m`, `12h`, `7d`, `2w`, `1h30m` → milliseconds. */
export function parseSince(text: string): number {
  const s = text.trim().toLowerCase();
  const want = 'want a duration such as 30m, 12h, 7d or 2w (units s, m, h, d, w)';
  if (!/^(\d+[smhdw])+$/.test(s)) throw new Error(`'${text}' is not a duration: ${want}`);
  const ms = [...s.matchAll(/(\d+)([smhdw])/g)].reduce((sum, [, n, unit]) => sum + Number(n) * UNIT_MS[unit], 0);
  if (ms <= 0) throw new Error(`'${text}' is not a duration: it must be longer than zero; ${want}`);
  if (!Number.isSafeInteger(ms)) throw new Error(`'${text}' is too long a duration`);
  return ms;
}

const isPullRequest = (d: CommitDecision) => d.trailers.some(([k, v]) => k === TRAILER_ROUTE && v === 'pull-request');

/** A forge's squash that kept only the pull request's title, `… (#12)`: object and replicas, nothing more. */
function squashedTitle(c: HistoryCommit): CommitDecision[] {
  const d = /\(#\d+\)$/.test(c.message.split('\n', 1)[0].trimEnd()) ? readSubject(c.message) : null;
  return d ? [{ ...d, reason: null, trailers: [] }] : [];
}

/** A gitscale pull request merged with a merge commit: its decisions are on the second parent's tip. */
function mergedDecisions(merge: HistoryCommit, tip: HistoryCommit): CommitDecision[] {
  const ds = readDecisions(tip.message);
  return ds.length && (ds.some(isPullRequest) || merge.message.includes(BRANCH_PREFIX)) ? ds : [];
}

function entries(repository: string, c: HistoryCommit, ds: CommitDecision[], route: HistoryRoute | null): HistoryEntry[] {
  return ds.map((d) => ({
    time: new Date(c.time).toISOString().replace(/\.000Z$/, 'Z'),
    repository,
    object: d.object,
    from: d.from,
    to: d.to,
    route: route ?? (isPullRequest(d) ? 'pull-request' : 'commit'),
    commit: c.oid,
    triggers: d.trailers.filter(([k]) => k === 'Gitscale-Trigger').map(([, v]) => v),
    rule: d.reason,
  }));
}

/** The decisions on one repository's first-parent line since `sinceMs`, newest first. */
async function decisionsIn(src: HistorySource, repository: string, sinceMs: number, log: Logger): Promise<HistoryEntry[]> {
  const out: HistoryEntry[] = [];
  let commits = 0;
  for await (const c of firstParents(src.read, src.head, sinceMs)) {
    commits++;
    const own = readDecisions(c.message);
    if (own.length) out.push(...entries(repository, c, own, null));
    else if (c.parents.length === 1) out.push(...entries(repository, c, squashedTitle(c), 'pull-request'));
    else if (c.parents.length > 1) {
      // A remote's fetch deepens past every merge cut at the cutoff, so the tip is there unless the
      // repository itself is shallow.
      const tip = await src.read(c.parents[1]);
      if (tip) out.push(...entries(repository, c, mergedDecisions(c, tip), 'pull-request'));
      else log.debug('merge without its second parent: not read', { repository, commit: c.oid });
    }
  }
  log.debug('history read', { repository, commits, decisions: out.length });
  return out;
}

async function readRepository(repo: RepositoryConfig, sinceMs: number, deps: HistoryDeps): Promise<HistoryEntry[]> {
  const src =
    repo.kind === 'local'
      ? await localHistory({ repository: repo.name, dir: repo.url, branch: repo.branch, fs: deps.fs })
      : await remoteHistory({
          repository: repo.name,
          url: repo.url,
          branch: repo.branch,
          sinceMs,
          token: tokenSource(repo, deps.env, deps.fetch),
          username: repo.auth?.username,
          ssh: sshOptions(repo, deps.env, deps.fs),
        });
  return decisionsIn(src, repo.name, sinceMs, deps.log);
}

function textLines(list: HistoryEntry[], withRepository: boolean): string[] {
  const width = Math.max(...list.map((e) => e.object.length));
  const repoWidth = Math.max(...list.map((e) => e.repository.length));
  return list.map((e) =>
    [
      e.time,
      ...(withRepository ? [e.repository.padEnd(repoWidth)] : []),
      e.object.padEnd(width),
      `${e.from} → ${e.to}`.padEnd(9),
      e.route.padEnd(12),
      e.commit.slice(0, 12),
      e.triggers.join('; ') || '-',
      e.rule === null ? '' : `(${e.rule})`,
    ]
      .join('  ')
      .trimEnd(),
  );
}

export async function runHistory(config: Config, opts: HistoryOptions, deps: HistoryDeps): Promise<number> {
  const repos = opts.repository === undefined ? config.repositories : config.repositories.filter((r) => r.name === opts.repository);
  if (repos.length === 0) {
    const names = config.repositories.map((r) => r.name);
    deps.stderr(
      opts.repository === undefined
        ? 'gitscale history: the config names no repository'
        : `gitscale history: unknown repository '${opts.repository}': must be one of: ${names.join(', ')}`,
    );
    return 2;
  }
  const sinceMs = deps.now() - opts.sinceMs;
  const errors: { repository: string; code: string; message: string }[] = [];
  const read = await Promise.all(
    repos.map(async (repo) => {
      try {
        return await readRepository(repo, sinceMs, deps);
      } catch (e) {
        const code = (e as { code?: unknown }).code;
        errors.push({ repository: repo.name, code: typeof code === 'string' ? code : 'INTERNAL', message: errorMessage(e) });
        deps.log.error('reading history failed', { repository: repo.name, error: errorMessage(e) });
        return [];
      }
    }),
  );
  // Newest first across repositories; within one commit, in the order its message lists them.
  const all = read.flat().filter((e) => opts.object === undefined || e.object === opts.object);
  const decisions = all
    .map((e, i) => ({ e, i }))
    .sort((a, b) => b.e.time.localeCompare(a.e.time) || a.i - b.i)
    .map(({ e }) => e);
  if (opts.output === 'json') deps.stdout(JSON.stringify({ decisions, errors }, null, 2));
  else if (decisions.length) deps.stdout(textLines(decisions, repos.length > 1).join('\n'));
  else deps.stdout(`no decisions since ${new Date(sinceMs).toISOString()}${opts.object ? ` for ${opts.object}` : ''}`);
  return errors.length ? 1 : 0;
}
