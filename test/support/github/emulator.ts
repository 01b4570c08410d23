// A local stand-in for the GitHub REST endpoints gitscale uses (no real GitHub is reachable here).
// It is checked against GitHub's official OpenAPI description: every request body is validated,
// every answer is built on an official example and validated; an unknown endpoint or a mismatch is
// recorded in `problems`, which the tests assert to be empty. Branches live in real bare
// repositories served by git http-backend; a merge is a real `git merge` there.
import { execFile } from 'node:child_process';
import { verify } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { checkGraphql } from './graphql.js';
import { checkRequest, checkResponse, example, find } from './spec.js';

const run = promisify(execFile);
type Json = Record<string, any>;

interface Pr {
  number: number;
  state: 'open' | 'closed';
  merged: boolean;
  title: string;
  body: string;
  head: string;
  base: string;
  labels: string[];
  reviewers: string[];
  assignees: string[];
  comments: string[];
  autoMerge?: boolean;
}

export interface Fault {
  status: number;
  headers: Record<string, string>;
  body: Json;
}

export interface Emulator {
  url: string;
  /** Installation tokens handed out to the App. */
  issued: Set<string>;
  problems: string[];
  requests: string[];
  pulls: (repo: string) => Pr[];
  /** The next requests get these answers instead (rate limits, outages). */
  failNext: (...faults: Fault[]) => void;
  /** Merges a pull request for real in the bare repository. */
  merge: (repo: string, number: number) => Promise<void>;
  /** Required checks still running: auto-merge can be enabled (otherwise GitHub says "clean status"). */
  setChecksPending: (pending: boolean) => void;
  close: () => Promise<void>;
}

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'GitHub',
  GIT_AUTHOR_EMAIL: 'noreply@github.com',
  GIT_COMMITTER_NAME: 'GitHub',
  GIT_COMMITTER_EMAIL: 'noreply@github.com',
};

/** Checks a GitHub App JWT (RS256, iss = the App id, not expired) with the App's public key. */
function validAppJwt(jwt: string, app: { id: number; publicKey: string }): boolean {
  const [h, p, sig] = jwt.split('.');
  if (!h || !p || !sig) return false;
  const header = JSON.parse(Buffer.from(h, 'base64url').toString());
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
  const ok = verify('RSA-SHA256', Buffer.from(`${h}.${p}`), app.publicKey, Buffer.from(sig, 'base64url'));
  return ok && header.alg === 'RS256' && String(payload.iss) === String(app.id) && payload.exp > Date.now() / 1000;
}

