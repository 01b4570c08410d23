// The real Git workspaces and forges, built here at the edge and handed to the reconciler.
import type * as nodeFs from 'node:fs';
import { join } from 'node:path';
import type { RepositoryConfig } from '../config/types.js';
import type { Forge } from '../forges/types.js';
import type { GitBounds } from '../git/bounds.js';
import { openLocal } from '../git/local.js';
import { openRemote } from '../git/remote.js';
import type { Clock, Workspace } from '../git/types.js';
import type { Logger } from '../log.js';
import type { Clients } from '../reconciler/runtime/reconciler.js';
import { appCredentials, signerFor, sshOptions, tokenSource } from './credentials.js';

export interface ClientDeps {
  fs: typeof nodeFs;
  clock: Clock;
  log: Logger;
  env: Record<string, string | undefined>;
  fetch: typeof fetch;
  /** Workspaces of remote repositories live under <dataDir>/repos. */
  dataDir: string;
  /** How long a request to a git server may take (default: git/bounds.ts, as the README says). */
  gitBounds?: GitBounds;
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

export function openWorkspace(repo: RepositoryConfig, deps: ClientDeps): Workspace {
  const signer = signerFor(repo, deps.env, deps.fs);
  if (repo.kind === 'local') return openLocal({ repository: repo.name, dir: repo.url, branch: repo.branch, fs: deps.fs, clock: deps.clock, signer });
  return openRemote({
    repository: repo.name, url: repo.url, branch: repo.branch, dir: join(deps.dataDir, 'repos', safeName(repo.name)),
    token: tokenSource(repo, deps.env, deps.fetch), username: repo.auth?.username, fs: deps.fs, clock: deps.clock,
    ssh: sshOptions(repo, deps.env, deps.fs), signer, bounds: deps.gitBounds,
  });
}

/** A forge whose client (octokit for GitHub) loads at its first call: a run that opens no pull request never loads it. */
function lazyForge(kind: string, load: () => Promise<Forge>): Forge {
  let forge: Promise<Forge> | undefined;
  const f = () => (forge ??= load());
  return {
    kind,
    findPr: async (head) => (await f()).findPr(head),
    openPrs: async (prefix) => (await f()).openPrs(prefix),
    openPr: async (spec) => (await f()).openPr(spec),
    updatePr: async (n, patch) => (await f()).updatePr(n, patch),
    closePr: async (n) => (await f()).closePr(n),
    comment: async (n, body) => (await f()).comment(n, body),
    addLabels: async (n, labels) => (await f()).addLabels(n, labels),
    requestReviewers: async (n, reviewers) => (await f()).requestReviewers(n, reviewers),
    enableAutomerge: async (n) => (await f()).enableAutomerge(n),
  };
}

export function openForge(repo: RepositoryConfig, deps: ClientDeps): Forge | undefined {
  const f = repo.forge;
  if (!f) return undefined;
  const token = repo.auth?.tokenFromEnv ? deps.env[repo.auth.tokenFromEnv] ?? '' : '';
  if (f.type === 'github') {
    return lazyForge('github', async () => (await import('../forges/github/index.js')).createGithub({
      baseUrl: f.url, owner: f.owner, repo: f.repo, token, app: appCredentials(repo, deps.env), fetch: deps.fetch, log: (msg, fields) => deps.log.warn(msg, { repository: repo.name, ...fields }),
    }));
  }
  return lazyForge('gitea', async () => (await import('../forges/gitea/index.js')).createGitea({ url: f.url, owner: f.owner, repo: f.repo, token, fetch: deps.fetch }));
}

export function clients(deps: ClientDeps): Clients {
  return { workspace: (repo) => openWorkspace(repo, deps), forge: (repo) => openForge(repo, deps) };
}
