import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { openRemote } from '../../src/git/remote.js';
import { GitError } from '../../src/errors.js';
import { git, humanCommit, log, makeServedRepo, show } from '../support/git.js';
import { tempDir } from '../support/temp.js';

const servers = inject('servers');
const clock = { now: () => Date.UTC(2026, 10, 27, 12, 0, 0) };
const noSleep = async () => {};

async function workspaceDir(): Promise<string> {
  return join(await tempDir('ws'), 'repo');
}

describe('remote workspace against git http-backend', () => {
  it('clones shallow without checkout, reads, commits only the changed blob and pushes', async () => {
    const { bare, url } = await makeServedRepo(servers, {
      'apps/a/deploy.yaml': 'replicas: 1\n',
      'apps/b/deploy.yaml': 'replicas: 2\n',
      'README.md': 'hi\n',
    });
    const dir = await workspaceDir();
    const ws = openRemote({ repository: 'r', url, branch: 'main', dir, fs, clock, sleep: noSleep });
    const head = await ws.sync();
    expect(await ws.read('apps/a/deploy.yaml')).toBe('replicas: 1\n');
    expect(await ws.read('missing.yaml')).toBeNull();
    expect(await ws.list('apps')).toEqual(['apps/a/deploy.yaml', 'apps/b/deploy.yaml']);
    expect(await ws.list('')).toEqual(['README.md', 'apps/a/deploy.yaml', 'apps/b/deploy.yaml']);
    expect(await ws.list('README.md')).toEqual([]);
    expect(await ws.list('nope')).toEqual([]);
    expect(fs.existsSync(join(dir, 'apps'))).toBe(false);
    expect(fs.readFileSync(join(dir, '.git', 'shallow'), 'utf8').trim()).toBe(head);
    const res = await ws.write(
      async (read) => ({
        files: { 'apps/a/deploy.yaml': (await read('apps/a/deploy.yaml'))!.replace('1', '4') },
        message: 'scale a 1→4\n',
      }),
      { name: 'gitscale', email: 'gitscale@localhost' },
    );
    expect(res?.attempts).toBe(1);
    expect(await show(bare, 'main', 'apps/a/deploy.yaml')).toBe('replicas: 4\n');
    expect(await show(bare, 'main', 'apps/b/deploy.yaml')).toBe('replicas: 2\n');
    const changed = (await git(bare, 'diff', '--name-only', 'main~1', 'main')).trim();
    expect(changed).toBe('apps/a/deploy.yaml');
    expect((await git(bare, 'log', '-1', '--format=%an <%ae> %at', 'main')).trim()).toBe(
      `gitscale <gitscale@localhost> ${clock.now() / 1000}`,
    );
    expect(await git(bare, 'fsck', '--strict')).toBeDefined();
  });

  it('re-applies on the new head when a human commit lands between read and push; both survive', async () => {
    const { bare, url } = await makeServedRepo(servers, { 'app/deploy.yaml': 'replicas: 1\n', 'other.yaml': 'x: 1\n' });
    const ws = openRemote({ repository: 'r', url, branch: 'main', dir: await workspaceDir(), fs, clock, sleep: noSleep });
    await ws.sync();
    const seen: string[] = [];
    const res = await ws.write(
      async (read, attempt) => {
        seen.push((await read('other.yaml'))!);
        if (attempt === 1) await humanCommit(bare, { 'other.yaml': 'x: 2\n' }, 'human: bump x');
        return { files: { 'app/deploy.yaml': 'replicas: 3\n' }, message: 'scale app 1→3\n' };
      },
      { name: 'gitscale', email: 'gitscale@localhost' },
    );
    expect(res?.attempts).toBe(2);
    expect(seen).toEqual(['x: 1\n', 'x: 2\n']);
    expect(await log(bare)).toEqual(['scale app 1→3', 'human: bump x', 'initial']);
    expect(await show(bare, 'main', 'other.yaml')).toBe('x: 2\n');
    expect(await show(bare, 'main', 'app/deploy.yaml')).toBe('replicas: 3\n');
  });

  it('authenticates with a token sent up front and keeps it out of .git/config', async () => {
    const { bare, url } = await makeServedRepo(servers, { 'a.yaml': 'replicas: 1\n' }, { private: true });
    const dir = await workspaceDir();
    const ws = openRemote({ repository: 'p', url, branch: 'main', dir, fs, clock, token: servers.GIT_TOKEN, sleep: noSleep });
    await ws.write(async () => ({ files: { 'a.yaml': 'replicas: 2\n' }, message: 'm\n' }), { name: 'g', email: 'g@x' });
    expect(await show(bare, 'main', 'a.yaml')).toBe('replicas: 2\n');
    const config = fs.readFileSync(join(dir, '.git', 'config'), 'utf8');
    expect(config).not.toContain(servers.GIT_TOKEN);
    expect(config).not.toContain(Buffer.from(`x-access-token:${servers.GIT_TOKEN}`).toString('base64'));
  });

  it('asks a token provider before each operation (installation tokens expire)', async () => {
    const { bare, url } = await makeServedRepo(servers, { 'a.yaml': 'replicas: 1\n' }, { private: true });
    let asked = 0;
    const ws = openRemote({
      repository: 'p',
      url,
      branch: 'main',
      dir: await workspaceDir(),
      fs,
      clock,
      sleep: noSleep,
      token: async () => (asked++, servers.GIT_TOKEN),
    });
    await ws.sync();
    await ws.write(async () => ({ files: { 'a.yaml': 'replicas: 3\n' }, message: 'm\n' }), { name: 'g', email: 'g@x' });
    expect(await show(bare, 'main', 'a.yaml')).toBe('replicas: 3\n');
    expect(asked).toBeGreaterThanOrEqual(2);
  });

  it('a wrong token is a clear GIT_AUTH error without the token in it', async () => {
    const { url } = await makeServedRepo(servers, { 'a.yaml': 'x\n' }, { private: true });
    const ws = openRemote({
      repository: 'p',
      url,
      branch: 'main',
      dir: await workspaceDir(),
      fs,
      clock,
      token: 'wrong-token-123',
      sleep: noSleep,
    });
    const err = await ws.sync().catch((e) => e);
    expect(err).toBeInstanceOf(GitError);
    expect(err.code).toBe('GIT_AUTH');
    expect(err.message).toContain("repository 'p'");
    expect(err.message).not.toContain('wrong-token-123');
  });

  it('an unreachable remote is GIT_UNREACHABLE naming the repository', async () => {
    const ws = openRemote({
      repository: 'gone',
      url: 'http://127.0.0.1:1/x.git',
      branch: 'main',
      dir: await workspaceDir(),
      fs,
      clock,
      sleep: noSleep,
    });
    const err = await ws.sync().catch((e) => e);
    expect(err).toBeInstanceOf(GitError);
    expect(err.code).toBe('GIT_UNREACHABLE');
    expect(err.message).toContain("repository 'gone'");
  });

  it('reuses the workspace across syncs and sees new commits', async () => {
    const { bare, url } = await makeServedRepo(servers, { 'a.yaml': 'v1\n' });
    const dir = await workspaceDir();
    const ws = openRemote({ repository: 'r', url, branch: 'main', dir, fs, clock, sleep: noSleep });
    await ws.sync();
    await humanCommit(bare, { 'a.yaml': 'v2\n' });
    await ws.sync();
    expect(await ws.read('a.yaml')).toBe('v2\n');
    const again = openRemote({ repository: 'r', url, branch: 'main', dir, fs, clock, sleep: noSleep });
    await again.sync();
    expect(await again.read('a.yaml')).toBe('v2\n');
  });

  it('fetches only the commits since its head and the objects they changed, and the workspace stays sound for git', async () => {
    const files = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`apps/app-${i}/deploy.yaml`, `replicas: ${i}\n`]));
    const { bare, url } = await makeServedRepo(servers, files);
    const dir = await workspaceDir();
    const ws = openRemote({ repository: 'r', url, branch: 'main', dir, fs, clock, sleep: noSleep });
    await ws.sync();
    const packDir = join(dir, '.git', 'objects', 'pack');
    const before = new Set(fs.readdirSync(packDir));
    // Ten commits by people, each touching another file; then one sync.
    for (let i = 0; i < 10; i++) await humanCommit(bare, { [`apps/app-${i}/deploy.yaml`]: `replicas: ${i + 100}\n` }, `human ${i}`);
    const head = await ws.sync();
    expect(head).toBe((await git(bare, 'rev-parse', 'main')).trim());
    const fetched = fs.readdirSync(packDir).filter((n) => n.endsWith('.idx') && !before.has(n));
    expect(fetched).toHaveLength(1);
    const objects = (await git(dir, 'verify-pack', '-v', join(packDir, fetched[0])))
      .split('\n')
      .filter((l) => / (commit|tree|blob) /.test(l));
    // Per commit: itself, the root, apps/ and its directory's tree, and one blob; not the 60 files.
    expect(objects.filter((l) => / commit /.test(l))).toHaveLength(10);
    expect(objects.filter((l) => / blob /.test(l))).toHaveLength(10);
    expect(objects.length).toBeLessThanOrEqual(10 * 5);
    expect(await ws.read('apps/app-3/deploy.yaml')).toBe('replicas: 103\n');
    expect(await ws.read('apps/app-30/deploy.yaml')).toBe('replicas: 30\n');
    // Native git sees a sound shallow repository: every object of the head, the boundary in .git/shallow.
    await git(dir, 'fsck', '--no-dangling', 'refs/remotes/origin/main');
    expect((await git(dir, 'rev-list', '--count', 'refs/remotes/origin/main')).trim()).toBe('11');
  });

  it('a damaged workspace (a pack cut short, as by a full disk) is a clear error on the read, then cloned afresh at the next sync', async () => {
    const files = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [`apps/app-${i}.yaml`, `replicas: ${i}\n${'# filler so the pack is long\n'.repeat(i)}`]),
    );
    const { url } = await makeServedRepo(servers, files);
    const dir = await workspaceDir();
    const ws = openRemote({ repository: 'r', url, branch: 'main', dir, fs, clock, sleep: noSleep });
    await ws.sync();
    const packDir = join(dir, '.git', 'objects', 'pack');
    const pack = join(
      packDir,
      fs.readdirSync(packDir).find((n) => n.endsWith('.pack'))!,
    );
    fs.truncateSync(pack, Math.floor(fs.statSync(pack).size / 3));
    const reads = await Promise.allSettled(Object.keys(files).map((f) => ws.read(f)));
    const failed = reads.filter((r) => r.status === 'rejected').map((r) => r.reason as GitError);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0].code).toBe('GIT_WORKSPACE_DAMAGED');
    expect(failed[0].message).toMatch(/repository 'r': the workspace in .* cannot be read .*; it is cloned afresh at the next sync/);
    await ws.sync();
    for (const [f, text] of Object.entries(files)) expect(await ws.read(f)).toBe(text);
    // A workspace whose head itself cannot be read is cloned afresh by the sync alone.
    const again = openRemote({ repository: 'r', url, branch: 'main', dir, fs, clock, sleep: noSleep });
    const current = join(
      packDir,
      fs.readdirSync(packDir).find((n) => n.endsWith('.pack'))!,
    );
    fs.truncateSync(current, 40);
    await again.sync();
    expect(await again.read('apps/app-7.yaml')).toBe(files['apps/app-7.yaml']);
  });

  it('clones afresh once fetches have piled up more packs than maxPacks', async () => {
    const { bare, url } = await makeServedRepo(servers, { 'a.yaml': 'v1\n' });
    const dir = await workspaceDir();
    const ws = openRemote({ repository: 'r', url, branch: 'main', dir, fs, clock, sleep: noSleep, maxPacks: 2 });
    const packs = () => fs.readdirSync(join(dir, '.git', 'objects', 'pack')).filter((n) => n.endsWith('.pack')).length;
    await ws.sync();
    const counts: number[] = [packs()];
    for (const v of ['v2', 'v3', 'v4']) {
      await humanCommit(bare, { 'a.yaml': `${v}\n` });
      await ws.sync();
      expect(await ws.read('a.yaml')).toBe(`${v}\n`);
      counts.push(packs());
    }
    expect(counts).toEqual([1, 2, 3, 1]);
  });

  it('returns null and pushes nothing when the edit has no files', async () => {
    const { bare, url } = await makeServedRepo(servers, { 'a.yaml': 'v1\n' });
    const ws = openRemote({ repository: 'r', url, branch: 'main', dir: await workspaceDir(), fs, clock, sleep: noSleep });
    expect(await ws.write(async () => null, { name: 'g', email: 'g@x' })).toBeNull();
    expect(await log(bare)).toEqual(['initial']);
  });
});

