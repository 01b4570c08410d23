// The pull-request lifecycle against a real Gitea: opened above a review threshold, updated in
// place, closed when the decision falls back within policy, no duplicate after a merge, and a
// branch a person pushed to is left alone.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer } from 'node:http';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deployment, redisList, scaledObject, writeConfig } from '../support/config.js';
import { runGitscale } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

const run = promisify(execFile);
const servers = inject('servers');
const ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Human',
  GIT_AUTHOR_EMAIL: 'human@example.com',
  GIT_COMMITTER_NAME: 'Human',
  GIT_COMMITTER_EMAIL: 'human@example.com',
};
const api = async (path: string, init: RequestInit = {}) => {
  const r = await fetch(`${servers.GITEA_URL}/api/v1${path}`, {
    ...init,
    headers: { Authorization: `token ${servers.GITEA_TOKEN}`, 'Content-Type': 'application/json' },
  });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null };
};

/**
 * Merges a pull request the way a person does, once Gitea has checked it: Gitea tests a new pull
 * request's mergeability in a background queue, and its merge endpoint refuses until then (slow on
 * a loaded machine). Gives up after 30 s, with Gitea's last answer.
 */
async function mergeWhenChecked(n: number): Promise<{ status: number; json: unknown }> {
  let r = await api(`/repos/gitscale/${repo}/pulls/${n}/merge`, { method: 'POST', body: JSON.stringify({ Do: 'merge' }) });
  for (let i = 0; i < 60 && r.status !== 200; i++) {
    await new Promise((res) => setTimeout(res, 500));
    r = await api(`/repos/gitscale/${repo}/pulls/${n}/merge`, { method: 'POST', body: JSON.stringify({ Do: 'merge' }) });
  }
  return r;
}

let redis: Redis;
let repo = '';
let clone = '';
let config = '';
const list = `pr-${Date.now()}`;
const branch = 'gitscale/default/consumer';

async function setQueue(n: number): Promise<void> {
  await redis.del(list);
  if (n) await redis.rpush(list, ...Array.from({ length: n }, () => 'x'));
}

/** `gitscale once --output json` on a config, with the Gitea token in the environment. */
async function onceOn(cfg: string): Promise<{ code: number; out: string; err: string; obj: Record<string, any> }> {
  const r = await runGitscale(['once', '--config', cfg, '--output', 'json'], { GITEA_PR_TOKEN: servers.GITEA_TOKEN });
  return { code: r.code, out: r.stdout, err: r.stderr, obj: JSON.parse(r.stdout).objects[0] };
}
const once = () => onceOn(config);

const git = (...args: string[]) => run('git', args, { cwd: clone, env: ENV }).then((r) => r.stdout);
const onMain = () =>
  fetch(`${servers.GITEA_URL}/api/v1/repos/gitscale/${repo}/raw/deploy.yaml?ref=main`, {
    headers: { Authorization: `token ${servers.GITEA_TOKEN}` },
  }).then((r) => r.text());
const onBranch = () =>
  fetch(`${servers.GITEA_URL}/api/v1/repos/gitscale/${repo}/raw/deploy.yaml?ref=${encodeURIComponent(branch)}`, {
    headers: { Authorization: `token ${servers.GITEA_TOKEN}` },
  }).then((r) => (r.ok ? r.text() : null));
const pulls = async (state: string) =>
  (await api(`/repos/gitscale/${repo}/pulls?state=${state}&limit=50`)).json as {
    number: number;
    title: string;
    state: string;
    merged: boolean;
    body: string;
    head: { ref: string };
    labels: { name: string }[];
  }[];

/** A new Gitea repository whose main branch holds `files`, pushed by a person with native git. */
async function giteaRepo(prefix: string, files: Record<string, string>): Promise<{ name: string; dir: string }> {
  const name = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
  expect(
    (await api('/user/repos', { method: 'POST', body: JSON.stringify({ name, auto_init: true, default_branch: 'main' }) })).status,
  ).toBe(201);
  const dir = await tempDir('gitea-human');
  const url = `${servers.GITEA_URL.replace('http://', `http://gitscale:${servers.GITEA_TOKEN}@`)}/gitscale/${name}.git`;
  await run('git', ['clone', '-q', url, dir], { env: ENV });
  for (const [path, text] of Object.entries(files)) await writeFile(join(dir, path), text);
  await run('git', ['add', '-A'], { cwd: dir, env: ENV });
  await run('git', ['commit', '-q', '-m', 'manifests'], { cwd: dir, env: ENV });
  await run('git', ['push', '-q', 'origin', 'main'], { cwd: dir, env: ENV });
  return { name, dir };
}

