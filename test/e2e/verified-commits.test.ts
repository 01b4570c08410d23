// Commits a forge shows as verified: gitscale signs with an OpenPGP key whose public half is on the
// bot user's Gitea account (the README's recipe), and Gitea's own API reports the commit verified
// and signed by that user; an unsigned commit beside it is reported unverified.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { newList, runGitscale } from '../support/cli.js';
import { deployment, redisList, scaledObject, writeConfig } from '../support/config.js';
import { tempDir } from '../support/temp.js';

const servers = inject('servers');
const api = async (path: string, init: RequestInit = {}) => {
  const r = await fetch(`${servers.GITEA_URL}/api/v1${path}`, {
    ...init,
    headers: { Authorization: `token ${servers.GITEA_TOKEN}`, 'Content-Type': 'application/json' },
  });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null };
};

let redis: Redis;
let home = '';
let armored = '';
const passphrase = `pp-${Math.random().toString(36).slice(2)}`;
const gpg = (...args: string[]) =>
  execFileSync('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', passphrase, ...args], {
    env: { ...process.env, GNUPGHOME: home },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });

beforeAll(async () => {
  redis = new Redis(servers.REDIS_ADDRESS, { lazyConnect: false });
  home = await tempDir('gpg-forge');
  fs.chmodSync(home, 0o700);
  // The bot's key, on the bot user's email (Gitea matches the committer's email to the key's).
  gpg('--quick-gen-key', 'gitscale <gitscale@example.com>', 'ed25519', 'sign', 'never');
  armored = gpg('--armor', '--export-secret-keys', 'gitscale@example.com');
  const added = await api('/user/gpg_keys', {
    method: 'POST',
    body: JSON.stringify({ armored_public_key: gpg('--armor', '--export', 'gitscale@example.com') }),
  });
  expect(added.status).toBe(201);
});
afterAll(async () => {
  await redis.quit();
  execFileSync('gpgconf', ['--kill', 'gpg-agent'], { env: { ...process.env, GNUPGHOME: home } });
});

describe('verified commits on a forge (Gitea)', () => {
  it("gitscale's signed commit is verified by Gitea as the bot user's; an unsigned one is not", async () => {
    const name = `signed-${Math.random().toString(36).slice(2, 8)}`;
    expect(
      (await api('/user/repos', { method: 'POST', body: JSON.stringify({ name, auto_init: false, default_branch: 'main' }) })).status,
    ).toBe(201);
    const path = 'deploy.yaml';
    expect(
      (
        await api(`/repos/gitscale/${name}/contents/${path}`, {
          method: 'POST',
          body: JSON.stringify({ content: Buffer.from(deployment('c', 0)).toString('base64'), branch: 'main', message: 'manifests' }),
        })
      ).status,
    ).toBe(201);
    const url = `${servers.GITEA_URL}/gitscale/${name}.git`;
    const env = { GITEA_GIT_TOKEN: servers.GITEA_TOKEN, SIGNING_KEY: armored, SIGNING_PASSPHRASE: passphrase };
    const repository = (signing?: object) => ({
      name: 'manifests',
      url,
      auth: { tokenFromEnv: 'GITEA_GIT_TOKEN', username: 'gitscale' },
      author: { name: 'gitscale', email: 'gitscale@example.com' },
      ...(signing ? { signing } : {}),
    });
    const so = (list: string) => [scaledObject({ name: 'c', path, triggers: [redisList(servers.REDIS_ADDRESS, list)] })];

    const signedConfig = await writeConfig({
      repositories: [repository({ format: 'openpgp', keyFromEnv: 'SIGNING_KEY', passphraseFromEnv: 'SIGNING_PASSPHRASE' })],
      scaledObjects: so(await newList(redis, 10)),
    });
    const r = await runGitscale(['once', '--config', signedConfig], env);
    expect(r.code, r.stderr).toBe(0);
    const head = (await api(`/repos/gitscale/${name}/branches/main`)).json.commit;
    expect(head.message.trim()).toMatch(/^scale default\/c 0→2/);
    const signed = (await api(`/repos/gitscale/${name}/git/commits/${head.id}`)).json.commit.verification;
    expect(signed).toMatchObject({ verified: true, signer: { username: 'gitscale', email: 'gitscale@example.com' } });
    expect(signed.signature).toMatch(/^-----BEGIN PGP SIGNATURE-----/);

    // Control: the same repository without signing gets an unverified commit.
    const plainConfig = await writeConfig({ repositories: [repository()], scaledObjects: so(await newList(redis, 20)) });
    expect((await runGitscale(['once', '--config', plainConfig], env)).code).toBe(0);
    const next = (await api(`/repos/gitscale/${name}/branches/main`)).json.commit;
    expect(next.id).not.toBe(head.id);
    expect((await api(`/repos/gitscale/${name}/git/commits/${next.id}`)).json.commit.verification.verified).toBe(false);
  });
});
