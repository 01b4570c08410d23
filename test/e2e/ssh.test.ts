// gitscale itself (the built command) against an SSH remote served by OpenSSH's sshd: a deploy key
// with a passphrase from the environment, known_hosts from a file; the decision lands as a signed commit,
// the process exits on its own (the idle connection does not hold it), `history` reads it back,
// and no key or passphrase appears anywhere gitscale writes.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { gitscale } from '../support/bin.js';
import { newList } from '../support/cli.js';
import { deployment, redisList, scaledObject, writeConfig } from '../support/config.js';
import { git, log, makeSshRepo, show } from '../support/git.js';
import { tempDir } from '../support/temp.js';

const servers = inject('servers');
let redis: Redis;
beforeAll(() => {
  redis = new Redis(servers.REDIS_ADDRESS, { lazyConnect: false });
});
afterAll(async () => {
  await redis.quit();
});

describe('gitscale over SSH', () => {
  it('once commits the decision over SSH and exits; history reads it; nothing secret is written anywhere', async () => {
    const list = await newList(redis, 15);
    const { bare, url } = await makeSshRepo(servers, { 'apps/c.yaml': deployment('c', 0) });
    const key = fs.readFileSync(servers.SSH_KEY_ENCRYPTED, 'utf8');
    const env = { DEPLOY_KEY: key, DEPLOY_KEY_PASSPHRASE: servers.SSH_KEY_PASSPHRASE };
    const config = await writeConfig({
      repositories: [
        {
          name: 'manifests',
          url,
          auth: {
            sshKeyFromEnv: 'DEPLOY_KEY',
            sshKeyPassphraseFromEnv: 'DEPLOY_KEY_PASSPHRASE',
            knownHostsFile: servers.SSH_KNOWN_HOSTS_HASHED,
          },
          signing: { format: 'ssh', keyFile: servers.SSH_KEY_ECDSA },
        },
      ],
      scaledObjects: [scaledObject({ name: 'c', path: 'apps/c.yaml', triggers: [redisList(servers.REDIS_ADDRESS, list)] })],
    });
    const data = await tempDir('ssh-data');
    const r = await gitscale(['once', '--config', config, '--data-dir', data, '--log-format', 'json'], env);
    expect(r.stderr).not.toMatch(/"level":"(error|fatal)"/);
    expect(r.code).toBe(0);
    expect(await show(bare, 'main', 'apps/c.yaml')).toContain('replicas: 3');
    expect(await log(bare)).toEqual(['scale default/c 0→3 (redis: 15 items / 5)', 'initial']);
    // Signed with the signing key, as git verifies it.
    const allowed = join(await tempDir('allowed'), 'allowed_signers');
    fs.writeFileSync(allowed, `gitscale@localhost ${fs.readFileSync(`${servers.SSH_KEY_ECDSA}.pub`, 'utf8')}`);
    const verified = spawnSync('git', ['-c', 'gpg.format=ssh', '-c', `gpg.ssh.allowedSignersFile=${allowed}`, 'verify-commit', 'main'], {
      cwd: bare,
      encoding: 'utf8',
    });
    expect(verified.stderr).toMatch(/Good "git" signature for gitscale@localhost with ECDSA key/);
    expect(verified.status).toBe(0);
    const history = await gitscale(['history', '--config', config, '--output', 'json'], env);
    expect(history.code).toBe(0);
    expect(JSON.parse(history.stdout)).toEqual({
      decisions: [expect.objectContaining({ repository: 'manifests', object: 'default/c', from: 0, to: 3 })],
      errors: [],
    });
    // The key's body, its passphrase: in no output, commit, or file of the data dir.
    const written = [r.stdout, r.stderr, history.stdout, history.stderr, await git(bare, 'log', '--format=%B%n%an%n%ae', 'main')];
    const files = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
    for (const f of files(data)) written.push(fs.readFileSync(f, 'latin1'));
    const secrets = [servers.SSH_KEY_PASSPHRASE, ...key.split('\n').slice(1, -2)];
    for (const text of written) for (const s of secrets) expect(text.includes(s)).toBe(false);
  });

  it('a changed host key stops the run before anything is sent, with exit 1 and a clear error', async () => {
    const list = await newList(redis, 5);
    const { bare, url } = await makeSshRepo(servers, { 'c.yaml': deployment('c', 0) });
    const config = await writeConfig({
      repositories: [
        { name: 'manifests', url, auth: { sshKeyFile: servers.SSH_KEY_ED25519, knownHostsFile: servers.SSH_KNOWN_HOSTS_WRONG } },
      ],
      scaledObjects: [scaledObject({ name: 'c', path: 'c.yaml', triggers: [redisList(servers.REDIS_ADDRESS, list)] })],
    });
    const r = await gitscale(['once', '--config', config, '--data-dir', await tempDir('ssh-data')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/GIT_HOST_KEY/);
    expect(r.stderr).toMatch(/does not match auth\.knownHostsFile .*known_hosts_wrong/);
    expect(await log(bare)).toEqual(['initial']);
  });
});
