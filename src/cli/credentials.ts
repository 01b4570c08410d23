// The token a repository's Git remote and forge use: a fixed one from the environment, or a
// GitHub App installation's, renewed by @octokit/auth-app before it expires (loaded at the first
// token asked for: a repository without an App never loads it).
import type { RepositoryConfig } from '../config/types.js';

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
