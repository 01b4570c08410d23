// History reading: the first-parent walk back to a cutoff, on a local repository read in place and
// on remotes fetched shallow from the real git http-backend (deepen-since, filters, deepen by count).
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { firstParents, localHistory, remoteHistory, type HistoryCommit, type HistorySource } from '../../src/git/history.js';
import { GitError } from '../../src/errors.js';
import { tempDir } from '../support/temp.js';

const run = promisify(execFile);
const servers = inject('servers');
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 1, 0, 0, 0);

/** Native git with author and committer dates at `at` (ms). */
async function gitAt(cwd: string, at: number, ...args: string[]): Promise<string> {
  const date = `@${Math.floor(at / 1000)} +0000`;
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'Human',
    GIT_AUTHOR_EMAIL: 'h@example.com',
    GIT_COMMITTER_NAME: 'Human',
    GIT_COMMITTER_EMAIL: 'h@example.com',
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
  };
  return (await run('git', args, { cwd, env })).stdout.trim();
}

/**
 * main: c0 … c5 one an hour from T0, side branched at c3 (s1 at 3.5 h, s2 at 4.5 h), merged at 6 h
 * with --no-ff (m6), then c7 at 7 h. Returns commit ids by name.
 */
async function buildRepo(): Promise<{ dir: string; oid: Record<string, string> }> {
  const dir = await tempDir('hist');
  const oid: Record<string, string> = {};
  await gitAt(dir, T0, 'init', '-q', '-b', 'main');
  const commit = async (name: string, at: number) => {
    fs.writeFileSync(join(dir, `${name}.txt`), name);
    await gitAt(dir, at, 'add', '-A');
    await gitAt(dir, at, 'commit', '-q', '-m', `${name}\n\nbody of ${name}`);
    oid[name] = await gitAt(dir, at, 'rev-parse', 'HEAD');
  };
  for (let i = 0; i <= 3; i++) await commit(`c${i}`, T0 + i * HOUR);
  await gitAt(dir, T0, 'checkout', '-q', '-b', 'side');
  await commit('s1', T0 + 3.5 * HOUR);
  await commit('s2', T0 + 4.5 * HOUR);
  await gitAt(dir, T0, 'checkout', '-q', 'main');
  for (let i = 4; i <= 5; i++) await commit(`c${i}`, T0 + i * HOUR);
  await gitAt(dir, T0 + 6 * HOUR, 'merge', '-q', '--no-ff', '-m', 'Merge branch side', 'side');
  oid.m6 = await gitAt(dir, T0, 'rev-parse', 'HEAD');
  await commit('c7', T0 + 7 * HOUR);
  return { dir, oid };
}

async function walk(src: HistorySource, sinceMs: number): Promise<string[]> {
  const out: string[] = [];
  for await (const c of firstParents(src.read, src.head, sinceMs)) out.push(c.oid);
  return out;
}

let repo: { dir: string; oid: Record<string, string> };
const names = (oids: string[]) => oids.map((o) => Object.entries(repo.oid).find(([, v]) => v === o)?.[0] ?? o);

/** The repository served by git http-backend; `filter` allows `filter tree:0` there. */
async function serve(filter = false): Promise<string> {
  const name = `hist-${Math.random().toString(36).slice(2, 10)}.git`;
  await run('git', ['clone', '-q', '--bare', repo.dir, join(servers.GIT_ROOT, name)]);
  if (filter) await run('git', ['config', 'uploadpack.allowFilter', 'true'], { cwd: join(servers.GIT_ROOT, name) });
  return `${servers.GIT_HTTP_URL}/${name}`;
}

beforeAll(async () => {
  repo = await buildRepo();
});

const cutoffs = [
  {
    name: 'before the first commit: the whole first-parent line',
    since: T0 - HOUR,
    want: ['c7', 'm6', 'c5', 'c4', 'c3', 'c2', 'c1', 'c0'],
  },
  { name: 'exactly at a commit time: that commit is kept', since: T0 + 4 * HOUR, want: ['c7', 'm6', 'c5', 'c4'] },
  {
    name: 'within the second of a commit: that commit is kept (git times are whole seconds)',
    since: T0 + 3 * HOUR + 500,
    want: ['c7', 'm6', 'c5', 'c4', 'c3'],
  },
  { name: 'one second after a commit: it is left out', since: T0 + 3 * HOUR + 1000, want: ['c7', 'm6', 'c5', 'c4'] },
  {
    name: 'the merged branch started before the cutoff (deepen-since alone stops at the merge)',
    since: T0 + 5 * HOUR,
    want: ['c7', 'm6', 'c5'],
  },
  { name: 'after the merge: the merge is out', since: T0 + 6 * HOUR + 1000, want: ['c7'] },
  { name: 'after the head: nothing', since: T0 + 8 * HOUR, want: [] },
];

