// gitscale's own object store against native git: packs git wrote (deltas 50 deep) read object by
// object as git cat-file reads them, an index built for them byte-identical to git's own, trees
// and commits built in memory with the ids git computes for the same content, and packs and loose
// objects gitscale writes accepted by git fsck --strict.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { GitError } from '../../src/errors.js';
import { hashObject, parseTree } from '../../src/git/objects.js';
import { buildIndex, buildPack, indexPack } from '../../src/git/pack-format.js';
import { openStore } from '../../src/git/store.js';
import { buildCommit, listAt, readAt, treeIdAt } from '../../src/git/tree.js';
import { tempDir } from '../support/temp.js';

const run = promisify(execFile);
const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 'A',
  GIT_AUTHOR_EMAIL: 'a@x',
  GIT_COMMITTER_NAME: 'A',
  GIT_COMMITTER_EMAIL: 'a@x',
  GIT_AUTHOR_DATE: '1700000000 +0000',
  GIT_COMMITTER_DATE: '1700000000 +0000',
};
const git = async (cwd: string, ...args: string[]) =>
  (await run('git', args, { cwd, env, maxBuffer: 1 << 26, encoding: 'buffer' })).stdout as unknown as Buffer;
const text = async (cwd: string, ...args: string[]) => (await git(cwd, ...args)).toString('utf8').trim();
const manifest = (i: number, r: number) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-${i}\n${'  # padding so git deltifies versions of this file\n'.repeat(20)}spec:\n  replicas: ${r}\n`;

let dir: string;
let gitdir: string;
let packFile: string;
beforeAll(async () => {
  dir = await tempDir('store');
  gitdir = join(dir, '.git');
  await git(dir, 'init', '-q', '-b', 'main');
  await mkdir(join(dir, 'apps', 'deep', 'er'), { recursive: true });
  for (let c = 0; c < 30; c++) {
    for (let i = 0; i < 12; i++) await writeFile(join(dir, 'apps', `app-${i}.yaml`), manifest(i, c + i));
    await writeFile(join(dir, 'apps', 'deep', 'er', 'x.yaml'), `x: ${c}\n`);
    await writeFile(join(dir, 'exec.sh'), `#!/bin/sh\necho ${c}\n`);
    await fs.promises.chmod(join(dir, 'exec.sh'), 0o755);
    await git(dir, 'add', '-A');
    await git(dir, 'commit', '-q', '-m', `round ${c}`);
  }
  await git(dir, 'repack', '-adfq', '--window=50', '--depth=50');
  packFile = join(
    gitdir,
    'objects',
    'pack',
    (await readdir(join(gitdir, 'objects', 'pack'))).find((n) => n.endsWith('.pack'))!,
  );
});

/** A fresh clone of the test repository and a store over it. */
async function cloneWithStore(what: string) {
  const work = await tempDir(what);
  await git(work, 'clone', '-q', dir, 'c');
  const clone = join(work, 'c');
  return { work, clone, store: openStore(fs, join(clone, '.git')) };
}

async function allObjects(): Promise<{ oid: string; type: string }[]> {
  const out = await text(dir, 'cat-file', '--batch-all-objects', '--batch-check=%(objectname) %(objecttype)');
  return out.split('\n').map((l) => ({ oid: l.split(' ')[0], type: l.split(' ')[1] }));
}

