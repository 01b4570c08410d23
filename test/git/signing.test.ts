// Signed commits, verified by native git: SSH signatures with `git verify-commit` and an
// allowed-signers file (git runs ssh-keygen -Y verify), OpenPGP signatures with `git verify-commit`
// and a keyring made by gpg. Direct commits, bot-branch commits and local checkouts; a commit that
// cannot be signed is never made or pushed.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signerFor } from '../../src/cli/credentials.js';
import type { RepositoryConfig, SigningConfig } from '../../src/config/types.js';
import { GitError } from '../../src/errors.js';
import { openLocal } from '../../src/git/local.js';
import { openRemote } from '../../src/git/remote.js';
import { git, log, makeLocalRepo, makeServedRepo } from '../support/git.js';
import { tempDir } from '../support/temp.js';

const servers = inject('servers');
const clock = { now: () => Date.UTC(2026, 11, 5, 12, 0, 0) };
const author = { name: 'gitscale', email: 'gitscale@localhost' };

const signer = (signing: SigningConfig, env: Record<string, string> = {}) => signerFor({ name: 'r', signing } as RepositoryConfig, env, fs);

async function remote(signing: SigningConfig, env: Record<string, string> = {}) {
  const { bare, url } = await makeServedRepo(servers, { 'a.yaml': 'replicas: 1\n' });
  const ws = openRemote({
    repository: 'r',
    url,
    branch: 'main',
    dir: join(await tempDir('sign-ws'), 'repo'),
    fs,
    clock,
    sleep: async () => {},
    signer: signer(signing, env),
  });
  return { bare, ws };
}

/** `git verify-commit` of `rev` in `repo` with an allowed-signers file for these public keys. */
async function verifySsh(repo: string, rev: string, publicKeys: string[]): Promise<string> {
  const allowed = join(await tempDir('allowed'), 'allowed_signers');
  writeFileSync(allowed, publicKeys.map((k) => `gitscale@localhost namespaces="git" ${readFileSync(k, 'utf8').trim()}\n`).join(''));
  return verify(repo, rev, {}, ['-c', 'gpg.format=ssh', '-c', `gpg.ssh.allowedSignersFile=${allowed}`]);
}

