// The forges' real clients (docs/architecture.md §8): the registry of forge types, one line each, held by
// tsc to the types config accepts (config/forges.ts). Each loads its module at the forge's first call
// (forges/lazy.ts), so a run that opens no pull request never loads octokit.
import type { ForgeType } from '../config/forges.js';
import type { RepositoryConfig } from '../config/types.js';
import { lazyForge } from '../forges/lazy.js';
import type { Forge } from '../forges/types.js';
import type { Logger } from '../log.js';
import { appCredentials, type AppCredentials } from './credentials.js';

/** What every forge is made with, from its repository's config; each takes the parts it needs. */
interface ForgeOpening {
  /** The API address (config's `forge.url`). */
  url: string;
  owner: string;
  repo: string;
  token: string;
  app?: AppCredentials;
  fetch: typeof fetch;
  log: (msg: string, fields: Record<string, unknown>) => void;
}

const forges = {
  gitea: async (o) => (await import('../forges/gitea/index.js')).createGitea(o),
  github: async (o) => (await import('../forges/github/index.js')).createGithub({ ...o, baseUrl: o.url }),
} satisfies Record<ForgeType, (o: ForgeOpening) => Promise<Forge>>;

/** What opening a forge reads of the edge's clients. */
export interface ForgeDeps {
  env: Record<string, string | undefined>;
  fetch: typeof fetch;
  log: Logger;
}

export function openForge(repo: RepositoryConfig, deps: ForgeDeps): Forge | undefined {
  const f = repo.forge;
  if (!f) return undefined;
  const opening: ForgeOpening = {
    url: f.url,
    owner: f.owner,
    repo: f.repo,
    token: repo.auth?.tokenFromEnv ? (deps.env[repo.auth.tokenFromEnv] ?? '') : '',
    app: appCredentials(repo, deps.env),
    fetch: deps.fetch,
    log: (msg, fields) => deps.log.warn(msg, { repository: repo.name, ...fields }),
  };
  return lazyForge(f.type, () => forges[f.type](opening));
}
