// Gitea (REST under /api/v1, token auth). Gitea's pull list has no head filter, so findPr pages
// through the list; the adapter hides that and the other differences from GitHub.
import { readCapped } from '../../http-body.js';
import { errorMessage } from '../../errors.js';
import { ForgeError, MAX_FORGE_ANSWER_BYTES, type Forge, type PrSpec, type PullRequest } from '../types.js';
import { parsePull, type GiteaPull } from './schema.js';

export interface GiteaOptions {
  /** Server origin, e.g. https://gitea.example.com (the API is at /api/v1). */
  url: string;
  owner: string;
  repo: string;
  token: string;
  fetch: typeof fetch;
}

const PAGE = 50;
const MAX_PAGES = 200;

/** What a status means for the token, for a message a person can act on. */
function explain(status: number): string {
  if (status === 401) return 'the token was not accepted';
  if (status === 403) return 'the token lacks permission (it needs the write:repository and write:issue scopes)';
  if (status === 404) return 'not found (check the repository URL, or the token cannot see it)';
  return `HTTP ${status}`;
}

export function createGitea(o: GiteaOptions): Forge {
  const base = `${o.url.replace(/\/$/, '')}/api/v1/repos/${encodeURIComponent(o.owner)}/${encodeURIComponent(o.repo)}`;
  const where = `${o.owner}/${o.repo}`;

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await o.fetch(`${base}${path}`, {
        method,
        headers: {
          Authorization: `token ${o.token}`,
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new ForgeError('FORGE_UNREACHABLE', `gitea ${where}: ${method} ${path}: ${errorMessage(e)}`, {
        status: 0,
        forge: 'gitea',
        repository: where,
      });
    }
    const text = await readCapped(res, MAX_FORGE_ANSWER_BYTES);
    if (text === null)
      throw new ForgeError(
        'FORGE_HTTP',
        `gitea ${where}: ${method} ${path}: the answer is larger than ${MAX_FORGE_ANSWER_BYTES} bytes: not read`,
        { status: res.status, forge: 'gitea', repository: where },
      );
    if (!res.ok) {
      const detail = o.token ? text.slice(0, 300).replaceAll(o.token, '***') : text.slice(0, 300);
      throw new ForgeError(
        res.status === 403 || res.status === 401 ? 'FORGE_PERMISSION' : 'FORGE_HTTP',
        `gitea ${where}: ${method} ${path}: ${explain(res.status)}: ${detail}`,
        { status: res.status, forge: 'gitea', repository: where },
      );
    }
    try {
      return (text ? JSON.parse(text) : undefined) as T;
    } catch {
      throw new ForgeError(
        'FORGE_HTTP',
        `gitea ${where}: ${method} ${path}: the answer is not JSON (${text.slice(0, 60).replace(/\s+/g, ' ')}…)`,
        { status: res.status, forge: 'gitea', repository: where },
      );
    }
  }

  /** Every item of a paged list, page by page until an empty page (a server may cap pages below PAGE). */
  async function* pages<T>(path: string): AsyncGenerator<T> {
    const sep = path.includes('?') ? '&' : '?';
    for (let page = 1; page <= MAX_PAGES; page++) {
      const list = await call<T[]>('GET', `${path}${sep}limit=${PAGE}&page=${page}`);
      if (list.length === 0) return;
      yield* list;
    }
  }

  async function labelIds(names: string[]): Promise<number[]> {
    const existing: { id: number; name: string }[] = [];
    for await (const l of pages<{ id: number; name: string }>('/labels')) existing.push(l);
    const ids: number[] = [];
    for (const name of names) {
      const found = existing.find((l) => l.name === name);
      ids.push(found ? found.id : (await call<{ id: number }>('POST', '/labels', { name, color: '#1d76db' })).id);
    }
    return ids;
  }

  return {
    kind: 'gitea',
    async findPr(head) {
      let closed: PullRequest | null = null;
      for await (const raw of pages<GiteaPull>('/pulls?state=all&sort=recentupdate')) {
        const pr = parsePull(raw);
        if (pr.head !== head) continue;
        if (pr.state === 'open') return pr;
        closed ??= pr;
      }
      return closed;
    },
    async openPrs(prefix) {
      const out: PullRequest[] = [];
      for await (const raw of pages<GiteaPull>('/pulls?state=open')) {
        const pr = parsePull(raw);
        if (pr.head.startsWith(prefix)) out.push(pr);
      }
      return out;
    },
    async openPr(spec: PrSpec) {
      return parsePull(
        await call<GiteaPull>('POST', '/pulls', {
          head: spec.head,
          base: spec.base,
          title: spec.title,
          body: spec.body,
          ...(spec.assignees?.length ? { assignees: spec.assignees } : {}),
        }),
      );
    },
    async updatePr(number, patch) {
      return parsePull(await call<GiteaPull>('PATCH', `/pulls/${number}`, patch));
    },
    async closePr(number) {
      await call('PATCH', `/pulls/${number}`, { state: 'closed' });
    },
    async comment(number, body) {
      await call('POST', `/issues/${number}/comments`, { body });
    },
    async requestReviewers(number, reviewers) {
      if (reviewers.length) await call('POST', `/pulls/${number}/requested_reviewers`, { reviewers });
    },
    async enableAutomerge(number) {
      // 200: merged now (no checks required); 201: scheduled until the checks succeed.
      await call('POST', `/pulls/${number}/merge`, { Do: 'merge', merge_when_checks_succeed: true });
    },
    async addLabels(number, labels) {
      if (labels.length === 0) return;
      await call('POST', `/issues/${number}/labels`, { labels: await labelIds(labels) });
    },
  };
}
