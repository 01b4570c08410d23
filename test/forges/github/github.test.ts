// The GitHub forge against the OpenAPI-checked emulator (no real GitHub is reachable here).
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createGithub } from '../../../src/forges/github/index.js';
import { ForgeError } from '../../../src/forges/types.js';
import { startGithubEmulator, type Emulator } from '../../support/github/emulator.js';
import { checkGraphql } from '../../support/github/graphql.js';
import { checkRequest, checkResponse, find } from '../../support/github/spec.js';
import { git, humanCommit, makeServedRepo, show } from '../../support/git.js';

const servers = inject('servers');
const TOKEN = 'test-token-for-the-emulator';
let gh: Emulator;
let bare = '';

beforeAll(async () => {
  ({ bare } = await makeServedRepo(servers, { 'a.yaml': 'replicas: 1\n' }));
  for (const b of ['gitscale/default/a', 'gitscale/default/b']) {
    await git(bare, 'branch', b, 'main');
    await humanCommit(bare, { [`${b.split('/').pop()}.yaml`]: 'replicas: 40\n' }, `bot change on ${b}`, b);
  }
  gh = await startGithubEmulator({ repos: { 'acme/manifests': bare }, token: TOKEN });
});
afterAll(async () => {
  expect(gh.problems).toEqual([]);
  await gh.close();
});

/** Records each wait the forge asks for and returns at once: the tests assert the waits instead of sitting them out. */
const waits = (slept: number[] = []) => ({ slept, sleep: async (ms: number) => void slept.push(ms) });
const forge = (token = TOKEN, logs: string[] = [], sleep = waits().sleep) =>
  createGithub({ baseUrl: gh.url, owner: 'acme', repo: 'manifests', token, fetch, log: (m) => logs.push(m), sleep });

describe("the emulator's judges can fail", () => {
  it('rejects a request body and an answer that do not fit the OpenAPI description', () => {
    const create = find('POST', '/repos/acme/manifests/pulls')!.operation;
    expect(checkRequest(create, { title: 't', head: 7 })).toMatch(/pulls\/create request: .*head/);
    expect(checkResponse(create, 201, { number: 1 })).toMatch(/pulls\/create 201 response: .*must have required property/);
    expect(find('GET', '/no/such/endpoint')).toBeNull();
  });

  it("rejects GraphQL that does not fit GitHub's schema", () => {
    expect(checkGraphql('mutation { enablePullRequestAutoMerge(input: { pullRequestId: "x" }) { nope } }')).toMatch(
      /Cannot query field "nope"/,
    );
    expect(
      checkGraphql('mutation($id: ID!) { enablePullRequestAutoMerge(input: { pullRequestId: $id }) { clientMutationId } }', {}),
    ).toMatch(/variables/);
  });
});

