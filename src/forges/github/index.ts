// GitHub (and GitHub Enterprise via baseUrl) with octokit 5. Its bundled throttling plugin retries
// a rate-limited request only once by default; here every primary and secondary rate limit is
// waited out as GitHub's retry-after / x-ratelimit-reset say, up to `maxRetries` times.
import { cappedFetch } from '../../http-body.js';
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from 'octokit';
import { errorMessage } from '../../errors.js';
import { ForgeError, MAX_FORGE_ANSWER_BYTES, type Forge, type PrSpec, type PullRequest } from '../types.js';

export interface GithubOptions {
  /** https://api.github.com, or https://<ghe-host>/api/v3. */
  baseUrl: string;
  owner: string;
  repo: string;
  /** A token, or a GitHub App installation (installation tokens, renewed by @octokit/auth-app). */
  token?: string;
  app?: { appId: number; installationId: number; privateKey: string };
  fetch: typeof fetch;
  maxRetries?: number;
  log?: (msg: string, fields: Record<string, unknown>) => void;
  /** Sits out a rate limit's wait (default: a timer); injectable so tests assert the waits without waiting. */
  sleep?: (ms: number) => Promise<void>;
}

interface GhPull {
  number: number;
  state: string;
  merged?: boolean;
  merged_at: string | null;
  title: string;
  body: string | null;
  html_url: string;
  head: { ref: string; sha: string; repo: { full_name: string } | null };
  base: { ref: string; repo: { full_name: string } };
  labels: { name?: string }[];
}

/** The longest rate-limit wait gitscale sits out inside a tick. */
const MAX_WAIT_S = 60;

const ENABLE_AUTO_MERGE = `mutation($pullRequestId: ID!) {
  enablePullRequestAutoMerge(input: { pullRequestId: $pullRequestId, mergeMethod: MERGE }) {
    pullRequest { number autoMergeRequest { enabledAt } }
  }
}`;

function toPr(p: GhPull): PullRequest {
  return {
    number: p.number,
    state: p.state === 'open' ? 'open' : 'closed',
    merged: p.merged === true || p.merged_at !== null,
    head: p.head.ref,
    headSha: p.head.sha,
    base: p.base.ref,
    title: p.title,
    body: p.body ?? '',
    url: p.html_url,
    fromSameRepository: p.head.repo !== null && p.head.repo.full_name.toLowerCase() === p.base.repo.full_name.toLowerCase(),
    labels: p.labels.map((l) => l.name ?? ''),
  };
}

function permissionHint(status: number): string {
  if (status === 401) return 'the token was not accepted';
  if (status === 403) return 'the token lacks permission (it needs "Pull requests: write" and "Issues: write", or the repo scope)';
  if (status === 404) return 'not found (check the repository, or the token cannot see it)';
  return `HTTP ${status}`;
}

