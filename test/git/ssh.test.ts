// The remote workspace over SSH, against Debian's OpenSSH sshd serving bare repositories (started
// by the test environment): sync, commit and push, a human's concurrent push, bot branches,
// history, every key type, passphrases, and every way the host key or the client key is wrong.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { sshOptions } from '../../src/cli/credentials.js';
import type { RepositoryAuth, RepositoryConfig } from '../../src/config/types.js';
import { GitError } from '../../src/errors.js';
import { remoteHistory } from '../../src/git/history.js';
import { openRemote } from '../../src/git/remote.js';
import { git, humanCommit, log, makeSshRepo, show } from '../support/git.js';
import { tempDir } from '../support/temp.js';

const servers = inject('servers');
const clock = { now: () => Date.UTC(2026, 11, 5, 12, 0, 0) };
const noSleep = async () => {};
const author = { name: 'gitscale', email: 'gitscale@localhost' };
const defaultAuth: RepositoryAuth = { sshKeyFile: servers.SSH_KEY_ED25519, knownHostsFile: servers.SSH_KNOWN_HOSTS };

function repoConfig(url: string, auth: RepositoryAuth = defaultAuth): RepositoryConfig {
  return { name: 'r', url, kind: 'remote', branch: 'main', auth, author, review: {} };
}

async function workspace(url: string, auth: RepositoryAuth = defaultAuth, env: Record<string, string> = {}) {
  const dir = join(await tempDir('ssh-ws'), 'repo');
  const ssh = sshOptions(repoConfig(url, auth), env, fs)!;
  return { dir, ws: openRemote({ repository: 'r', url, branch: 'main', dir, fs, clock, sleep: noSleep, ssh }) };
}

async function failure(p: Promise<unknown>): Promise<GitError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(GitError);
  return e as GitError;
}

