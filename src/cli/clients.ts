// The real Git workspaces and forges, built here at the edge and handed to the reconciler.
import type * as nodeFs from 'node:fs';
import { join } from 'node:path';
import type { RepositoryConfig } from '../config/types.js';
import type { GitBounds } from '../git/bounds.js';
import { openLocal } from '../git/local.js';
import { openRemote } from '../git/remote.js';
import type { Clock, Workspace } from '../git/types.js';
import type { Logger } from '../log.js';
import type { Clients } from '../reconciler/runtime/reconciler.js';
import { signerFor, sshOptions, tokenSource } from './credentials.js';
import { openForge } from './forges.js';

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
  if (repo.kind === 'local')
    return openLocal({ repository: repo.name, dir: repo.url, branch: repo.branch, fs: deps.fs, clock: deps.clock, signer });
  return openRemote({
    repository: repo.name,
    url: repo.url,
    branch: repo.branch,
    dir: join(deps.dataDir, 'repos', safeName(repo.name)),
    token: tokenSource(repo, deps.env, deps.fetch),
    username: repo.auth?.username,
    fs: deps.fs,
    clock: deps.clock,
    ssh: sshOptions(repo, deps.env, deps.fs),
    signer,
    bounds: deps.gitBounds,
  });
}

export function clients(deps: ClientDeps): Clients {
  return { workspace: (repo) => openWorkspace(repo, deps), forge: (repo) => openForge(repo, deps) };
}