beforeAll(async () => {
  redis = new Redis(servers.REDIS_ADDRESS);
  ({ name: repo, dir: clone } = await giteaRepo('prs', { 'deploy.yaml': deployment('consumer', 8) }));
  config = await writeConfig({
    repositories: [
      {
        name: 'manifests',
        url: `${servers.GITEA_URL}/gitscale/${repo}.git`,
        auth: { tokenFromEnv: 'GITEA_PR_TOKEN', username: 'gitscale' },
        review: { aboveReplicas: 10 },
        forge: { type: 'gitea', labels: ['autoscaling'] },
      },
    ],
    scaledObjects: [scaledObject({ name: 'consumer', path: 'deploy.yaml', triggers: [redisList(servers.REDIS_ADDRESS, list)] })],
  });
});
afterAll(() => redis.quit());

describe('pull-request lifecycle on Gitea', () => {
  it('opens, updates in place, closes when back within policy, never duplicates after a merge, and leaves a human branch alone', async () => {
    // 1. 8 → 16 crosses review-above-replicas 10: a pull request, main untouched.
    await setQueue(80);
    let r = await once();
    expect(r.err).not.toMatch(/ERROR/);
    expect(r.code).toBe(0);
    let obj = JSON.parse(r.out).objects[0];
    expect(obj).toMatchObject({ route: 'pull-request', routedBy: 'review-above-replicas 10: 16 > 10', commit: null });
    let open = await pulls('open');
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({
      number: obj.pullRequest.number,
      title: 'scale default/consumer 8→16 (redis: 80 items / 5)',
      head: { ref: branch },
    });
    expect(open[0].labels.map((l) => l.name)).toEqual(['autoscaling']);
    expect(open[0].body).toContain('| redis | redis | 80 | 5 | yes |  |');
    expect(open[0].body).toContain('Gitscale-Replicas: 8 -> 16');
    expect(await onBranch()).toContain('replicas: 16 # gitscale');
    expect(await onMain()).toContain('replicas: 8 # gitscale');
    const first = open[0].number;

    // 2. A new decision above the threshold updates the same pull request in place.
    await setQueue(60);
    await once();
    open = await pulls('open');
    expect(open.map((p) => [p.number, p.title])).toEqual([[first, 'scale default/consumer 8→12 (redis: 60 items / 5)']]);
    expect(await onBranch()).toContain('replicas: 12 # gitscale');

    // 3. Back within policy: the pull request is closed with a comment, the branch deleted, the change committed.
    await setQueue(45);
    r = await once();
    obj = JSON.parse(r.out).objects[0];
    expect(obj).toMatchObject({ route: 'commit', current: 8, desired: 9 });
    expect(await pulls('open')).toEqual([]);
    const comments = (await api(`/repos/gitscale/${repo}/issues/${first}/comments`)).json as { body: string }[];
    expect(comments.map((c) => c.body).join('\n')).toMatch(
      /Superseded: the decision \(8 → 9\) is within the review policy and is committed directly/,
    );
    expect((await api(`/repos/gitscale/${repo}/branches/${encodeURIComponent(branch)}`)).status).toBe(404);
    expect(await onMain()).toContain('replicas: 9 # gitscale');

    // 4. A merged pull request: the next tick reads the new value from main and opens nothing new.
    await setQueue(80);
    r = await once();
    const second = JSON.parse(r.out).objects[0].pullRequest.number;
    // The number gitscale reported is its open pull request from its branch.
    expect((await api(`/repos/gitscale/${repo}/pulls/${second}`)).json).toMatchObject({ state: 'open', head: { ref: branch } });
    expect(await mergeWhenChecked(second)).toMatchObject({ status: 200 });
    expect(await onMain()).toContain('replicas: 16 # gitscale');
    r = await once();
    expect(JSON.parse(r.out).objects[0]).toMatchObject({ current: 16, desired: 16, route: 'none', pullRequest: null });
    expect(await pulls('open')).toEqual([]);

    // 5. A person pushes to the bot branch: gitscale stops touching it and says so once.
    await setQueue(150);
    r = await once();
    const third = JSON.parse(r.out).objects[0].pullRequest.number;
    await git('fetch', '-q', 'origin');
    await git('checkout', '-q', '-B', 'mine', `origin/${branch}`);
    await writeFile(join(clone, 'deploy.yaml'), deployment('consumer', 25));
    await git('commit', '-q', '-am', 'human: 25 is enough');
    await git('push', '-q', 'origin', `mine:${branch}`);
    await setQueue(200);
    r = await once();
    expect(JSON.parse(r.out).objects[0].reason).toMatch(/left alone: a person pushed to the branch/);
    expect(r.err).toMatch(/a person pushed to the bot branch/);
    expect(await onBranch()).toContain('replicas: 25 # gitscale');
    const notes = (await api(`/repos/gitscale/${repo}/issues/${third}/comments`)).json as { body: string }[];
    // Said once, on the pull request (the log says which one gitscale found; the listing is Gitea's).
    const said = `${r.err}\nopen: ${JSON.stringify((await api(`/repos/gitscale/${repo}/pulls?state=open`)).json)}`;
    expect(
      notes.filter((c) => c.body.includes('gitscale will not update this branch')),
      said,
    ).toHaveLength(1);
  }, 120_000);
});