export async function startGithubEmulator(o: {
  repos: Record<string, string>;
  token: string;
  app?: { id: number; installationId: number; publicKey: string };
}): Promise<Emulator> {
  const issued = new Set<string>();
  let checksPending = false;
  const pulls = new Map<string, Pr[]>(Object.keys(o.repos).map((r) => [r, []]));
  const problems: string[] = [];
  const requests: string[] = [];
  const faults: Fault[] = [];
  let url = '';

  const sha = async (repo: string, branch: string): Promise<string | null> =>
    run('git', ['rev-parse', `refs/heads/${branch}`], { cwd: o.repos[repo] }).then(
      (r) => r.stdout.trim(),
      () => null,
    );

  async function prJson(repo: string, pr: Pr, simple: boolean): Promise<Json> {
    const [owner, name] = repo.split('/');
    const x = example(simple ? 'pull-request-simple-items' : 'pull-request');
    const label = (n: string, i: number) => ({
      ...example('label-items'),
      id: i + 1,
      name: n,
      node_id: `L${i}`,
      url: `${url}/repos/${repo}/labels/${encodeURIComponent(n)}`,
    });
    const user = (login: string, i: number) => ({ ...example('simple-user-items'), login, id: 100 + i });
    Object.assign(x, {
      number: pr.number,
      id: pr.number,
      node_id: `PR${pr.number}`,
      state: pr.state,
      title: pr.title,
      body: pr.body,
      url: `${url}/repos/${repo}/pulls/${pr.number}`,
      html_url: `https://github.example/${repo}/pull/${pr.number}`,
      labels: pr.labels.map(label),
      requested_reviewers: pr.reviewers.map(user),
      assignees: pr.assignees.map(user),
      assignee: null,
      requested_teams: [],
      milestone: null,
      draft: false,
      auto_merge: null,
      merged_at: pr.merged ? '2026-11-27T00:00:00Z' : null,
      closed_at: pr.state === 'closed' ? '2026-11-27T00:00:00Z' : null,
    });
    if (!simple) Object.assign(x, { merged: pr.merged, mergeable: pr.state === 'open' ? true : null, merged_by: null });
    x.head = { ...x.head, ref: pr.head, label: `${owner}:${pr.head}`, sha: (await sha(repo, pr.head)) ?? '0'.repeat(40) };
    x.base = { ...x.base, ref: pr.base, label: `${owner}:${pr.base}`, sha: (await sha(repo, pr.base)) ?? '0'.repeat(40) };
    x.head.repo = { ...x.head.repo, name, full_name: repo };
    x.base.repo = { ...x.base.repo, name, full_name: repo };
    return x;
  }

  async function handle(req: IncomingMessage, body: unknown, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${u.pathname}`);
    const send = (op: Parameters<typeof checkResponse>[0] | null, status: number, json: unknown) => {
      if (op) {
        const bad = checkResponse(op, status, json);
        if (bad) problems.push(bad);
      }
      res
        .writeHead(status, {
          'content-type': 'application/json; charset=utf-8',
          'x-ratelimit-remaining': '4999',
          'x-ratelimit-limit': '5000',
        })
        .end(json === undefined ? '' : JSON.stringify(json));
    };
    const fault = faults.shift();
    if (fault) {
      res.writeHead(fault.status, { 'content-type': 'application/json; charset=utf-8', ...fault.headers }).end(JSON.stringify(fault.body));
      return;
    }
    if (req.method === 'POST' && u.pathname === '/graphql') return graphql(body as Json, res, req.headers.authorization ?? '');
    const hit = find(req.method ?? 'GET', u.pathname);
    if (!hit) {
      problems.push(`unknown endpoint: ${req.method} ${u.pathname}`);
      return send(null, 404, { message: 'Not Found' });
    }
    const { operation: op, params } = hit;
    const badRequest = checkRequest(op, body);
    if (badRequest) {
      problems.push(badRequest);
      return send(null, 422, { message: badRequest });
    }
    const presented = (req.headers.authorization ?? '').replace(/^(token|bearer) /i, '');
    if (op.id === 'apps/create-installation-access-token') {
      if (!o.app || !validAppJwt(presented, o.app) || Number(params.installation_id) !== o.app.installationId)
        return send(null, 401, { message: 'A JSON web token could not be decoded', documentation_url: 'https://docs.github.com/rest' });
      const token = `ghs_${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
      issued.add(token);
      return send(op, 201, {
        ...example('installation-token'),
        token,
        expires_at: new Date(Date.now() + 3600_000).toISOString(),
        repositories: undefined,
      });
    }
    if (presented !== o.token && !issued.has(presented)) {
      return send(null, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
    }
    const repo = `${params.owner}/${params.repo}`;
    const list = pulls.get(repo);
    if (!list) return send(null, 404, { message: 'Not Found' });
    const b = (body ?? {}) as Json;
    const pr = () => list.find((p) => p.number === Number(params.pull_number ?? params.issue_number));
    switch (op.id) {
      case 'pulls/list': {
        const state = u.searchParams.get('state') ?? 'open';
        const head = u.searchParams.get('head');
        const page = Number(u.searchParams.get('page') ?? 1);
        const per = Number(u.searchParams.get('per_page') ?? 30);
        const all = list.filter((p) => (state === 'all' || p.state === state) && (!head || `${params.owner}:${p.head}` === head)).reverse();
        return send(op, 200, await Promise.all(all.slice((page - 1) * per, page * per).map((p) => prJson(repo, p, true))));
      }
      case 'pulls/create': {
        if (!(await sha(repo, b.head)))
          return send(op, 422, {
            message: 'Validation Failed',
            errors: [{ resource: 'PullRequest', field: 'head', code: 'invalid' }],
            documentation_url: 'https://docs.github.com/rest',
          });
        if (list.some((p) => p.state === 'open' && p.head === b.head))
          return send(op, 422, {
            message: 'Validation Failed',
            errors: [{ resource: 'PullRequest', code: 'custom', message: 'A pull request already exists' }],
            documentation_url: 'https://docs.github.com/rest',
          });
        const p: Pr = {
          number: list.length + 1,
          state: 'open',
          merged: false,
          title: b.title,
          body: b.body ?? '',
          head: b.head,
          base: b.base,
          labels: [],
          reviewers: [],
          assignees: [],
          comments: [],
        };
        list.push(p);
        return send(op, 201, await prJson(repo, p, false));
      }
      case 'pulls/get':
      case 'pulls/update': {
        const p = pr();
        if (!p) return send(null, 404, { message: 'Not Found' });
        if (op.id === 'pulls/update') {
          if (typeof b.title === 'string') p.title = b.title;
          if (typeof b.body === 'string') p.body = b.body;
          if (b.state === 'closed' || b.state === 'open') p.state = b.state;
        }
        return send(op, 200, await prJson(repo, p, false));
      }
      case 'issues/create-comment': {
        const p = pr();
        if (!p) return send(null, 404, { message: 'Not Found' });
        p.comments.push(b.body);
        return send(op, 201, { ...example('issue-comment'), body: b.body });
      }
      case 'issues/add-labels': {
        const p = pr();
        if (!p) return send(null, 404, { message: 'Not Found' });
        for (const l of (b.labels ?? []) as string[]) if (!p.labels.includes(l)) p.labels.push(l);
        return send(
          op,
          200,
          p.labels.map((n, i) => ({ ...example('label-items'), id: i + 1, name: n })),
        );
      }
      case 'pulls/request-reviewers': {
        const p = pr();
        if (!p) return send(null, 404, { message: 'Not Found' });
        p.reviewers.push(...((b.reviewers ?? []) as string[]));
        return send(op, 201, await prJson(repo, p, true));
      }
      case 'pulls/merge': {
        const p = pr();
        if (!p) return send(null, 404, { message: 'Not Found' });
        if (p.state !== 'open')
          return send(op, 405, { message: 'Pull Request is not mergeable', documentation_url: 'https://docs.github.com/rest' });
        await mergeFor(repo, p);
        return send(op, 200, { sha: (await sha(repo, p.base))!, merged: true, message: 'Pull Request successfully merged' });
      }
      case 'issues/add-assignees': {
        const p = pr();
        if (!p) return send(null, 404, { message: 'Not Found' });
        p.assignees.push(...((b.assignees ?? []) as string[]));
        return send(op, 201, { ...example('issue'), number: p.number });
      }
      default:
        problems.push(`endpoint not emulated: ${op.id}`);
        return send(null, 404, { message: 'Not Found' });
    }
  }

  async function mergeFor(repo: string, p: Pr): Promise<void> {
    const dir = o.repos[repo];
    // A real merge in the bare repository: a temporary worktree, merge the head into the base.
    const wt = `${dir}/../wt-${p.number}-${Date.now()}`;
    await run('git', ['worktree', 'add', '-q', wt, p.base], { cwd: dir, env: GIT_ENV });
    await run('git', ['merge', '-q', '--no-ff', '-m', `Merge pull request #${p.number}`, p.head], { cwd: wt, env: GIT_ENV });
    await run('git', ['worktree', 'remove', '--force', wt], { cwd: dir, env: GIT_ENV });
    p.state = 'closed';
    p.merged = true;
  }

  /** GraphQL: validated against GitHub's schema; enablePullRequestAutoMerge is the one mutation served. */
  function graphql(b: Json, res: ServerResponse, authorization: string): void {
    const reply = (json: Json) => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    const presented = authorization.replace(/^(token|bearer) /i, '');
    if (presented !== o.token && !issued.has(presented))
      return void res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Bad credentials' }));
    const bad = checkGraphql(String(b?.query ?? ''), b?.variables ?? {});
    if (bad) {
      problems.push(bad);
      return reply({ errors: [{ message: bad }] });
    }
    if (!/enablePullRequestAutoMerge/.test(b.query)) {
      problems.push(`graphql operation not emulated: ${String(b.query).slice(0, 80)}`);
      return reply({ errors: [{ message: 'not emulated' }] });
    }
    const number = Number(String(b.variables?.pullRequestId ?? '').replace(/^PR/, ''));
    const found = [...pulls.values()].flat().find((p) => p.number === number && p.state === 'open');
    if (!found)
      return reply({
        data: { enablePullRequestAutoMerge: null },
        errors: [
          {
            type: 'NOT_FOUND',
            path: ['enablePullRequestAutoMerge'],
            message: `Could not resolve to a node with the global id of '${b.variables?.pullRequestId}'`,
          },
        ],
      });
    // As GitHub does: with nothing to wait for, auto-merge is refused ("clean status").
    if (!checksPending)
      return reply({
        data: { enablePullRequestAutoMerge: null },
        errors: [{ type: 'UNPROCESSABLE', path: ['enablePullRequestAutoMerge'], message: 'Pull request Pull request is in clean status' }],
      });
    found.autoMerge = true;
    return reply({
      data: { enablePullRequestAutoMerge: { pullRequest: { number, autoMergeRequest: { enabledAt: new Date().toISOString() } } } },
    });
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        problems.push(`invalid JSON body for ${req.method} ${req.url}`);
      }
      handle(req, body, res).catch((e: Error) => {
        problems.push(`emulator error: ${e.message}`);
        res.writeHead(500).end();
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url,
    problems,
    requests,
    issued,
    pulls: (repo) => pulls.get(repo) ?? [],
    failNext: (...f) => void faults.push(...f),
    merge: (repo, number) =>
      mergeFor(
        repo,
        pulls.get(repo)!.find((x) => x.number === number)!,
      ),
    setChecksPending: (v) => void (checksPending = v),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
