// The token a repository's Git remote and forge use: a fixed one from the environment, or a
// GitHub App installation's, renewed by @octokit/auth-app before it expires (loaded at the first
// token asked for: a repository without an App never loads it).
import type * as nodeFs from 'node:fs';
import type { RepositoryConfig } from '../config/types.js';
import { errorMessage } from '../errors.js';
import { knownHostsPolicy, pinnedPolicy } from '../git/known-hosts.js';
import { makeSigner, type Signer } from '../git/signing.js';
import type { SshOptions } from '../git/ssh.js';
import { isSshUrl, parseSshUrl } from '../ssh-spec.js';
import { TransportError } from '../git/transport.js';

export type TokenSource = string | (() => Promise<string>) | undefined;

export interface AppCredentials {
  appId: number;
  installationId: number;
  privateKey: string;
}

export function appCredentials(repo: RepositoryConfig, env: Record<string, string | undefined>): AppCredentials | undefined {
  const g = repo.auth?.githubApp;
  if (!g) return undefined;
  return { appId: g.appId, installationId: g.installationId, privateKey: (env[g.privateKeyFromEnv] ?? '').replace(/\\n/g, '\n') };
}

/** The GitHub API base the App's tokens come from. */
export function githubApiBase(repo: RepositoryConfig): string {
  if (repo.forge?.type === 'github') return repo.forge.url;
  const u = new URL(repo.url);
  return u.hostname === 'github.com' ? 'https://api.github.com' : `${u.origin}/api/v3`;
}

export function tokenSource(repo: RepositoryConfig, env: Record<string, string | undefined>, fetchImpl: typeof fetch): TokenSource {
  const app = appCredentials(repo, env);
  if (!app) return repo.auth?.tokenFromEnv ? env[repo.auth.tokenFromEnv] : undefined;
  let auth: Promise<(o: { type: 'installation' }) => Promise<{ token: string }>> | undefined;
  return async () => {
    auth ??= Promise.all([import('@octokit/auth-app'), import('@octokit/request')])
      .then(([{ createAppAuth }, { request }]) => createAppAuth({ ...app, request: request.defaults({ baseUrl: githubApiBase(repo), request: { fetch: fetchImpl } }) }));
    return (await (await auth)({ type: 'installation' })).token;
  };
}

/**
 * An SSH remote's key and host keys, read at each connection (a rotated Secret is picked up);
 * undefined for any other remote. Whatever cannot be read is a clear error naming the setting.
 */
export function sshOptions(repo: RepositoryConfig, env: Record<string, string | undefined>, fs: typeof nodeFs): SshOptions | undefined {
  if (repo.kind !== 'remote' || !isSshUrl(repo.url)) return undefined;
  const parsed = parseSshUrl(repo.url);
  if (!parsed.ok) throw new Error(parsed.message);
  const { target } = parsed;
  const a = repo.auth ?? {};
  return {
    target,
    identity: async () => {
      const passphrase = a.sshKeyPassphraseFromEnv ? env[a.sshKeyPassphraseFromEnv] : undefined;
      if (a.sshKeyPassphraseFromEnv && !passphrase) throw new TransportError('GIT_SSH_KEY', `auth.sshKeyPassphraseFromEnv names ${a.sshKeyPassphraseFromEnv}, which is not set`);
      const said = { ...(passphrase ? { passphrase, passphraseSource: `environment variable ${a.sshKeyPassphraseFromEnv}` } : {}) };
      if (a.sshKeyFile) {
        const key = await fs.promises.readFile(a.sshKeyFile).catch((e: unknown) => {
          throw new TransportError('GIT_SSH_KEY', `cannot read auth.sshKeyFile ${a.sshKeyFile}: ${errorMessage(e)}`);
        });
        return { key, source: a.sshKeyFile, ...said };
      }
      const name = a.sshKeyFromEnv ?? '';
      const key = env[name];
      if (!key) throw new TransportError('GIT_SSH_KEY', `auth.sshKeyFromEnv names ${name}, which is not set`);
      // A key passed through a one-line variable may carry its line breaks as \n.
      return { key: key.includes('\n') ? key : key.replace(/\\n/g, '\n'), source: `environment variable ${name}`, ...said };
    },
    hostKeys: async () => {
      if (a.sshHostKey) return pinnedPolicy(a.sshHostKey, 'auth.sshHostKey');
      const file = a.knownHostsFile ?? '';
      const text = await fs.promises.readFile(file, 'utf8').catch((e: unknown) => {
        throw new TransportError('GIT_HOST_KEY', `cannot read auth.knownHostsFile ${file}: ${errorMessage(e)}`);
      });
      return knownHostsPolicy(text, target.host, target.port, `auth.knownHostsFile ${file}`);
    },
  };
}

/**
 * The signer of a repository that signs its commits (undefined otherwise): the key is read at each
 * commit (a rotated Secret is picked up) and decrypted once per key and passphrase.
 */
export function signerFor(repo: RepositoryConfig, env: Record<string, string | undefined>, fs: typeof nodeFs): (() => Promise<Signer>) | undefined {
  const s = repo.signing;
  if (!s) return undefined;
  let made: { text: string; signer: Promise<Signer> } | undefined;
  return async () => {
    const passphrase = s.passphraseFromEnv ? env[s.passphraseFromEnv] : undefined;
    if (s.passphraseFromEnv && !passphrase) throw new Error(`signing.passphraseFromEnv names ${s.passphraseFromEnv}, which is not set`);
    let key: string;
    if (s.keyFile) {
      key = await fs.promises.readFile(s.keyFile, 'utf8').catch((e: unknown) => {
        throw new Error(`cannot read signing.keyFile ${s.keyFile}: ${errorMessage(e)}`);
      });
    } else {
      const v = env[s.keyFromEnv ?? ''];
      if (!v) throw new Error(`signing.keyFromEnv names ${s.keyFromEnv}, which is not set`);
      key = v.includes('\n') ? v : v.replace(/\\n/g, '\n');
    }
    const text = `${key}\0${passphrase ?? ''}`;
    if (made?.text !== text) {
      const signer = makeSigner({ format: s.format, key, passphrase, source: s.keyFile ?? `environment variable ${s.keyFromEnv}`, ...(passphrase ? { passphraseSource: `environment variable ${s.passphraseFromEnv}` } : {}) });
      made = { text, signer };
      signer.catch(() => {
        if (made?.signer === signer) made = undefined;
      });
    }
    return made.signer;
  };
}