describe('pull-request limits on Gitea', () => {
  it('prConcurrentLimit: a second decision waits (reported, not dropped) while one pull request is open', async () => {
    const { name } = await giteaRepo('lim', { 'a.yaml': deployment('a', 8), 'b.yaml': deployment('b', 8) });
    await setQueue(80);
    const cfg = await writeConfig({
      repositories: [
        {
          name: 'manifests',
          url: `${servers.GITEA_URL}/gitscale/${name}.git`,
          auth: { tokenFromEnv: 'GITEA_PR_TOKEN' },
          review: { aboveReplicas: 10 },
          forge: { type: 'gitea', prConcurrentLimit: 1 },
        },
      ],
      scaledObjects: ['a', 'b'].map((n) =>
        scaledObject({ name: n, path: `${n}.yaml`, triggers: [redisList(servers.REDIS_ADDRESS, list)] }),
      ),
    });
    const { code, out, err } = await onceOn(cfg);
    expect(code).toBe(0);
    const [a, b] = JSON.parse(out).objects;
    expect(a.pullRequest).not.toBeNull();
    expect(b).toMatchObject({ route: 'pull-request', pullRequest: null });
    expect(b.reason).toMatch(/waiting: prConcurrentLimit 1 reached/);
    expect(err).toMatch(/pull request waits: limit reached/);
    const open = (await api(`/repos/gitscale/${name}/pulls?state=open`)).json as unknown[];
    expect(open).toHaveLength(1);
  });
});

describe('forge faults', () => {
  it('a 5xx while opening the pull request leaves a branch that the next tick turns into exactly one pull request', async () => {
    const { name } = await giteaRepo('flt', { 'a.yaml': deployment('a', 8) });
    // A proxy in front of Gitea's API that answers 502 to the first "create pull request".
    let failures = 1;
    // void: a failed forward surfaces as an unhandled rejection, which fails the run.
    const proxy = createServer(
      (req, res) =>
        void (async () => {
          const chunks: Buffer[] = [];
          for await (const c of req) chunks.push(c as Buffer);
          if (req.method === 'POST' && /\/pulls$/.test(req.url ?? '') && failures-- > 0) {
            res.writeHead(502).end('bad gateway');
            return;
          }
          const r = await fetch(`${servers.GITEA_URL}${req.url}`, {
            method: req.method,
            headers: req.headers as Record<string, string>,
            body: chunks.length ? Buffer.concat(chunks) : undefined,
          });
          res
            .writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' })
            .end(Buffer.from(await r.arrayBuffer()));
        })(),
    );
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
    try {
      await setQueue(80);
      const cfg = await writeConfig({
        repositories: [
          {
            name: 'manifests',
            url: `${servers.GITEA_URL}/gitscale/${name}.git`,
            auth: { tokenFromEnv: 'GITEA_PR_TOKEN' },
            review: { aboveReplicas: 10 },
            forge: { type: 'gitea', url: proxyUrl },
          },
        ],
        scaledObjects: [scaledObject({ name: 'a', path: 'a.yaml', triggers: [redisList(servers.REDIS_ADDRESS, list)] })],
      });
      const tick = () => onceOn(cfg);
      const first = await tick();
      expect(first.code).toBe(1);
      expect(first.obj.errorCode).toBe('FORGE_HTTP');
      expect(first.obj.error).toMatch(/HTTP 502/);
      const second = await tick();
      expect(second.code).toBe(0);
      expect(second.obj.pullRequest).not.toBeNull();
      const open = (await api(`/repos/gitscale/${name}/pulls?state=all`)).json as { head: { ref: string } }[];
      expect(open.map((p) => p.head.ref)).toEqual(['gitscale/default/a']);
      // And when opening fails and the decision then settles, the branch left behind is deleted.
      failures = 1;
      const other = await giteaRepo('flt2', { 'a.yaml': deployment('a', 8) });
      const branchOf = async (repoName: string) =>
        (await api(`/repos/gitscale/${repoName}/branches/${encodeURIComponent('gitscale/default/a')}`)).status;
      const cfg3 = await writeConfig({
        repositories: [
          {
            name: 'manifests',
            url: `${servers.GITEA_URL}/gitscale/${other.name}.git`,
            auth: { tokenFromEnv: 'GITEA_PR_TOKEN' },
            review: { aboveReplicas: 10 },
            forge: { type: 'gitea', url: proxyUrl },
          },
        ],
        scaledObjects: [scaledObject({ name: 'a', path: 'a.yaml', triggers: [redisList(servers.REDIS_ADDRESS, list)] })],
      });
      const tick3 = async () => (await onceOn(cfg3)).obj;
      expect((await tick3()).errorCode).toBe('FORGE_HTTP');
      expect(await branchOf(other.name)).toBe(200);
      await setQueue(45);
      expect(await tick3()).toMatchObject({ route: 'commit', current: 8, desired: 9 });
      expect(await branchOf(other.name)).toBe(404);
    } finally {
      proxy.closeAllConnections();
      await new Promise<void>((r) => proxy.close(() => r()));
    }
  });
});
