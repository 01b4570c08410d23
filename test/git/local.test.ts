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
    const err = await ws.write(async (read) => ({ files: { 'd.yaml': (await read('d.yaml'))!.replace('1', '2') }, message: 'm\n' }), author).catch((e) => e);
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