export function createGithub(o: GithubOptions): Forge {
  const max = o.maxRetries ?? 3;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const octokit = new Octokit({
    ...(o.app ? { authStrategy: createAppAuth, auth: o.app } : { auth: o.token }),
    baseUrl: o.baseUrl.replace(/\/$/, ''),
    request: { fetch: cappedFetch(o.fetch, MAX_FORGE_ANSWER_BYTES) },
    log: { debug() {}, info() {}, warn() {}, error() {} },
    throttle: {
      // The plugin would wait retryAfter × this before retrying; the handlers below wait instead, through `sleep`.
      retryAfterBaseValue: 0,
      onRateLimit: async (retryAfter: number, options: { method: string; url: string }, _k: unknown, retryCount: number) => {
        // A reset far away fails this tick instead of holding the repository's ticks (and its direct commits) for up to an hour.
        if (retryAfter > MAX_WAIT_S) return false;
        o.log?.('github rate limit: waiting', { retryAfter, request: `${options.method} ${options.url}`, retryCount });
        return retryCount < max && (await sleep(retryAfter * 1000), true);
      },
      onSecondaryRateLimit: async (retryAfter: number, options: { method: string; url: string }, _k: unknown, retryCount: number) => {
        o.log?.('github secondary rate limit: waiting', { retryAfter, request: `${options.method} ${options.url}`, retryCount });
        return retryCount < max && (await sleep(retryAfter * 1000), true);
      },
    },
    // 429 is left to the hook below: the retry plugin would wait (n+1)² s and ignore retry-after.
    retry: { retries: max, doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
  });
  // A bare 429 (no remaining-0 header, no secondary-limit message: the throttling plugin passes
  // on it): wait as retry-after says, then try again.
  // The count travels in the request options, so a retry that meets the same hook stops at `max`.
  octokit.hook.error('request', async (error, options) => {
    const e = error as { status?: number; response?: { headers?: Record<string, string> } };
    const count = (options.request as { retry429?: number } | undefined)?.retry429 ?? 0;
    if (e.status !== 429 || count >= max) throw error;
    const after = Math.min(Number(e.response?.headers?.['retry-after'] ?? 1) || 1, 60);
    o.log?.('github 429: waiting', { retryAfter: after, request: `${options.method} ${options.url}`, retryCount: count });
    await sleep(after * 1000);
    return octokit.request({
      ...(options as object),
      request: { ...(options.request as object), retry429: count + 1 },
    } as unknown as Parameters<typeof octokit.request>[0]);
  });
  const where = `${o.owner}/${o.repo}`;
  const repo = { owner: o.owner, repo: o.repo };

  async function call<T>(what: string, f: () => Promise<{ data: T }>): Promise<T> {
    try {
      return (await f()).data;
    } catch (e) {
      const status = (e as { status?: number }).status ?? 0;
      const msg = o.token ? errorMessage(e).replaceAll(o.token, '***') : errorMessage(e);
      const code = status === 0 ? 'FORGE_UNREACHABLE' : status === 401 || status === 403 ? 'FORGE_PERMISSION' : 'FORGE_HTTP';
      throw new ForgeError(code, `github ${where}: ${what}: ${status ? permissionHint(status) + ': ' : ''}${msg}`, {
        status,
        forge: 'github',
        repository: where,
      });
    }
  }

  return {
    kind: 'github',
    async findPr(head) {
      const list = await call('list pull requests', () =>
        octokit.rest.pulls.list({ ...repo, head: `${o.owner}:${head}`, state: 'all', per_page: 100 }),
      );
      const prs = (list as unknown as GhPull[]).map(toPr);
      return prs.find((p) => p.state === 'open') ?? prs[0] ?? null;
    },
    async openPrs(prefix) {
      const all = await call('list pull requests', async () => ({
        data: await octokit.paginate(octokit.rest.pulls.list, { ...repo, state: 'open', per_page: 100 }),
      }));
      return (all as unknown as GhPull[]).map(toPr).filter((p) => p.head.startsWith(prefix));
    },
    async openPr(spec: PrSpec) {
      const pr = toPr(
        await call('create pull request', () =>
          octokit.rest.pulls.create({ ...repo, head: spec.head, base: spec.base, title: spec.title, body: spec.body }),
        ),
      );
      if (spec.assignees?.length)
        await call('add assignees', () =>
          octokit.rest.issues.addAssignees({ ...repo, issue_number: pr.number, assignees: spec.assignees }),
        );
      return pr;
    },
    async updatePr(number, patch) {
      return toPr(await call('update pull request', () => octokit.rest.pulls.update({ ...repo, pull_number: number, ...patch })));
    },
    async closePr(number) {
      await call('close pull request', () => octokit.rest.pulls.update({ ...repo, pull_number: number, state: 'closed' }));
    },
    async comment(number, body) {
      await call('comment', () => octokit.rest.issues.createComment({ ...repo, issue_number: number, body }));
    },
    async addLabels(number, labels) {
      // GitHub creates labels the repository lacks.
      if (labels.length) await call('add labels', () => octokit.rest.issues.addLabels({ ...repo, issue_number: number, labels }));
    },
    async requestReviewers(number, reviewers) {
      if (reviewers.length)
        await call('request reviewers', () => octokit.rest.pulls.requestReviewers({ ...repo, pull_number: number, reviewers }));
    },
    async enableAutomerge(number) {
      const pr = await call('get pull request', () => octokit.rest.pulls.get({ ...repo, pull_number: number }));
      try {
        await octokit.graphql(ENABLE_AUTO_MERGE, { pullRequestId: (pr as unknown as { node_id: string }).node_id });
      } catch (e) {
        // GitHub refuses auto-merge for a pull request that can be merged right now ("clean status"): merge it.
        if (!/clean status/i.test(errorMessage(e)))
          throw new ForgeError('FORGE_HTTP', `github ${where}: enable auto-merge: ${errorMessage(e)}`, {
            status: 0,
            forge: 'github',
            repository: where,
          });
        await call('merge pull request', () => octokit.rest.pulls.merge({ ...repo, pull_number: number, merge_method: 'merge' }));
      }
    },
  };
}