describe('firstParents on a local repository (read in place)', () => {
  it.each(cutoffs)('$name', async ({ since, want }) => {
    const src = await localHistory({ repository: 'r', dir: repo.dir, branch: 'main', fs });
    expect(names(await walk(src, since))).toEqual(want);
  });

  it("lists a merge but none of its second parent's commits, and gives time, message and parents", async () => {
    const src = await localHistory({ repository: 'r', dir: repo.dir, branch: 'main', fs });
    const all: HistoryCommit[] = [];
    for await (const c of firstParents(src.read, src.head, 0)) all.push(c);
    expect(all.map((c) => c.oid)).not.toContain(repo.oid.s1);
    expect(all.map((c) => c.oid)).not.toContain(repo.oid.s2);
    expect(all[1]).toEqual({ oid: repo.oid.m6, time: T0 + 6 * HOUR, message: 'Merge branch side\n', parents: [repo.oid.c5, repo.oid.s2] });
    expect(all[0]).toMatchObject({ oid: repo.oid.c7, message: 'c7\n\nbody of c7\n', parents: [repo.oid.m6] });
    // The merged branch's tip is still readable by id (the route of a merged pull request needs it).
    expect((await src.read(repo.oid.s2))?.message).toBe('s2\n\nbody of s2\n');
  });

  it('writes nothing to the repository it reads', async () => {
    const snapshot = () => run('bash', ['-c', 'find .git -printf "%p %s %T@\\n" | sort'], { cwd: repo.dir }).then((r) => r.stdout);
    const before = await snapshot();
    const src = await localHistory({ repository: 'r', dir: repo.dir, branch: 'main', fs });
    expect(await walk(src, 0)).toHaveLength(8);
    expect(await snapshot()).toBe(before);
  });

  it.each([
    { name: 'a directory without .git', dir: () => tempDir('not-a-repo'), branch: 'main', wantCode: 'GIT_NOT_A_REPOSITORY' },
    { name: 'a branch that does not exist', dir: async () => repo.dir, branch: 'nope', wantCode: 'GIT_BRANCH_NOT_FOUND' },
    {
      name: 'a bare repository',
      dir: async () => {
        const d = await tempDir('bare');
        await run('git', ['init', '-q', '--bare', d]);
        return d;
      },
      branch: 'main',
      wantCode: 'GIT_BARE_REPOSITORY',
    },
  ])('$name is $wantCode', async ({ dir, branch, wantCode }) => {
    const err = await localHistory({ repository: 'r', dir: await dir(), branch, fs }).catch((e) => e);
    expect(err).toBeInstanceOf(GitError);
    expect(err.code).toBe(wantCode);
    expect(err.message).toContain("repository 'r'");
  });
});