describe('remote workspace: refusals that are not races', () => {
  it('a pre-receive hook refusal fails at once with the server reason, no retry loop', async () => {
    const { bare, url } = await makeServedRepo(servers, { 'a.yaml': 'replicas: 1\n' });
    fs.writeFileSync(join(bare, 'hooks', 'pre-receive'), '#!/bin/sh\necho "branch is protected" >&2\nexit 1\n', { mode: 0o755 });
    const ws = openRemote({ repository: 'r', url, branch: 'main', dir: await workspaceDir(), fs, clock, sleep: noSleep });
    let edits = 0;
    const err = await ws
      .write(
        async () => {
          edits++;
          return { files: { 'a.yaml': 'replicas: 2\n' }, message: 'm\n' };
        },
        { name: 'g', email: 'g@x' },
      )
      .catch((e) => e);
    expect(err).toBeInstanceOf(GitError);
    expect(err.code).toBe('GIT_PUSH_REFUSED');
    expect(err.message).toMatch(/pre-receive hook declined/);
    // What the hook said comes back on side band 2 and is quoted.
    expect(err.message).toContain('remote: branch is protected');
    expect(edits).toBe(1);
    expect(await log(bare)).toEqual(['initial']);
  });
});

describe('remote workspace: bot branches', () => {
  it('writes a one-commit branch from the base head, rewrites it in place, reads its author, deletes it; the base never moves', async () => {
    const { bare, url } = await makeServedRepo(servers, { 'a.yaml': 'replicas: 1\n' });
    const ws = openRemote({ repository: 'r', url, branch: 'main', dir: await workspaceDir(), fs, clock, sleep: noSleep });
    const base = (await git(bare, 'rev-parse', 'main')).trim();
    const b = ws.branches!;
    expect(await b.branchHead('gitscale/default/a')).toBeNull();
    const first = await b.writeBranch(
      'gitscale/default/a',
      async (read) => ({ files: { 'a.yaml': (await read('a.yaml'))!.replace('1', '40') }, message: 'scale a 1→40\n' }),
      { name: 'gitscale', email: 'bot@x' },
      null,
    );
    expect(first?.parent).toBe(base);
    expect(await show(bare, 'gitscale/default/a', 'a.yaml')).toBe('replicas: 40\n');
    // Rebuilt from the base head each time: still one commit on top of main.
    const second = await b.writeBranch(
      'gitscale/default/a',
      async () => ({ files: { 'a.yaml': 'replicas: 50\n' }, message: 'scale a 1→50\n' }),
      { name: 'gitscale', email: 'bot@x' },
      first!.commit,
    );
    // The same change again: nothing is pushed, the branch keeps its commit.
    const again = await b.writeBranch(
      'gitscale/default/a',
      async () => ({ files: { 'a.yaml': 'replicas: 50\n' }, message: 'scale a 1→50\n' }),
      { name: 'gitscale', email: 'bot@x' },
      second!.commit,
    );
    expect(again).toMatchObject({ unchanged: true, commit: second!.commit });
    // A stale lease is refused: a head nobody inspected is never overwritten.
    await expect(
      b.writeBranch(
        'gitscale/default/a',
        async () => ({ files: { 'a.yaml': 'replicas: 60\n' }, message: 'm\n' }),
        { name: 'gitscale', email: 'bot@x' },
        first!.commit,
      ),
    ).rejects.toMatchObject({ code: 'GIT_BRANCH_MOVED' });
    expect((await git(bare, 'rev-list', '--count', 'main..gitscale/default/a')).trim()).toBe('1');
    expect(await show(bare, 'gitscale/default/a', 'a.yaml')).toBe('replicas: 50\n');
    expect(await b.branchHead('gitscale/default/a')).toMatchObject({ authorEmail: 'bot@x' });
    expect((await git(bare, 'rev-parse', 'main')).trim()).toBe(base);
    await expect(b.deleteBranch('gitscale/default/a', first!.commit)).rejects.toMatchObject({ code: 'GIT_PUSH_FAILED' });
    await b.deleteBranch('gitscale/default/a', second!.commit);
    expect((await git(bare, 'branch', '--list', 'gitscale/*')).trim()).toBe('');
  });

  it('refuses to use the base branch as a bot branch', async () => {
    const { url } = await makeServedRepo(servers, { 'a.yaml': 'x\n' });
    const ws = openRemote({ repository: 'r', url, branch: 'main', dir: await workspaceDir(), fs, clock, sleep: noSleep });
    await expect(
      ws.branches!.writeBranch('main', async () => ({ files: { 'a.yaml': 'y\n' }, message: 'm\n' }), { name: 'g', email: 'g@x' }, null),
    ).rejects.toMatchObject({ code: 'GIT_BASE_BRANCH' });
    await expect(ws.branches!.deleteBranch('main', '0'.repeat(40))).rejects.toMatchObject({ code: 'GIT_BASE_BRANCH' });
  });

  it('sees a human commit on the bot branch', async () => {
    const { bare, url } = await makeServedRepo(servers, { 'a.yaml': 'replicas: 1\n' });
    const ws = openRemote({ repository: 'r', url, branch: 'main', dir: await workspaceDir(), fs, clock, sleep: noSleep });
    await ws.branches!.writeBranch(
      'gitscale/default/a',
      async () => ({ files: { 'a.yaml': 'replicas: 9\n' }, message: 'm\n' }),
      { name: 'gitscale', email: 'bot@x' },
      null,
    );
    await humanCommit(bare, { 'a.yaml': 'replicas: 12\n' }, 'human tweak', 'gitscale/default/a');
    expect(await ws.branches!.branchHead('gitscale/default/a')).toMatchObject({ authorEmail: 'human@example.com' });
  });
});
