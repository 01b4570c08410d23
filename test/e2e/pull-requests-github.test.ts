// The same pull-request lifecycle through gitscale once, with GitHub played by the OpenAPI-checked
// emulator and the branches on git's own http-backend.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deployment, redisList, scaledObject, writeConfig } from '../support/config.js';
import { runGitscale } from '../support/cli.js';
import { git, humanCommit, makeServedRepo, show } from '../support/git.js';
import { startGithubEmulator, type Emulator } from '../support/github/emulator.js';

const servers = inject('servers');
const TOKEN = 'emulated-github-token';
const REPO = 'acme/manifests';
const branch = 'gitscale/default/consumer';
let redis: Redis;
let gh: Emulator;
let bare = '';
let config = '';
const list = `ghpr-${Date.now()}`;

async function setQueue(n: number): Promise<void> {
  await redis.del(list);
  if (n) await redis.rpush(list, ...Array.from({ length: n }, () => 'x'));
}

async function once(): Promise<Record<string, any>> {
  const r = await runGitscale(['once', '--config', config, '--output', 'json'], { GH_TOKEN: TOKEN });
  expect(r.code, r.stderr).toBe(0);
  return { ...JSON.parse(r.stdout).objects[0], stderr: r.stderr };
}

beforeAll(async () => {
  redis = new Redis(servers.REDIS_ADDRESS);
  let url: string;
  ({ bare, url } = await makeServedRepo(servers, { 'deploy.yaml': deployment('consumer', 8) }));
  gh = await startGithubEmulator({ repos: { [REPO]: bare }, token: TOKEN });
  config = await writeConfig({
    repositories: [
      {
        name: 'manifests',
        url,
        auth: { tokenFromEnv: 'GH_TOKEN' },
        review: { aboveReplicas: 10 },
        forge: { type: 'github', url: gh.url, owner: 'acme', repo: 'manifests', labels: ['autoscaling'], reviewers: ['oncall'] },
      },
    ],
    scaledObjects: [scaledObject({ name: 'consumer', path: 'deploy.yaml', triggers: [redisList(servers.REDIS_ADDRESS, list)] })],
  });
});
afterAll(async () => {
  expect(gh.problems).toEqual([]);
  await gh.close();
  await redis.quit();
});

describe('pull-request lifecycle on GitHub (emulated)', () => {
  it('opens, updates in place, closes when within policy, no duplicate after a merge, hands off a human branch', async () => {
    await setQueue(80);
    let r = await once();
    expect(r).toMatchObject({ route: 'pull-request', routedBy: 'review-above-replicas 10: 16 > 10', commit: null });
    let prs = gh.pulls(REPO);
    expect(prs).toHaveLength(1);
    expect(prs[0]).toMatchObject({
      state: 'open',
      head: branch,
      base: 'main',
      title: 'scale default/consumer 8→16 (redis: 80 items / 5)',
      labels: ['autoscaling'],
      reviewers: ['oncall'],
    });
    expect(prs[0].body).toContain('Gitscale-Replicas: 8 -> 16');
    expect(await show(bare, branch, 'deploy.yaml')).toContain('replicas: 16 # gitscale');
    expect(await show(bare, 'main', 'deploy.yaml')).toContain('replicas: 8 # gitscale');

    await setQueue(60);
    await once();
    prs = gh.pulls(REPO);
    expect(prs.map((p) => [p.number, p.state, p.title])).toEqual([[1, 'open', 'scale default/consumer 8→12 (redis: 60 items / 5)']]);

    await setQueue(45);
    r = await once();
    expect(r).toMatchObject({ route: 'commit', current: 8, desired: 9 });
    expect(gh.pulls(REPO)[0]).toMatchObject({ state: 'closed', merged: false });
    expect(gh.pulls(REPO)[0].comments.join('\n')).toMatch(/Superseded: the decision \(8 → 9\) is within the review policy/);
    expect((await git(bare, 'branch', '--list', 'gitscale/*')).trim()).toBe('');
    expect(await show(bare, 'main', 'deploy.yaml')).toContain('replicas: 9 # gitscale');

    await setQueue(80);
    r = await once();
    const second = r.pullRequest.number;
    await gh.merge(REPO, second);
    expect(await show(bare, 'main', 'deploy.yaml')).toContain('replicas: 16 # gitscale');
    r = await once();
    expect(r).toMatchObject({ current: 16, desired: 16, route: 'none', pullRequest: null });
    expect(gh.pulls(REPO).filter((p) => p.state === 'open')).toEqual([]);

    await setQueue(150);
    r = await once();
    const third = r.pullRequest.number;
    await humanCommit(bare, { 'deploy.yaml': deployment('consumer', 25) }, 'human: 25', branch);
    await setQueue(200);
    r = await once();
    expect(r.reason).toMatch(/left alone: a person pushed to the branch/);
    expect(await show(bare, branch, 'deploy.yaml')).toContain('replicas: 25 # gitscale');
    const p3 = gh.pulls(REPO).find((p) => p.number === third)!;
    expect(p3.comments.filter((c) => c.includes('gitscale will not update this branch'))).toHaveLength(1);

    // Back within policy: the person's branch and pull request are still left alone (not closed, not deleted).
    await setQueue(45);
    await once();
    expect(gh.pulls(REPO).find((p) => p.number === third)).toMatchObject({ state: 'open' });
    expect(await show(bare, branch, 'deploy.yaml')).toContain('replicas: 25 # gitscale');
  }, 120_000);
});