describe('remoteHistory against git http-backend', () => {
  let url: string;
  let filtered: string;
  beforeAll(async () => {
    [url, filtered] = await Promise.all([serve(false), serve(true)]);
  });

  it.each(cutoffs)('deepen-since, $name', async ({ since, want }) => {
    const src = await remoteHistory({ repository: 'r', url, branch: 'main', sinceMs: since });
    expect(names(await walk(src, since))).toEqual(want);
  });

  it.each(cutoffs)('with filter tree:0 allowed, $name', async ({ since, want }) => {
    const src = await remoteHistory({ repository: 'r', url: filtered, branch: 'main', sinceMs: since });
    expect(names(await walk(src, since))).toEqual(want);
  });

  it('fetches only as deep as the cutoff: older commits are not held', async () => {
    const src = await remoteHistory({ repository: 'r', url, branch: 'main', sinceMs: T0 + 4 * HOUR });
    expect(await src.read(repo.oid.c4)).not.toBeNull();
    expect(await src.read(repo.oid.c3)).toBeNull();
    expect(await src.read(repo.oid.c0)).toBeNull();
    // The side branch's tip is newer than the cutoff, so the pack carried it.
    expect((await src.read(repo.oid.s2))?.parents).toEqual([repo.oid.s1]);
  });

  it.each([
    { name: 'deepen by count, the cutoff inside the first round', since: T0 + 4 * HOUR, want: ['c7', 'm6', 'c5', 'c4'] },
    { name: 'deepen by count to the root', since: 0, want: ['c7', 'm6', 'c5', 'c4', 'c3', 'c2', 'c1', 'c0'] },
  ])('$name', async ({ since, want }) => {
    const src = await remoteHistory({ repository: 'r', url, branch: 'main', sinceMs: since, deepen: 'depth' });
    expect(names(await walk(src, since))).toEqual(want);
  });

  it('deepens by count in rounds until the cutoff is reached (200 commits, first round 64)', async () => {
    const dir = await tempDir('hist-long');
    await gitAt(dir, T0, 'init', '-q', '-b', 'main');
    for (let i = 0; i < 200; i++) await gitAt(dir, T0 + i * 60_000, 'commit', '-q', '--allow-empty', '-m', `n${i}`);
    const name = `long-${Math.random().toString(36).slice(2, 10)}.git`;
    await run('git', ['clone', '-q', '--bare', dir, join(servers.GIT_ROOT, name)]);
    const since = T0 + 20 * 60_000;
    const src = await remoteHistory({
      repository: 'r',
      url: `${servers.GIT_HTTP_URL}/${name}`,
      branch: 'main',
      sinceMs: since,
      deepen: 'depth',
    });
    const got: string[] = [];
    for await (const c of firstParents(src.read, src.head, since)) got.push(c.message.trim());
    expect(got).toHaveLength(180);
    expect(got.at(-1)).toBe('n20');
  });

  it.each([
    { name: 'a missing branch', opts: () => ({ url, branch: 'nope' }), wantCode: 'GIT_BRANCH_NOT_FOUND' },
    {
      name: 'a repository that is not there',
      opts: () => ({ url: `${servers.GIT_HTTP_URL}/nothing-here.git`, branch: 'main' }),
      wantCode: 'GIT_UNREACHABLE',
    },
    {
      name: 'a private repository without its token',
      opts: () => ({ url: `${servers.GIT_HTTP_URL}/private/x.git`, branch: 'main' }),
      wantCode: 'GIT_AUTH',
    },
    {
      name: 'a private repository with a wrong token',
      opts: () => ({ url: `${servers.GIT_HTTP_URL}/private/x.git`, branch: 'main', token: 'wrong-token' }),
      wantCode: 'GIT_AUTH',
    },
  ])('$name is $wantCode', async ({ opts, wantCode }) => {
    const err = await remoteHistory({ repository: 'r', sinceMs: 0, ...opts() }).catch((e) => e);
    expect(err).toBeInstanceOf(GitError);
    expect(err.code).toBe(wantCode);
    expect(err.message).toContain("repository 'r'");
    expect(err.message).not.toContain('wrong-token');
  });

  it('reads a private repository with its token (asked from a provider)', async () => {
    const name = `private/hist-${Math.random().toString(36).slice(2, 10)}.git`;
    await run('git', ['clone', '-q', '--bare', repo.dir, join(servers.GIT_ROOT, name)]);
    let asked = 0;
    const src = await remoteHistory({
      repository: 'p',
      url: `${servers.GIT_HTTP_URL}/${name}`,
      branch: 'main',
      sinceMs: T0 + 5 * HOUR,
      token: async () => (asked++, servers.GIT_TOKEN),
    });
    expect(names(await walk(src, T0 + 5 * HOUR))).toEqual(['c7', 'm6', 'c5']);
    expect(asked).toBe(1);
  });
});

describe('remoteHistory against a server that misbehaves', () => {
  /** A real HTTP server on loopback: `hang` accepts and never answers; `flood` answers with `bytes` of pkt-lines. */
  async function misbehaving(kind: 'hang' | 'flood', bytes = 0): Promise<{ url: string; close: () => Promise<void> }> {
    const { createServer } = await import('node:http');
    const server = createServer((_req, res) => {
      if (kind === 'hang') return;
      res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-advertisement' });
      res.end(Buffer.alloc(bytes, 0x30));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    return {
      url: `http://127.0.0.1:${port}/r.git`,
      close: () =>
        new Promise((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
    };
  }

  it.each([
    { name: 'a server that never answers', kind: 'hang' as const, bytes: 0, want: /no whole answer within 300 ms/ },
    { name: 'an answer larger than the cap', kind: 'flood' as const, bytes: 64 * 1024, want: /larger than 4096 bytes/ },
  ])('$name: a clear GIT_UNREACHABLE error, not a hang', async ({ kind, bytes, want }) => {
    const s = await misbehaving(kind, bytes);
    try {
      const err = await remoteHistory({
        repository: 'r',
        url: s.url,
        branch: 'main',
        sinceMs: 0,
        limits: { timeoutMs: 300, maxBytes: 4096 },
      }).catch((e) => e);
      expect(err).toBeInstanceOf(GitError);
      expect(err.code).toBe('GIT_UNREACHABLE');
      expect(err.message).toMatch(want);
      expect(err.message).toContain("repository 'r'");
    } finally {
      await s.close();
    }
  });
});
