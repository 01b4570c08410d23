// The Gitea forge against a real Gitea server.
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createGitea } from '../../../src/forges/gitea/index.js';
import { ForgeError } from '../../../src/forges/types.js';
import { tempDir } from '../../support/temp.js';

const run = promisify(execFile);
const servers = inject('servers');
const api = (path: string, init: RequestInit = {}) =>
  fetch(`${servers.GITEA_URL}/api/v1${path}`, {
    ...init,
    headers: { Authorization: `token ${servers.GITEA_TOKEN}`, 'Content-Type': 'application/json', ...init.headers },
  });

let repo = '';
beforeAll(async () => {
  repo = `m-${Math.random().toString(36).slice(2, 8)}`;
  const r = await api('/user/repos', { method: 'POST', body: JSON.stringify({ name: repo, auto_init: true, default_branch: 'main' }) });
  expect(r.status).toBe(201);
  // A branch with one commit, pushed by native git over HTTP.
  const dir = await tempDir('gitea-clone');
  const url = `${servers.GITEA_URL.replace('http://', `http://gitscale:${servers.GITEA_TOKEN}@`)}/gitscale/${repo}.git`;
  const env = { ...process.env, GIT_AUTHOR_NAME: 'g', GIT_AUTHOR_EMAIL: 'g@x', GIT_COMMITTER_NAME: 'g', GIT_COMMITTER_EMAIL: 'g@x' };
  await run('git', ['clone', '-q', url, dir], { env });
  for (const branch of ['gitscale/default/consumer', 'gitscale/default/other']) {
    await run('git', ['checkout', '-q', '-B', branch, 'origin/main'], { cwd: dir, env });
    await writeFile(join(dir, `${branch.split('/').pop()}.yaml`), 'replicas: 40\n');
    await run('git', ['add', '-A'], { cwd: dir, env });
    await run('git', ['commit', '-q', '-m', `scale ${branch}`], { cwd: dir, env });
    await run('git', ['push', '-q', 'origin', branch], { cwd: dir, env });
  }
});

const forge = (token = servers.GITEA_TOKEN) => createGitea({ url: servers.GITEA_URL, owner: 'gitscale', repo, token, fetch });

