// `discover: true` repositories for a command that runs once (once, plan, validate): the file's
// config with the ScaledObjects they hold now.
import type { Config, ConfigProblem, RepositoryConfig } from '../../config/types.js';
import { GitscaleError, errorMessage } from '../../errors.js';
import type { Discovered } from '../runtime/discover.js';
import type { LoadDeps } from './load.js';
import { mergeClusterObjects } from './merge.js';

/**
 * For once, plan and validate: the config with the ScaledObjects the `discover: true` repositories
 * hold now (`scan` syncs and scans one), and the problems of those that cannot run. A repository
 * that cannot be scanned is a problem of its own; the others go on.
 */
export interface DiscoveredNow {
  config: Config;
  problems: ConfigProblem[];
  warnings: ConfigProblem[];
  envMissing: ConfigProblem[];
}

export async function discoverNow(
  config: Config,
  fileText: string,
  deps: LoadDeps,
  scan: (repo: RepositoryConfig) => Promise<Discovered>,
): Promise<DiscoveredNow> {
  const repos = config.repositories.filter((r) => r.discover);
  if (!repos.length) return { config, problems: [], warnings: [], envMissing: [] };
  const problems: ConfigProblem[] = [];
  const found = await Promise.all(
    repos.map((r) =>
      scan(r).catch((e: unknown): Discovered => {
        problems.push({
          object: `repository ${r.name}`,
          file: config.file,
          field: `repositories[${config.repositories.indexOf(r)}].discover`,
          message: `cannot read its ScaledObjects: ${errorMessage(e)}`,
          code: e instanceof GitscaleError ? e.code : 'GIT_ERROR',
        });
        return { objects: [], triggerAuthentications: [], problems: [] };
      }),
    ),
  );
  const merged = mergeClusterObjects(fileText, config.file, { scaledObjects: [], triggerAuthentications: [] }, deps, found);
  return {
    config: merged.config ?? config,
    problems: [...problems, ...merged.discoveredProblems],
    warnings: merged.discoveredWarnings,
    envMissing: merged.discoveredEnvMissing,
  };
}