describe('remote workspace over SSH (OpenSSH sshd)', () => {
  it('clones, reads, commits only the changed blob and pushes; the workspace is a clean shallow clone without secrets', async () => {
    const { bare, url } = await makeSshRepo(servers, { 'apps/a/deploy.yaml': 'replicas: 1\n', 'apps/b/deploy.yaml': 'replicas: 2\n' });
    const { dir, ws } = await workspace(url);
    const head = await ws.sync();
    expect(head).toBe((await git(bare, 'rev-parse', 'main')).trim());
    expect(await ws.read('apps/a/deploy.yaml')).toBe('replicas: 1\n');
    expect(await ws.list('apps')).toEqual(['apps/a/deploy.yaml', 'apps/b/deploy.yaml']);
    const res = await ws.write(
      async (read) => ({
        files: { 'apps/a/deploy.yaml': (await read('apps/a/deploy.yaml'))!.replace('1', '4') },
        message: 'scale a 1→4\n',
      }),
      author,
    );
    expect(res?.attempts).toBe(1);
    expect(await show(bare, 'main', 'apps/a/deploy.yaml')).toBe('replicas: 4\n');
    expect((await git(bare, 'diff', '--name-only', 'main~1', 'main')).trim()).toBe('apps/a/deploy.yaml');
    await git(bare, 'fsck', '--strict');
    await git(join(dir, '.git'), 'fsck', '--strict');
    const config = readFileSync(join(dir, '.git', 'config'), 'utf8');
    expect(config).toContain(url);
    expect(config).not.toContain('PRIVATE KEY');
    // A second sync fetches only what moved: a human commit since.
    await humanCommit(bare, { 'apps/b/deploy.yaml': 'replicas: 7\n' }, 'human: b to 7');
    await ws.sync();
    expect(await ws.read('apps/b/deploy.yaml')).toBe('replicas: 7\n');
  });

  it("re-applies on the new head when a human's push lands between read and push; both survive, fast-forward only", async () => {
    const { bare, url } = await makeSshRepo(servers, { 'app/deploy.yaml': 'replicas: 1\n', 'other.yaml': 'x: 1\n' });
    const { ws } = await workspace(url);
    await ws.sync();
    const seen: string[] = [];
    const res = await ws.write(async (read, attempt) => {
      seen.push((await read('other.yaml'))!);
      if (attempt === 1) await humanCommit(bare, { 'other.yaml': 'x: 2\n' }, 'human: bump x');
      return { files: { 'app/deploy.yaml': 'replicas: 3\n' }, message: 'scale app 1→3\n' };
    }, author);
    expect(res?.attempts).toBe(2);
    expect(seen).toEqual(['x: 1\n', 'x: 2\n']);
    expect(await log(bare)).toEqual(['scale app 1→3', 'human: bump x', 'initial']);
    expect((await git(bare, 'rev-list', '--count', '--merges', 'main')).trim()).toBe('0');
  });

  it('works with ECDSA and PEM RSA keys, a hashed known_hosts, a pinned host key and a pinned fingerprint', async () => {
    const cases: RepositoryAuth[] = [
      { sshKeyFile: servers.SSH_KEY_ECDSA, knownHostsFile: servers.SSH_KNOWN_HOSTS },
      { sshKeyFile: servers.SSH_KEY_RSA_PEM, knownHostsFile: servers.SSH_KNOWN_HOSTS },
      { sshKeyFile: servers.SSH_KEY_ED25519, knownHostsFile: servers.SSH_KNOWN_HOSTS_HASHED },
      { sshKeyFile: servers.SSH_KEY_ED25519, sshHostKey: servers.SSH_HOST_KEY },
      { sshKeyFile: servers.SSH_KEY_ED25519, sshHostKey: servers.SSH_HOST_FINGERPRINT },
    ];
    expect(readFileSync(servers.SSH_KNOWN_HOSTS_HASHED, 'utf8')).toMatch(/^\|1\|/);
    for (const [i, auth] of cases.entries()) {
      const { bare, url } = await makeSshRepo(servers, { 'a.yaml': 'replicas: 1\n' });
      const { ws } = await workspace(url, auth);
      await ws.write(async () => ({ files: { 'a.yaml': `replicas: ${i + 2}\n` }, message: `case ${i}\n` }), author);
      expect(await show(bare, 'main', 'a.yaml')).toBe(`replicas: ${i + 2}\n`);
    }
  });

  it('a key from an environment variable, and one with a passphrase from another', async () => {
    const { bare, url } = await makeSshRepo(servers, { 'a.yaml': 'replicas: 1\n' });
    const env = { DEPLOY_KEY: readFileSync(servers.SSH_KEY_ED25519, 'utf8'), KEY_PASS: servers.SSH_KEY_PASSPHRASE };
    const { ws } = await workspace(url, { sshKeyFromEnv: 'DEPLOY_KEY', knownHostsFile: servers.SSH_KNOWN_HOSTS }, env);
    await ws.write(async () => ({ files: { 'a.yaml': 'replicas: 2\n' }, message: 'env key\n' }), author);
    const enc = await workspace(
      url,
      { sshKeyFile: servers.SSH_KEY_ENCRYPTED, sshKeyPassphraseFromEnv: 'KEY_PASS', knownHostsFile: servers.SSH_KNOWN_HOSTS },
      env,
    );
    await enc.ws.write(async () => ({ files: { 'a.yaml': 'replicas: 3\n' }, message: 'encrypted key\n' }), author);
    expect(await log(bare)).toEqual(['encrypted key', 'env key', 'initial']);
  });

  it('refuses what it cannot verify or use, with clear errors and nothing secret in them', async () => {
    const { url } = await makeSshRepo(servers, { 'a.yaml': 'replicas: 1\n' });
    const pass = servers.SSH_KEY_PASSPHRASE;
    const cases: { name: string; auth: RepositoryAuth; env?: Record<string, string>; code: string; says: RegExp }[] = [
      {
        name: 'a key the server does not know',
        auth: { sshKeyFile: servers.SSH_KEY_STRANGER, knownHostsFile: servers.SSH_KNOWN_HOSTS },
        code: 'GIT_AUTH',
        says: /refused the key in .*id_stranger/,
      },
      {
        name: 'a changed host key',
        auth: { sshKeyFile: servers.SSH_KEY_ED25519, knownHostsFile: servers.SSH_KNOWN_HOSTS_WRONG },
        code: 'GIT_HOST_KEY',
        says: /does not match .*known_hosts_wrong.*man-in-the-middle/,
      },
      {
        name: 'an unknown host',
        auth: { sshKeyFile: servers.SSH_KEY_ED25519, knownHostsFile: servers.SSH_KNOWN_HOSTS_OTHER_HOST },
        code: 'GIT_HOST_KEY',
        says: /is not in .*known_hosts_other.*SHA256:/,
      },
      {
        name: 'a pinned key of another server',
        auth: { sshKeyFile: servers.SSH_KEY_ED25519, sshHostKey: servers.SSH_OTHER_HOST_KEY },
        code: 'GIT_HOST_KEY',
        says: /does not match auth\.sshHostKey/,
      },
      {
        name: 'a missing known_hosts file',
        auth: { sshKeyFile: servers.SSH_KEY_ED25519, knownHostsFile: '/nonexistent/known_hosts' },
        code: 'GIT_HOST_KEY',
        says: /cannot read auth\.knownHostsFile \/nonexistent\/known_hosts/,
      },
      {
        name: 'an encrypted key without its passphrase',
        auth: { sshKeyFile: servers.SSH_KEY_ENCRYPTED, knownHostsFile: servers.SSH_KNOWN_HOSTS },
        code: 'GIT_SSH_KEY',
        says: /encrypted and no passphrase/,
      },
      {
        name: 'a wrong passphrase',
        auth: { sshKeyFile: servers.SSH_KEY_ENCRYPTED, sshKeyPassphraseFromEnv: 'P', knownHostsFile: servers.SSH_KNOWN_HOSTS },
        env: { P: `${pass}-wrong` },
        code: 'GIT_SSH_KEY',
        says: /cannot be decrypted: the passphrase in environment variable P is wrong/,
      },
      {
        name: 'a public key for a private one',
        auth: { sshKeyFile: `${servers.SSH_KEY_ED25519}.pub`, knownHostsFile: servers.SSH_KNOWN_HOSTS },
        code: 'GIT_SSH_KEY',
        says: /holds a public key/,
      },
      {
        name: 'a missing key file',
        auth: { sshKeyFile: '/nonexistent/id', knownHostsFile: servers.SSH_KNOWN_HOSTS },
        code: 'GIT_SSH_KEY',
        says: /cannot read auth\.sshKeyFile \/nonexistent\/id/,
      },
    ];
    const secrets = [
      pass,
      readFileSync(servers.SSH_KEY_ED25519, 'utf8').split('\n')[1],
      readFileSync(servers.SSH_KEY_ENCRYPTED, 'utf8').split('\n')[1],
    ];
    for (const c of cases) {
      const { ws, dir } = await workspace(url, c.auth, c.env);
      const err = await failure(ws.sync());
      expect({ name: c.name, code: err.code }).toEqual({ name: c.name, code: c.code });
      expect(err.message, c.name).toMatch(c.says);
      expect(err.message).toContain("repository 'r'");
      for (const s of secrets) expect(err.message).not.toContain(s);
      expect(
        fs.existsSync(join(dir, '.git', 'objects', 'pack')) && fs.readdirSync(join(dir, '.git', 'objects', 'pack')).length,
        c.name,
      ).toBeFalsy();
    }
  });

  it('a repository the server does not have is a clear error', async () => {
    const url = `ssh://${servers.SSH_USER}@127.0.0.1:${servers.SSH_PORT}${servers.SSH_ROOT}/missing.git`;
    const { ws } = await workspace(url);
    const err = await failure(ws.sync());
    expect(err.code).toBe('GIT_UNREACHABLE');
    expect(err.message).toMatch(/missing\.git/);
  });

  it('bot branches: write, read the head, list and delete over SSH', async () => {
    const { bare, url } = await makeSshRepo(servers, { 'a.yaml': 'replicas: 1\n' });
    const { ws } = await workspace(url);
    const res = await ws.branches!.writeBranch(
      'gitscale/a',
      async () => ({ files: { 'a.yaml': 'replicas: 9\n' }, message: 'scale a to 9\n' }),
      author,
      null,
    );
    expect(await show(bare, 'gitscale/a', 'a.yaml')).toBe('replicas: 9\n');
    expect(await ws.branches!.list('gitscale/')).toEqual(new Map([['gitscale/a', res!.commit]]));
    const head = await ws.branches!.branchHead('gitscale/a');
    expect(head).toEqual({ oid: res!.commit, authorEmail: author.email, committerEmail: author.email });
    await ws.branches!.deleteBranch('gitscale/a', res!.commit);
    expect(await ws.branches!.list('gitscale/')).toEqual(new Map());
    expect(await show(bare, 'main', 'a.yaml')).toBe('replicas: 1\n');
  });

  it('history over SSH', async () => {
    const { bare, url } = await makeSshRepo(servers, { 'a.yaml': 'replicas: 1\n' });
    await humanCommit(bare, { 'a.yaml': 'replicas: 2\n' }, 'second');
    const src = await remoteHistory({ repository: 'r', url, branch: 'main', sinceMs: 0, ssh: sshOptions(repoConfig(url), {}, fs) });
    const first = await src.read(src.head);
    expect(first?.message.trim()).toBe('second');
    expect((await src.read(first!.parents[0]))?.message.trim()).toBe('initial');
  });

  it('one SSH connection serves the operations of a tick (sync, push, branches)', async () => {
    const { url, bare } = await makeSshRepo(servers, { 'a.yaml': 'replicas: 1\n' });
    const r = await relay();
    try {
      const { ws } = await workspace(r.url(url), { sshKeyFile: servers.SSH_KEY_ED25519, knownHostsFile: await r.knownHosts() });
      await ws.sync();
      await ws.write(async () => ({ files: { 'a.yaml': 'replicas: 5\n' }, message: 'five\n' }), author);
      await ws.branches!.list('gitscale/');
      expect(await show(bare, 'main', 'a.yaml')).toBe('replicas: 5\n');
      expect(r.connections()).toBe(1);
    } finally {
      r.close();
    }
  });

  it('the server gone mid-push: a clear error, nothing half-written on either side, and the next write lands once', async () => {
    const { url, bare } = await makeSshRepo(servers, { 'a.yaml': 'replicas: 1\n' });
    const r = await relay();
    try {
      const { ws, dir } = await workspace(r.url(url), { sshKeyFile: servers.SSH_KEY_ED25519, knownHostsFile: await r.knownHosts() });
      await ws.sync();
      // A large incompressible file makes the push ~400 kB; the connection drops 100 kB into it.
      const big = randomBytes(300_000).toString('base64');
      r.cutAfter(100_000);
      const edit = async () => ({ files: { 'a.yaml': 'replicas: 2\n', 'big.txt': big }, message: 'two\n' });
      const err = await failure(ws.write(edit, author));
      expect(err.code).toBe('GIT_PUSH_FAILED');
      expect(err.message).toMatch(/SSH connection .* (closed|failed)/);
      expect(await log(bare)).toEqual(['initial']);
      await git(bare, 'fsck', '--strict');
      const res = await ws.write(edit, author);
      expect(res?.attempts).toBe(1);
      expect(await log(bare)).toEqual(['two', 'initial']);
      expect(await show(bare, 'main', 'big.txt')).toBe(big);
      await git(bare, 'fsck', '--strict');
      await git(join(dir, '.git'), 'fsck', '--strict');
      expect(r.connections()).toBe(2);
    } finally {
      r.close();
    }
  });
});

/**
 * A TCP relay in front of sshd: counts connections, and can drop the connection once the client
 * has sent a number of bytes more (the server gone mid-transfer).
 */
async function relay() {
  let connections = 0;
  let cut: number | undefined;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    connections++;
    const upstream = net.connect(Number(servers.SSH_PORT), '127.0.0.1');
    sockets.add(client).add(upstream);
    client.on('data', (d: Buffer) => {
      if (cut !== undefined && (cut -= d.length) <= 0) {
        cut = undefined;
        client.destroy();
        upstream.destroy();
        return;
      }
      upstream.write(d);
    });
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: (u: string) => u.replace(`:${servers.SSH_PORT}/`, `:${port}/`),
    /** known_hosts names the host with its port: the relay's port needs its own entry. */
    knownHosts: async () => {
      const file = join(await tempDir('ssh-kh'), 'known_hosts');
      fs.writeFileSync(file, readFileSync(servers.SSH_KNOWN_HOSTS, 'utf8').replaceAll(`]:${servers.SSH_PORT} `, `]:${port} `));
      return file;
    },
    connections: () => connections,
    cutAfter: (bytes: number) => {
      cut = bytes;
    },
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}