/** `git verify-commit`'s report (stderr) when it accepts the signature; throws with it otherwise. */
function verify(repo: string, rev: string, env: Record<string, string> = {}, extra: string[] = []): string {
  const r = spawnSync('git', [...extra, 'verify-commit', rev], { cwd: repo, env: { ...process.env, ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git verify-commit ${rev}: ${r.stderr}`);
  return r.stderr;
}

function verifyFails(repo: string, rev: string, env: Record<string, string> = {}): string {
  const r = spawnSync('git', ['verify-commit', rev], { cwd: repo, env: { ...process.env, ...env }, encoding: 'utf8' });
  if (r.status === 0) throw new Error(`git verify-commit ${rev} succeeded`);
  return r.stderr;
}

describe('SSH-signed commits, verified by git verify-commit', () => {
  it.each([
    ['ed25519', () => servers.SSH_KEY_ED25519],
    ['ECDSA', () => servers.SSH_KEY_ECDSA],
    ['RSA (PEM)', () => servers.SSH_KEY_RSA_PEM],
  ])('%s: a direct commit and a bot-branch commit', async (_, key) => {
    const { bare, ws } = await remote({ format: 'ssh', keyFile: key() });
    const res = await ws.write(async () => ({ files: { 'a.yaml': 'replicas: 2\n' }, message: 'scale a 1→2\n' }), author);
    const raw = await git(bare, 'cat-file', 'commit', res!.commit);
    expect(raw).toMatch(/^gpgsig -----BEGIN SSH SIGNATURE-----\n /m);
    expect(await verifySsh(bare, 'main', [`${key()}.pub`])).toMatch(/Good "git" signature for gitscale@localhost/);
    const pr = await ws.branches!.writeBranch(
      'gitscale/a',
      async () => ({ files: { 'a.yaml': 'replicas: 9\n' }, message: 'scale a to 9\n' }),
      author,
      null,
    );
    expect(await verifySsh(bare, pr!.commit, [`${key()}.pub`])).toMatch(/Good "git" signature/);
    // Another key's allowed-signers file does not accept it: the signature is bound to the key.
    const other = key() === servers.SSH_KEY_ED25519 ? servers.SSH_KEY_ECDSA : servers.SSH_KEY_ED25519;
    await expect(verifySsh(bare, 'main', [`${other}.pub`])).rejects.toThrow();
    await git(bare, 'fsck', '--strict');
  });

  it('a key with a passphrase (from the environment), in a local checkout too', async () => {
    const env = { SIGN_PASS: servers.SSH_KEY_PASSPHRASE };
    const signing: SigningConfig = { format: 'ssh', keyFile: servers.SSH_KEY_ENCRYPTED, passphraseFromEnv: 'SIGN_PASS' };
    const { bare, ws } = await remote(signing, env);
    await ws.write(async () => ({ files: { 'a.yaml': 'replicas: 3\n' }, message: 'three\n' }), author);
    expect(await verifySsh(bare, 'main', [`${servers.SSH_KEY_ENCRYPTED}.pub`])).toMatch(/Good "git" signature/);
    const dir = await makeLocalRepo({ 'a.yaml': 'replicas: 1\n' });
    const local = openLocal({ repository: 'l', dir, branch: 'main', fs, clock, signer: signer(signing, env) });
    await local.write(async () => ({ files: { 'a.yaml': 'replicas: 4\n' }, message: 'four\n' }), author);
    expect(await verifySsh(dir, 'main', [`${servers.SSH_KEY_ENCRYPTED}.pub`])).toMatch(/Good "git" signature/);
    expect(readFileSync(join(dir, 'a.yaml'), 'utf8')).toBe('replicas: 4\n');
  });

  it('a commit that cannot be signed is not pushed: wrong passphrase, unreadable key, unset variable', async () => {
    const cases: { signing: SigningConfig; env?: Record<string, string>; says: RegExp }[] = [
      {
        signing: { format: 'ssh', keyFile: servers.SSH_KEY_ENCRYPTED, passphraseFromEnv: 'P' },
        env: { P: 'wrong' },
        says: /cannot be decrypted: the passphrase in environment variable P is wrong/,
      },
      {
        signing: { format: 'ssh', keyFile: servers.SSH_KEY_ENCRYPTED },
        says: /encrypted and no passphrase was given \(set signing\.passphraseFromEnv\)/,
      },
      { signing: { format: 'ssh', keyFile: '/nonexistent/key' }, says: /cannot read signing\.keyFile \/nonexistent\/key/ },
      {
        signing: { format: 'ssh', keyFromEnv: 'UNSET_SIGNING_KEY' },
        says: /signing\.keyFromEnv names UNSET_SIGNING_KEY, which is not set/,
      },
      { signing: { format: 'openpgp', keyFile: servers.SSH_KEY_ED25519 }, says: /is not an armored OpenPGP private key/ },
    ];
    for (const c of cases) {
      const { bare, ws } = await remote(c.signing, c.env);
      const err = await ws
        .write(async () => ({ files: { 'a.yaml': 'replicas: 5\n' }, message: 'five\n' }), author)
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(GitError);
      expect((err as GitError).code).toBe('GIT_SIGNING');
      expect((err as GitError).message).toMatch(c.says);
      expect((err as GitError).message).not.toContain(servers.SSH_KEY_PASSPHRASE);
      expect(await log(bare)).toEqual(['initial']);
    }
  });
});

describe('OpenPGP-signed commits, verified by git verify-commit with gpg', () => {
  let home: string;
  let armored: string;
  const passphrase = 'correct horse battery staple';
  const gpg = (...args: string[]) =>
    execFileSync('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', passphrase, ...args], {
      env: { ...process.env, GNUPGHOME: home },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });

  beforeAll(async () => {
    home = await tempDir('gpg');
    fs.chmodSync(home, 0o700);
    gpg('--quick-gen-key', 'gitscale <gitscale@localhost>', 'ed25519', 'sign', 'never');
    armored = gpg('--armor', '--export-secret-keys', 'gitscale@localhost');
  });
  afterAll(() => {
    execFileSync('gpgconf', ['--kill', 'gpg-agent'], { env: { ...process.env, GNUPGHOME: home } });
  });

  it('a direct commit signed with a passphrase-protected key from the environment verifies; a tampered one does not', async () => {
    expect(armored).toMatch(/^-----BEGIN PGP PRIVATE KEY BLOCK-----/);
    const { bare, ws } = await remote(
      { format: 'openpgp', keyFromEnv: 'PGP_KEY', passphraseFromEnv: 'PGP_PASS' },
      { PGP_KEY: armored, PGP_PASS: passphrase },
    );
    const res = await ws.write(async () => ({ files: { 'a.yaml': 'replicas: 6\n' }, message: 'six\n' }), author);
    const raw = await git(bare, 'cat-file', 'commit', res!.commit);
    expect(raw).toMatch(/^gpgsig -----BEGIN PGP SIGNATURE-----\n \n /m);
    expect(verify(bare, 'main', { GNUPGHOME: home })).toMatch(/Good signature from "gitscale <gitscale@localhost>"/);
    // A commit with the same signature over other content fails verification.
    const forged = raw.replace('six', 'sixty');
    const forgedId = execFileSync('git', ['hash-object', '-t', 'commit', '-w', '--stdin'], {
      cwd: bare,
      input: forged,
      encoding: 'utf8',
    }).trim();
    expect(verifyFails(bare, forgedId, { GNUPGHOME: home })).toMatch(/BAD signature/);
    const pr = await ws.branches!.writeBranch(
      'gitscale/a',
      async () => ({ files: { 'a.yaml': 'replicas: 7\n' }, message: 'seven\n' }),
      author,
      null,
    );
    expect(verify(bare, pr!.commit, { GNUPGHOME: home })).toMatch(/Good signature/);
  });

  it('a wrong passphrase is GIT_SIGNING and nothing is pushed', async () => {
    const { bare, ws } = await remote(
      { format: 'openpgp', keyFromEnv: 'PGP_KEY', passphraseFromEnv: 'PGP_PASS' },
      { PGP_KEY: armored, PGP_PASS: 'wrong' },
    );
    const err = await ws
      .write(async () => ({ files: { 'a.yaml': 'replicas: 8\n' }, message: 'eight\n' }), author)
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect((err as GitError).code).toBe('GIT_SIGNING');
    expect((err as GitError).message).toMatch(/cannot be decrypted: the passphrase in environment variable PGP_PASS is wrong/);
    expect(await log(bare)).toEqual(['initial']);
  });
});
