// Test repositories built at test time from { path: content } trees, with native git (async only:
// the git server may live in a process that must not be blocked). Working copies are temp dirs
// removed after the test file; bare repositories live under the git server's root.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { removeTempDir, tempDir } from './temp.js';

const run = promisify(execFile);
const ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Human',
  GIT_AUTHOR_EMAIL: 'human@example.com',
  GIT_COMMITTER_NAME: 'Human',
  GIT_COMMITTER_EMAIL: 'human@example.com',
};

/** Runs git in `cwd`; a failure says all git said (fsck reports missing objects and broken links on stdout). */
export async function git(cwd: string, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('git', args, { cwd, env: ENV, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (e) {
    const x = e as { code?: number | string; signal?: string | null; stdout?: string; stderr?: string };
    const said = [x.stdout, x.stderr].filter(Boolean).join('\n').split('\n').slice(0, 40).join('\n');
    throw new Error(`git ${args.join(' ')} in ${cwd} failed (exit ${x.code ?? '?'}${x.signal ? `, signal ${x.signal}` : ''}):\n${said}`, {
      cause: e,
    });
  }
}

export async function writeTree(dir: string, files: Record<string, string>): Promise<void> {
  for (const [p, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, p)), { recursive: true });
    await writeFile(join(dir, p), text);
  }
}

/** A working repository with one commit on `branch` holding `files` (removed after the test file). */
export async function makeLocalRepo(files: Record<string, string>, branch = 'main'): Promise<string> {
  const dir = await tempDir('local');
  await git(dir, 'init', '-q', '-b', branch);
  await git(dir, 'config', 'core.autocrlf', 'false');
  await writeTree(dir, files);
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-q', '-m', 'initial');
  return dir;
}

/** A bare repository under the git server's root; returns its path and its http URL. */
export async function makeServedRepo(
  servers: Record<string, string>,
  files: Record<string, string>,
  opts: { private?: boolean; branch?: string } = {},
): Promise<{ bare: string; url: string; name: string }> {
  const src = await makeLocalRepo(files, opts.branch ?? 'main');
  const name = `${opts.private ? 'private/' : ''}r-${Math.random().toString(36).slice(2, 10)}.git`;
  const bare = join(servers.GIT_ROOT, name);
  await git(tmpdir(), 'clone', '-q', '--bare', src, bare);
  await git(bare, 'config', 'http.receivepack', 'true');
  await removeTempDir(src);
  return { bare, url: `${servers.GIT_HTTP_URL}/${name}`, name };
}

/** A bare repository served by the test sshd: its ssh:// URL (user@127.0.0.1:port, absolute path). */
export async function makeSshRepo(
  servers: Record<string, string>,
  files: Record<string, string>,
  branch = 'main',
): Promise<{ bare: string; url: string }> {
  const src = await makeLocalRepo(files, branch);
  const bare = join(servers.SSH_ROOT, `r-${Math.random().toString(36).slice(2, 10)}.git`);
  await git(tmpdir(), 'clone', '-q', '--bare', src, bare);
  await removeTempDir(src);
  return { bare, url: `ssh://${servers.SSH_USER}@127.0.0.1:${servers.SSH_PORT}${bare}` };
}

/** A person's commit pushed straight to the bare repository: `files` written, `remove` deleted. */
export async function humanCommit(
  bare: string,
  files: Record<string, string>,
  message = 'human edit',
  branch = 'main',
  remove: string[] = [],
): Promise<string> {
  const dir = await tempDir('human');
  try {
    await git(tmpdir(), 'clone', '-q', '-b', branch, bare, dir);
    await writeTree(dir, files);
    if (remove.length) await git(dir, 'rm', '-q', ...remove);
    await git(dir, 'add', '-A');
    await git(dir, 'commit', '-q', '-m', message);
    await git(dir, 'push', '-q', 'origin', branch);
    return (await git(dir, 'rev-parse', 'HEAD')).trim();
  } finally {
    await removeTempDir(dir);
  }
}

export async function show(repo: string, rev: string, path: string): Promise<string> {
  return git(repo, 'show', `${rev}:${path}`);
}

export async function log(repo: string, rev = 'main'): Promise<string[]> {
  return (await git(repo, 'log', '--format=%s', rev)).trim().split('\n');
}