describe('gitea forge', () => {
  it('opens, finds, updates in place, labels, comments and closes a pull request', async () => {
    const f = forge();
    expect(await f.findPr('gitscale/default/consumer')).toBeNull();
    const pr = await f.openPr({ head: 'gitscale/default/consumer', base: 'main', title: 'scale default/consumer 3→40', body: 'evidence' });
    expect(pr).toMatchObject({
      state: 'open',
      merged: false,
      head: 'gitscale/default/consumer',
      base: 'main',
      title: 'scale default/consumer 3→40',
    });
    expect(pr.url).toContain(`/gitscale/${repo}/pulls/${pr.number}`);
    expect((await f.findPr('gitscale/default/consumer'))?.number).toBe(pr.number);
    expect((await f.openPrs('gitscale/')).map((p) => p.number)).toEqual([pr.number]);
    expect(await f.openPrs('other/')).toEqual([]);
    const updated = await f.updatePr(pr.number, { title: 'scale default/consumer 3→50', body: 'new evidence' });
    expect(updated).toMatchObject({ number: pr.number, title: 'scale default/consumer 3→50', body: 'new evidence' });
    await f.addLabels(pr.number, ['autoscaling', 'needs-review']);
    await f.addLabels(pr.number, ['autoscaling']);
    expect((await f.findPr('gitscale/default/consumer'))?.labels.sort()).toEqual(['autoscaling', 'needs-review']);
    await f.comment(pr.number, 'superseded: back within policy');
    const comments = await (await api(`/repos/gitscale/${repo}/issues/${pr.number}/comments`)).json();
    expect(comments.map((c: { body: string }) => c.body)).toContain('superseded: back within policy');
    await f.closePr(pr.number);
    expect(await f.findPr('gitscale/default/consumer')).toMatchObject({ number: pr.number, state: 'closed', merged: false });
  });

  it('requests reviewers, and auto-merge merges at once when no checks are required; then it reads as merged', async () => {
    const reviewer = `rev-${repo}`;
    const u = await api('/admin/users', {
      method: 'POST',
      body: JSON.stringify({
        username: reviewer,
        email: `${reviewer}@example.com`,
        password: 'Reviewer-pass-123',
        must_change_password: false,
      }),
    });
    expect(u.status).toBe(201);
    expect(
      (await api(`/repos/gitscale/${repo}/collaborators/${reviewer}`, { method: 'PUT', body: JSON.stringify({ permission: 'write' }) }))
        .status,
    ).toBe(204);
    const f = forge();
    const pr = await f.openPr({ head: 'gitscale/default/other', base: 'main', title: 't', body: 'b', assignees: ['gitscale'] });
    await f.requestReviewers(pr.number, [reviewer]);
    const details = await (await api(`/repos/gitscale/${repo}/pulls/${pr.number}`)).json();
    expect(details.requested_reviewers.map((r: { login: string }) => r.login)).toEqual([reviewer]);
    expect(details.assignees.map((a: { login: string }) => a.login)).toEqual(['gitscale']);
    await f.enableAutomerge(pr.number);
    // Gitea merges a scheduled auto-merge from its queue once the (here: no) checks are done.
    for (let i = 0; i < 50 && !(await f.findPr('gitscale/default/other'))?.merged; i++) await new Promise((r) => setTimeout(r, 200));
    expect(await f.findPr('gitscale/default/other')).toMatchObject({ state: 'closed', merged: true });
  });

  it('a token without permission is a clear FORGE_PERMISSION error naming the scope, without the token', async () => {
    const basic = Buffer.from(`gitscale:${servers.GITEA_PASSWORD}`).toString('base64');
    const t = await fetch(`${servers.GITEA_URL}/api/v1/users/gitscale/tokens`, {
      method: 'POST',
      headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: `ro-${repo}`, scopes: ['read:repository', 'read:issue'] }),
    });
    expect(t.status).toBe(201);
    const readOnly = (await t.json()).sha1 as string;
    const err = await forge(readOnly)
      .openPr({ head: 'gitscale/default/consumer', base: 'main', title: 't', body: 'b' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ForgeError);
    expect(err.code).toBe('FORGE_PERMISSION');
    expect(err.data.status).toBe(403);
    expect(err.message).toMatch(/write:repository/);
    expect(err.message).not.toContain(readOnly);
  });

  it('an unreachable server is FORGE_UNREACHABLE', async () => {
    const err = await createGitea({ url: 'http://127.0.0.1:1', owner: 'o', repo: 'r', token: 't', fetch })
      .findPr('x')
      .catch((e) => e);
    expect(err.code).toBe('FORGE_UNREACHABLE');
  });

  it("an answer that is not JSON (a proxy's login page) or is too large is FORGE_HTTP, never a crash", async () => {
    const server = createServer((req, res) => {
      if (req.url?.includes('/pulls')) {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html><body>Sign in to continue</body></html>');
      } else {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(64 * 1024 * 1024) });
        res.write('[');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const g = createGitea({ url, owner: 'o', repo: 'r', token: 'secret-token', fetch });
      const notJson = await g.findPr('x').catch((e) => e);
      expect(notJson).toMatchObject({ code: 'FORGE_HTTP', message: expect.stringMatching(/the answer is not JSON \(<html><body>Sign in/) });
      const big = await g.addLabels(1, ['a']).catch((e) => e);
      expect(big).toMatchObject({ code: 'FORGE_HTTP', message: expect.stringMatching(/larger than 16777216 bytes: not read/) });
      for (const e of [notJson, big]) expect(e.message).not.toContain('secret-token');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