describe('object store', () => {
  it('reads every object of a pack git deltified 50 deep exactly as git cat-file does', async () => {
    const verify = (await text(dir, 'verify-pack', '-v', packFile.replace(/\.pack$/, '.idx'))).split('\n');
    expect(verify.filter((l) => l.trim().split(/\s+/).length >= 7).length, 'git stored some objects as deltas').toBeGreaterThan(50);
    const store = openStore(fs, gitdir);
    const objects = await allObjects();
    for (const { oid, type } of objects) {
      const o = store.read(oid)!;
      expect(o.type).toBe(type);
      expect(o.body.equals(await git(dir, 'cat-file', type, oid))).toBe(true);
    }
    store.close();
  });

  it('indexes a pack with the ids, offsets and CRCs git index-pack finds: the same .idx bytes', async () => {
    const pack = await readFile(packFile);
    const index = indexPack(pack);
    expect(index.count).toBe((await allObjects()).length);
    expect(buildIndex(index).equals(await readFile(packFile.replace(/\.pack$/, '.idx')))).toBe(true);
  });

  it('refuses a pack whose bytes were damaged in transfer', async () => {
    const pack = Buffer.from(await readFile(packFile));
    pack[100] ^= 0xff;
    expect(() => indexPack(pack)).toThrow(GitError);
    expect(() => indexPack(pack)).toThrow(/checksum/);
  });

  it('reads files, lists directories and gives tree ids at a commit as git does', async () => {
    const store = openStore(fs, gitdir);
    const head = await text(dir, 'rev-parse', 'HEAD');
    const old = await text(dir, 'rev-parse', 'HEAD~7');
    expect(readAt(store, head, 'apps/app-3.yaml')).toBe((await git(dir, 'show', 'HEAD:apps/app-3.yaml')).toString());
    expect(readAt(store, old, 'apps/app-3.yaml')).toBe((await git(dir, 'show', 'HEAD~7:apps/app-3.yaml')).toString());
    expect(readAt(store, head, 'apps/missing.yaml')).toBeNull();
    expect(readAt(store, head, 'apps/deep')).toBeNull();
    expect(readAt(store, head, 'exec.sh/x')).toBeNull();
    expect(listAt(store, head, 'apps').sort()).toEqual(
      (await text(dir, 'ls-tree', '-r', '--name-only', 'HEAD', 'apps')).split('\n').sort(),
    );
    expect(listAt(store, head, 'nope')).toEqual([]);
    expect(treeIdAt(store, head, 'apps/deep')).toBe(await text(dir, 'rev-parse', 'HEAD:apps/deep'));
    expect(treeIdAt(store, head, '')).toBe(await text(dir, 'rev-parse', 'HEAD^{tree}'));
    expect(treeIdAt(store, head, 'exec.sh')).toBeNull();
    store.close();
  });

  it('builds the trees and commit git builds for the same change (replace, add in a new directory, keep modes), and git fsck accepts the pack', async () => {
    const { work, clone, store } = await cloneWithStore('store-build');
    const head = await text(clone, 'rev-parse', 'HEAD');
    const files = {
      'apps/app-0.yaml': manifest(0, 99),
      'apps/new/dir/a.yaml': 'a: 1\n',
      'exec.sh': '#!/bin/sh\necho changed\n',
      'top.yaml': 't: 1\n',
    };
    const { commit, created } = buildCommit(
      store,
      head,
      files,
      'scale app-0 → 99\n\nwhy: a test',
      { name: 'gitscale', email: 'g@x' },
      1_700_000_500_000,
    );
    // Native git, same edit, same author and time.
    for (const [p, t] of Object.entries(files)) {
      await mkdir(join(clone, p, '..'), { recursive: true });
      await writeFile(join(clone, p), t);
    }
    await git(clone, 'add', '-A');
    const e = {
      ...env,
      GIT_AUTHOR_NAME: 'gitscale',
      GIT_AUTHOR_EMAIL: 'g@x',
      GIT_COMMITTER_NAME: 'gitscale',
      GIT_COMMITTER_EMAIL: 'g@x',
      GIT_AUTHOR_DATE: '1700000500 +0000',
      GIT_COMMITTER_DATE: '1700000500 +0000',
    };
    const tree = (await run('git', ['write-tree'], { cwd: clone, env: e })).stdout.trim();
    const native = (
      await run('git', ['commit-tree', tree, '-p', head, '-m', 'scale app-0 → 99\n\nwhy: a test'], { cwd: clone, env: e })
    ).stdout.trim();
    expect(commit).toBe(native);
    // Only the new blobs, the trees along the changed paths (root, apps, apps/new, apps/new/dir) and the commit.
    expect(created.map((c) => c.object.type).sort()).toEqual(['blob', 'blob', 'blob', 'blob', 'commit', 'tree', 'tree', 'tree', 'tree']);
    expect(parseTree('x', created.find((c) => c.oid === tree)!.object.body).find((t) => t.name === 'exec.sh')!.mode).toBe('100755');
    // Written as a pack into a fresh repository that has the parent: git reads it and finds it sound.
    const bare = join(work, 'bare.git');
    await git(work, 'clone', '-q', '--bare', dir, bare);
    const target = openStore(fs, bare);
    const built = buildPack(created);
    // The index data made while writing the pack is the one read back from it.
    expect(buildIndex(built.index).equals(buildIndex(indexPack(built.pack)))).toBe(true);
    target.addPack(built.pack);
    await git(bare, 'update-ref', 'refs/heads/main', commit);
    await git(bare, 'fsck', '--strict', '--no-dangling');
    expect(await text(bare, 'show', 'main:apps/new/dir/a.yaml')).toBe('a: 1');
    expect(readAt(target, commit, 'apps/app-0.yaml')).toBe(manifest(0, 99));
    target.close();
    store.close();
  });

  it('writes loose objects git reads, and a file that becomes a directory', async () => {
    const { clone, store } = await cloneWithStore('store-loose');
    const head = await text(clone, 'rev-parse', 'HEAD');
    const { commit, created } = buildCommit(
      store,
      head,
      { 'exec.sh/inner.yaml': 'i: 1\n' },
      'file to dir',
      { name: 'g', email: 'g@x' },
      1_700_000_000_000,
    );
    store.writeLoose(created);
    await git(clone, 'update-ref', 'refs/heads/main', commit);
    await git(clone, 'fsck', '--strict', '--no-dangling');
    expect(await text(clone, 'ls-tree', '--name-only', 'main')).toBe('apps\nexec.sh');
    expect(await text(clone, 'show', 'main:exec.sh/inner.yaml')).toBe('i: 1');
    expect(hashObject('blob', Buffer.from('i: 1\n'))).toBe(await text(clone, 'rev-parse', 'main:exec.sh/inner.yaml'));
    store.close();
  });

  it('finds objects that arrive after it was opened (a fetch, a git gc)', async () => {
    const { clone, store } = await cloneWithStore('store-later');
    expect(store.read(await text(clone, 'rev-parse', 'HEAD'))?.type).toBe('commit');
    await writeFile(join(clone, 'later.yaml'), 'later: 1\n');
    await git(clone, 'add', '-A');
    await git(clone, 'commit', '-q', '-m', 'later');
    const later = await text(clone, 'rev-parse', 'HEAD');
    expect(readAt(store, later, 'later.yaml')).toBe('later: 1\n');
    await git(clone, 'gc', '-q', '--prune=now');
    expect(readAt(store, later, 'apps/app-1.yaml')).toBe(manifest(1, 30));
    expect(store.read('0'.repeat(40))).toBeNull();
    store.close();
  });
});
