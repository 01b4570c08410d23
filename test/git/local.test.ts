import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLocal } from '../../src/git/local.js';
import { GitError } from '../../src/errors.js';
import { git, log, makeLocalRepo } from '../support/git.js';

const clock = { now: () => Date.UTC(2026, 10, 27, 12, 0, 0) };
const author = { name: 'gitscale', email: 'gitscale@localhost' };

describe('local workspace', () => {
  it('commits on the checked-out branch and leaves worktree and index clean', async () => {
    const dir = await makeLocalRepo({ 'apps/c/deployment.yaml': 'replicas: 0\n', 'x.txt': 'x\n' });
    const ws = openLocal({ repository: 'l', dir, branch: 'main', fs, clock });
    await ws.sync();
    expect(await ws.read('apps/c/deployment.yaml')).toBe('replicas: 0\n');
    const res = await ws.write(async () => ({ files: { 'apps/c/deployment.yaml': 'replicas: 4\n' }, message: 'scale c 0→4\n' }), author);
    expect(res?.files).toEqual(['apps/c/deployment.yaml']);
    expect(fs.readFileSync(join(dir, 'apps/c/deployment.yaml'), 'utf8')).toBe('replicas: 4\n');
    expect((await git(dir, 'status', '--porcelain')).trim()).toBe('');
    expect(await log(dir)).toEqual(['scale c 0→4', 'initial']);
  });

  it('refuses a file with uncommitted edits and keeps the edit', async () => {
    const dir = await makeLocalRepo({ 'd.yaml': 'replicas: 1\n' });
    fs.writeFileSync(join(dir, 'd.yaml'), 'replicas: 1 # my edit\n');
    const ws = openLocal({ repository: 'l', dir, branch: 'main', fs, clock });
    const err = await ws
      .write(async (read) => ({ files: { 'd.yaml': (await read('d.yaml'))!.replace('1', '2') }, message: 'm\n' }), author)
      .catch((e) => e);
    expect(err).toBeInstanceOf(GitError);
    expect(err.code).toBe('GIT_DIRTY_WORKTREE');
    expect(err.data.file).toBe('d.yaml');
    expect(fs.readFileSync(join(dir, 'd.yaml'), 'utf8')).toBe('replicas: 1 # my edit\n');
    expect(await log(dir)).toEqual(['initial']);
  });

  it('commits to a branch that is not checked out without touching the worktree', async () => {
    const dir = await makeLocalRepo({ 'd.yaml': 'replicas: 1\n' });
    await git(dir, 'branch', 'deploy');
    const ws = openLocal({ repository: 'l', dir, branch: 'deploy', fs, clock });
    await ws.write(async () => ({ files: { 'd.yaml': 'replicas: 2\n' }, message: 'm\n' }), author);
    expect(await git(dir, 'show', 'deploy:d.yaml')).toBe('replicas: 2\n');
    expect(fs.readFileSync(join(dir, 'd.yaml'), 'utf8')).toBe('replicas: 1\n');
  });

  it('names a directory that is not a repository', async () => {
    const ws = openLocal({ repository: 'nope', dir: '/nonexistent/gitscale', branch: 'main', fs, clock });
    const err = await ws.sync().catch((e) => e);
    expect(err.code).toBe('GIT_NOT_A_REPOSITORY');
    expect(err.message).toContain("repository 'nope'");
  });
});

describe('local workspace: a bare repository', () => {
  it('says it is bare and what works instead (a working tree, or its http(s) URL)', async () => {
    const src = await makeLocalRepo({ 'd.yaml': 'replicas: 1\n' });
    const bare = `${src}-bare.git`;
    try {
      await git(src, 'clone', '-q', '--bare', src, bare);
      const err = await openLocal({ repository: 'apps', dir: bare, branch: 'main', fs, clock })
        .sync()
        .catch((e) => e);
      expect(err).toBeInstanceOf(GitError);
      expect(err.code).toBe('GIT_BARE_REPOSITORY');
      expect(err.message).toBe(
        `repository 'apps': ${bare} is a bare Git repository; a local url must be a working tree (a directory with .git). Clone it (git clone ${bare} <dir>) and use that directory, or serve the bare repository over http(s) and use its http:// or https:// URL`,
      );
    } finally {
      await Promise.all([src, bare].map((d) => fs.promises.rm(d, { recursive: true, force: true })));
    }
  });
});

describe('local workspace: concurrency with git itself', () => {
  it("respects git's ref lock: a held refs/heads/<b>.lock fails with GIT_REF_LOCKED and moves nothing", async () => {
    const dir = await makeLocalRepo({ 'd.yaml': 'replicas: 1\n' });
    const before = (await git(dir, 'rev-parse', 'main')).trim();
    fs.writeFileSync(join(dir, '.git', 'refs', 'heads', 'main.lock'), 'held by another git\n');
    const ws = openLocal({ repository: 'l', dir, branch: 'main', fs, clock });
    const err = await ws
      .write(async (read) => ({ files: { 'd.yaml': (await read('d.yaml'))!.replace('1', '2') }, message: 'm\n' }), author)
      .catch((e) => e);
    expect(err.code).toBe('GIT_REF_LOCKED');
    fs.rmSync(join(dir, '.git', 'refs', 'heads', 'main.lock'));
    expect((await git(dir, 'rev-parse', 'main')).trim()).toBe(before);
    expect(fs.readFileSync(join(dir, 'd.yaml'), 'utf8')).toBe('replicas: 1\n');
  });

  it('builds again on the new head when a person commits between read and ref update', async () => {
    const dir = await makeLocalRepo({ 'd.yaml': 'replicas: 1\n', 'n.md': 'a\n' });
    const ws = openLocal({ repository: 'l', dir, branch: 'main', fs, clock });
    const res = await ws.write(async (read, attempt) => {
      if (attempt === 1) {
        fs.writeFileSync(join(dir, 'n.md'), 'b\n');
        await git(dir, 'commit', '-qam', 'person');
      }
      return { files: { 'd.yaml': (await read('d.yaml'))!.replace('1', '2') }, message: 'scale\n' };
    }, author);
    expect(res?.attempts).toBe(2);
    expect(await log(dir)).toEqual(['scale', 'person', 'initial']);
    expect((await git(dir, 'status', '--porcelain')).trim()).toBe('');
  });

  it('names its temp files (the working-tree file, the objects) with the process id it is given, so two processes never share one', async () => {
    const dir = await makeLocalRepo({ 'd.yaml': 'replicas: 1\n' });
    const written: string[] = [];
    const recorded = {
      ...fs,
      writeFileSync: ((p, ...a) => (written.push(String(p)), fs.writeFileSync(p, ...a))) as typeof fs.writeFileSync,
      promises: {
        ...fs.promises,
        writeFile: ((p, ...a) => (written.push(String(p)), fs.promises.writeFile(p, ...a))) as typeof fs.promises.writeFile,
      },
    };
    const ws = openLocal({ repository: 'l', dir, branch: 'main', fs: recorded, clock, pid: 4242 });
    await ws.write(async () => ({ files: { 'd.yaml': 'replicas: 2\n' }, message: 'scale\n' }), author);
    const temps = written.map((p) => p.slice(dir.length + 1)).filter((p) => /tmp/.test(p));
    expect(temps).toContain('d.yaml.gitscale-4242.tmp');
    expect(temps.filter((p) => p.startsWith('.git/objects/')).length).toBeGreaterThan(0);
    expect(temps.every((p) => p.includes('4242'))).toBe(true);
    expect(fs.readFileSync(join(dir, 'd.yaml'), 'utf8')).toBe('replicas: 2\n');
  });
});