describe('github forge (OpenAPI-checked emulator)', () => {
  it('opens, finds, updates, labels, requests reviewers, assigns, comments and closes', async () => {
    const f = forge();
    expect(await f.findPr('gitscale/default/a')).toBeNull();
    const pr = await f.openPr({
      head: 'gitscale/default/a',
      base: 'main',
      title: 'scale default/a 3→40',
      body: 'evidence',
      assignees: ['alice'],
    });
    expect(pr).toMatchObject({ state: 'open', merged: false, head: 'gitscale/default/a', base: 'main', title: 'scale default/a 3→40' });
    expect((await f.findPr('gitscale/default/a'))?.number).toBe(pr.number);
    expect((await f.openPrs('gitscale/')).map((p) => p.number)).toEqual([pr.number]);
    expect(await f.updatePr(pr.number, { title: 'scale default/a 3→50', body: 'new' })).toMatchObject({
      title: 'scale default/a 3→50',
      body: 'new',
    });
    await f.addLabels(pr.number, ['autoscaling']);
    await f.requestReviewers(pr.number, ['bob']);
    await f.comment(pr.number, 'superseded');
    const state = gh.pulls('acme/manifests').find((p) => p.number === pr.number)!;
    expect(state).toMatchObject({ labels: ['autoscaling'], reviewers: ['bob'], assignees: ['alice'], comments: ['superseded'] });
    await f.closePr(pr.number);
    expect(await f.findPr('gitscale/default/a')).toMatchObject({ state: 'closed', merged: false });
  });

  it('reads a merged pull request as merged (a real merge in the bare repository)', async () => {
    const f = forge();
    const pr = await f.openPr({ head: 'gitscale/default/b', base: 'main', title: 't', body: 'b' });
    await gh.merge('acme/manifests', pr.number);
    expect(await f.findPr('gitscale/default/b')).toMatchObject({ state: 'closed', merged: true });
    expect((await git(bare, 'log', '-1', '--format=%s', 'main')).trim()).toBe(`Merge pull request #${pr.number}`);
  });

  it('auto-merge: enabled through GraphQL while checks are pending; merged at once when GitHub says "clean status"', async () => {
    await git(bare, 'branch', 'gitscale/default/c', 'main');
    await humanCommit(bare, { 'c.yaml': 'replicas: 5\n' }, 'bot change c', 'gitscale/default/c');
    await git(bare, 'branch', 'gitscale/default/d', 'main');
    await humanCommit(bare, { 'd.yaml': 'replicas: 6\n' }, 'bot change d', 'gitscale/default/d');
    const f = forge();
    gh.setChecksPending(true);
    const pending = await f.openPr({ head: 'gitscale/default/c', base: 'main', title: 'c', body: 'b' });
    await f.enableAutomerge(pending.number);
    expect(gh.pulls('acme/manifests').find((p) => p.number === pending.number)).toMatchObject({ autoMerge: true, state: 'open' });
    gh.setChecksPending(false);
    const clean = await f.openPr({ head: 'gitscale/default/d', base: 'main', title: 'd', body: 'b' });
    await f.enableAutomerge(clean.number);
    expect(await f.findPr('gitscale/default/d')).toMatchObject({ state: 'closed', merged: true });
    expect(await show(bare, 'main', 'd.yaml')).toBe('replicas: 6\n');
  }, 30_000);

  it('waits out a 429 and a secondary rate limit as retry-after says (a 429 at most 60 s), then succeeds', async () => {
    const logs: string[] = [];
    const { slept, sleep } = waits();
    const f = forge(TOKEN, logs, sleep);
    gh.failNext(
      {
        status: 429,
        headers: { 'retry-after': '7' },
        body: { message: 'API rate limit exceeded', documentation_url: 'https://docs.github.com/rest' },
      },
      {
        status: 429,
        headers: { 'retry-after': '600' },
        body: { message: 'API rate limit exceeded', documentation_url: 'https://docs.github.com/rest' },
      },
      {
        status: 403,
        headers: { 'retry-after': '3' },
        body: {
          message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
          documentation_url: 'https://docs.github.com/rest',
        },
      },
    );
    const before = gh.requests.length;
    expect(await f.openPrs('gitscale/')).toBeDefined();
    expect(gh.requests.length - before).toBe(4);
    expect(slept).toEqual([7_000, 60_000, 3_000]);
    expect(logs).toEqual(['github 429: waiting', 'github 429: waiting', 'github secondary rate limit: waiting']);
  });

  it('a 429 that never ends is retried a bounded number of times, then fails clearly', async () => {
    const tooMany = {
      status: 429,
      headers: { 'retry-after': '0' },
      body: { message: 'Too Many Requests', documentation_url: 'https://docs.github.com/rest' },
    };
    gh.failNext(tooMany, tooMany, tooMany, tooMany, tooMany);
    const before = gh.requests.length;
    const { slept, sleep } = waits();
    const err = await createGithub({ baseUrl: gh.url, owner: 'acme', repo: 'manifests', token: TOKEN, fetch, maxRetries: 2, sleep })
      .openPrs('gitscale/')
      .catch((e) => e);
    expect(err).toMatchObject({ code: 'FORGE_HTTP', data: { status: 429 } });
    expect(gh.requests.length - before).toBe(3);
    expect(slept).toEqual([1_000, 1_000]); // retry-after 0 is read as 1 s
    gh.failNext(); // the remaining faults are consumed below
    await forge()
      .openPrs('gitscale/')
      .catch(() => {});
    await forge()
      .openPrs('gitscale/')
      .catch(() => {});
  });

  it('a primary rate limit (403, remaining 0) is waited out until x-ratelimit-reset', async () => {
    const logs: string[] = [];
    const { slept, sleep } = waits();
    const reset = Math.floor(Date.now() / 1000) + 30;
    gh.failNext({
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset), 'x-ratelimit-limit': '5000' },
      body: { message: 'API rate limit exceeded for user ID 1.', documentation_url: 'https://docs.github.com/rest' },
    });
    await forge(TOKEN, logs, sleep).openPrs('gitscale/');
    expect(logs).toEqual(['github rate limit: waiting']);
    // Until the reset, and one second past it (GitHub's advice).
    expect(slept).toHaveLength(1);
    expect(slept[0]).toBeGreaterThanOrEqual(29_000);
    expect(slept[0]).toBeLessThanOrEqual(31_000);
  });

  it('a primary rate limit that resets past a minute fails at once rather than holding the tick', async () => {
    const { slept, sleep } = waits();
    const reset = Math.floor(Date.now() / 1000) + 3600;
    gh.failNext({
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset), 'x-ratelimit-limit': '5000' },
      body: { message: 'API rate limit exceeded for user ID 1.', documentation_url: 'https://docs.github.com/rest' },
    });
    await expect(forge(TOKEN, [], sleep).openPrs('gitscale/')).rejects.toMatchObject({ data: { status: 403 } });
    expect(slept).toEqual([]);
  });

  it('authenticates as a GitHub App installation (JWT → installation token) and uses that token', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const app = await startGithubEmulator({
      repos: { 'acme/manifests': bare },
      token: 'unused',
      app: { id: 4242, installationId: 77, publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    });
    try {
      const f = createGithub({
        baseUrl: app.url,
        owner: 'acme',
        repo: 'manifests',
        fetch,
        app: { appId: 4242, installationId: 77, privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
      });
      expect(await f.openPrs('gitscale/')).toEqual([]);
      expect(app.issued.size).toBe(1);
      expect(app.requests).toEqual(['POST /app/installations/77/access_tokens', 'GET /repos/acme/manifests/pulls']);
      expect(app.problems).toEqual([]);
      const wrong = createGithub({
        baseUrl: app.url,
        owner: 'acme',
        repo: 'manifests',
        fetch,
        app: { appId: 1, installationId: 77, privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
      });
      await expect(wrong.openPrs('gitscale/')).rejects.toMatchObject({ code: 'FORGE_PERMISSION' });
    } finally {
      await app.close();
    }
  });

  it('a wrong token is FORGE_PERMISSION naming what it needs, without the token', async () => {
    const err = await forge('not-the-token')
      .openPrs('gitscale/')
      .catch((e) => e);
    expect(err).toBeInstanceOf(ForgeError);
    expect(err.code).toBe('FORGE_PERMISSION');
    expect(err.data.status).toBe(401);
    expect(err.message).not.toContain('not-the-token');
  });

  it('a 403 without rate-limit headers names the missing permission', async () => {
    gh.failNext({
      status: 403,
      headers: {},
      body: { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest' },
    });
    const err = await forge()
      .openPr({ head: 'gitscale/default/a', base: 'main', title: 't', body: 'b' })
      .catch((e) => e);
    expect(err.code).toBe('FORGE_PERMISSION');
    expect(err.message).toMatch(/Pull requests: write/);
  });
});
