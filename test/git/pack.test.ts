// Reading commits straight out of packfiles that native git wrote, deltified commits included.
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { GitError } from '../../src/errors.js';
import { commitsInPack } from '../../src/git/pack.js';
import { tempDir } from '../support/temp.js';

const run = promisify(execFile);
const env = { ...process.env, GIT_AUTHOR_NAME: 'A', GIT_AUTHOR_EMAIL: 'a@x', GIT_COMMITTER_NAME: 'A', GIT_COMMITTER_EMAIL: 'a@x' };
const git = async (cwd: string, ...args: string[]) => (await run('git', args, { cwd, env, maxBuffer: 1 << 26 })).stdout;
const body = Array.from(
  { length: 30 },
  (_, j) => `line ${j} of a long body that every commit repeats, so git stores commits as deltas`,
).join('\n');

let dir: string;
let pack: Buffer;
beforeAll(async () => {
  dir = await tempDir('pack');
  await git(dir, 'init', '-q', '-b', 'main');
  for (let i = 0; i < 40; i++) {
    await run('bash', ['-c', `echo ${i} > f${i % 3}.txt`], { cwd: dir });
    await git(dir, 'add', '-A');
    await git(dir, 'commit', '-q', '-m', `commit ${i}\n\n${body}\nitem ${i}`);
  }
  await git(dir, 'checkout', '-q', '-b', 'side', 'HEAD~5');
  await git(dir, 'commit', '-q', '--allow-empty', '-m', 'side');
  await git(dir, 'checkout', '-q', 'main');
  await git(dir, 'merge', '-q', '--no-ff', '-m', 'merge side', 'side');
  await git(dir, 'repack', '-adfq', '--window=50', '--depth=50');
  const packs = (await readdir(join(dir, '.git/objects/pack'))).filter((n) => n.endsWith('.pack'));
  pack = await readFile(join(dir, '.git/objects/pack', packs[0]));
});

describe('commitsInPack', () => {
  it('finds every commit, deltified ones too, with the ids, parents, times and messages git has', async () => {
    const verify = await git(
      dir,
      'verify-pack',
      '-v',
      ...(await readdir(join(dir, '.git/objects/pack'))).filter((n) => n.endsWith('.idx')).map((n) => `.git/objects/pack/${n}`),
    );
    const deltified = verify.split('\n').filter((l) => / commit /.test(l) && l.trim().split(/\s+/).length >= 7);
    expect(deltified.length, 'git stored some commits as deltas').toBeGreaterThan(10);
    const got = commitsInPack(pack);
    const log = (await git(dir, 'log', '--all', '--format=%H %ct %P'))
      .trim()
      .split('\n')
      .map((l) => l.split(' '));
    expect([...got.keys()].sort()).toEqual(log.map(([oid]) => oid).sort());
    for (const [oid, ct, ...parents] of log) {
      const c = got.get(oid)!;
      expect(c.timestamp).toBe(Number(ct));
      expect(c.parents).toEqual(parents);
      expect(c.message).toBe(await git(dir, 'cat-file', 'commit', oid).then((t) => t.slice(t.indexOf('\n\n') + 2)));
    }
  });

  it.each([
    { name: 'not a pack', input: () => Buffer.from('hello, this is certainly not a packfile at all'), want: /not a packfile/ },
    {
      name: 'one flipped byte inside',
      input: () => {
        const b = Buffer.from(pack);
        b[100] ^= 0xff;
        return b;
      },
      want: /checksum does not match/,
    },
    { name: 'cut short', input: () => pack.subarray(0, pack.length - 40), want: /checksum|ends inside/ },
  ])('$name is GIT_BAD_PACK', ({ input, want }) => {
    let err: unknown;
    try {
      commitsInPack(input());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GitError);
    expect((err as GitError).code).toBe('GIT_BAD_PACK');
    expect((err as GitError).message).toMatch(want);
  });
});
