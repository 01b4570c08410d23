// The token a repository's Git remote uses: the environment's, or a GitHub App installation's,
// minted through the App's JWT on first use (the App client loads then) and kept until renewal.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { tokenSource } from '../../src/cli/credentials.js';
import type { RepositoryConfig } from '../../src/config/types.js';
import { startGithubEmulator } from '../support/github/emulator.js';
import { makeLocalRepo } from '../support/git.js';

describe('tokenSource', () => {
  it('a fixed token from the environment; a GitHub App’s installation token, minted once and reused', async () => {
    const fixed = { name: 'm', url: 'https://github.com/acme/m.git', auth: { tokenFromEnv: 'GIT_TOKEN' } } as RepositoryConfig;
    expect(tokenSource(fixed, { GIT_TOKEN: 'ghp_fixed' }, fetch)).toBe('ghp_fixed');

    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const bare = await makeLocalRepo({ 'a.yaml': 'a: 1\n' });
    const app = await startGithubEmulator({
      repos: { 'acme/m': bare },
      token: 'unused',
      app: { id: 4242, installationId: 77, publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    });
    try {
      const repo = {
        name: 'm',
        url: 'https://github.com/acme/m.git',
        forge: { type: 'github', url: app.url, owner: 'acme', repo: 'm' },
        auth: { githubApp: { appId: 4242, installationId: 77, privateKeyFromEnv: 'APP_KEY' } },
      } as unknown as RepositoryConfig;
      const source = tokenSource(repo, { APP_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }, fetch);
      expect(typeof source).toBe('function');
      const first = await (source as () => Promise<string>)();
      expect(first).toMatch(/\S{10,}/);
      expect(await (source as () => Promise<string>)()).toBe(first);
      expect(app.requests.filter((r) => r === 'POST /app/installations/77/access_tokens')).toHaveLength(1);
      expect(app.problems).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
