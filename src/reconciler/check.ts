// `gitscale validate`'s second half: every object's target exists in its repository and reads as
// a replica count. Reports problems as data; writes nothing.
import type { Config, ConfigProblem } from '../config/types.js';
import { GitscaleError, errorMessage } from '../errors.js';
import type { Workspace } from '../git/types.js';
import { readReplicas } from '../manifests/index.js';
import { locateTarget, workloadTarget, type MarkerCache } from './target.js';

export async function checkTargets(config: Config, open: (repo: Config['repositories'][number]) => Workspace): Promise<ConfigProblem[]> {
  const problems: ConfigProblem[] = [];
  await Promise.all(config.repositories.map(async (repo) => {
    const objects = config.objects.filter((o) => o.repository === repo.name);
    if (objects.length === 0) return;
    const ws = open(repo);
    try {
      await ws.sync();
    } catch (e) {
      problems.push({ object: `repository ${repo.name}`, file: config.file, field: `repositories[${config.repositories.indexOf(repo)}].url`, message: errorMessage(e), code: e instanceof GitscaleError ? e.code : 'GIT_ERROR' });
      return;
    }
    const markers: MarkerCache = new Map();
    for (const o of objects) {
      try {
        const { file, text } = await locateTarget(o, ws, markers);
        readReplicas(text, workloadTarget(o), file);
      } catch (e) {
        const data = e instanceof GitscaleError ? e.data : {};
        problems.push({
          object: o.key, file: typeof data.file === 'string' ? data.file : o.path,
          field: typeof data.field === 'string' ? data.field : 'metadata.annotations["gitscale.dev/path"]',
          message: errorMessage(e), code: e instanceof GitscaleError ? e.code : 'INTERNAL',
        });
      }
    }
  }));
  return problems;
}
