// The token a repository's Git remote and forge use: a fixed one from the environment, or a
// GitHub App installation's, renewed by @octokit/auth-app before it expires (loaded at the first
// token asked for: a repository without an App never loads it).
import { forgeApiDefaults } from '../config/forges.js';
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
  return forgeApiDefaults.github(new URL(repo.url));
}

export function tokenSource(repo: RepositoryConfig, env: Record<string, string | undefined>, fetchImpl: typeof fetch): TokenSource {
  const app = appCredentials(repo, env);
  if (!app) return repo.auth?.tokenFromEnv ? env[repo.auth.tokenFromEnv] : undefined;
  let auth: Promise<(o: { type: 'installation' }) => Promise<{ token: string }>> | undefined;
  return async () => {
    auth ??= Promise.all([import('@octokit/auth-app'), import('@octokit/request')]).then(([{ createAppAuth }, { request }]) =>
      createAppAuth({ ...app, request: request.defaults({ baseUrl: githubApiBase(repo), request: { fetch: fetchImpl } }) }),
    );
    return (await (await auth)({ type: 'installation' })).token;
  };
}

/** A private key and its passphrase as a repository's config names them (SSH auth or signing). */
interface KeySettings {
  /** The key's file, or the variable holding it; each with the setting's name, for messages. */
  file?: string;
  fileSetting: string;
  fromEnv?: string;
  fromEnvSetting: string;
  passphraseFromEnv?: string;
  passphraseSetting: string;
}

/**
 * The key (a file's contents, or an environment variable's value) and its passphrase, read now;
 * an error naming the setting when one cannot be read.
 */
async function readKey(
  k: KeySettings,
  env: Record<string, string | undefined>,
  fs: typeof nodeFs,
): Promise<{ key: string; source: string; passphrase?: string; passphraseSource?: string }> {
  const passphrase = k.passphraseFromEnv ? env[k.passphraseFromEnv] : undefined;
  if (k.passphraseFromEnv && !passphrase) throw new Error(`${k.passphraseSetting} names ${k.passphraseFromEnv}, which is not set`);
  const said = passphrase ? { passphrase, passphraseSource: `environment variable ${k.passphraseFromEnv}` } : {};
  if (k.file) {
    const key = await fs.promises.readFile(k.file, 'utf8').catch((e: unknown) => {
      throw new Error(`cannot read ${k.fileSetting} ${k.file}: ${errorMessage(e)}`);
    });
    return { key, source: k.file, ...said };
  }
  const value = env[k.fromEnv ?? ''];
  if (!value) throw new Error(`${k.fromEnvSetting} names ${k.fromEnv}, which is not set`);
  // A key passed through a one-line variable may carry its line breaks as \n.
  return { key: value.includes('\n') ? value : value.replace(/\\n/g, '\n'), source: `environment variable ${k.fromEnv}`, ...said };
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
  const settings: KeySettings = {
    file: a.sshKeyFile,
    fileSetting: 'auth.sshKeyFile',
    fromEnv: a.sshKeyFromEnv,
    fromEnvSetting: 'auth.sshKeyFromEnv',
    passphraseFromEnv: a.sshKeyPassphraseFromEnv,
    passphraseSetting: 'auth.sshKeyPassphraseFromEnv',
  };
  return {
    target,
    identity: () =>
      readKey(settings, env, fs).catch((e: unknown) => {
        throw new TransportError('GIT_SSH_KEY', errorMessage(e));
      }),
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
export function signerFor(
  repo: RepositoryConfig,
  env: Record<string, string | undefined>,
  fs: typeof nodeFs,
): (() => Promise<Signer>) | undefined {
  const s = repo.signing;
  if (!s) return undefined;
  const settings: KeySettings = {
    file: s.keyFile,
    fileSetting: 'signing.keyFile',
    fromEnv: s.keyFromEnv,
    fromEnvSetting: 'signing.keyFromEnv',
    passphraseFromEnv: s.passphraseFromEnv,
    passphraseSetting: 'signing.passphraseFromEnv',
  };
  let made: { text: string; signer: Promise<Signer> } | undefined;
  return async () => {
    const k = await readKey(settings, env, fs);
    const text = `${k.key}\0${k.passphrase ?? ''}`;
    if (made?.text !== text) {
      const signer = makeSigner({ format: s.format, ...k });
      made = { text, signer };
      signer.catch(() => {
        if (made?.signer === signer) made = undefined;
      });
    }
    return made.signer;
  };
}
