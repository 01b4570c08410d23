// `gitscale validate`'s second half: every object's target exists in its repository and reads as
// a replica count. Reports problems as data; writes nothing.
import type { Config, ConfigProblem } from '../config/types.js';
import { GitscaleError, errorMessage } from '../errors.js';
import type { Workspace } from '../git/types.js';
import { readReplicas } from '../manifests/index.js';

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
    for (const o of objects) {
      const field = 'metadata.annotations["gitscale.dev/path"]';
      try {
        const text = await ws.read(o.path);
        if (text === null) {
          problems.push({ object: o.key, file: o.path, field, message: `${o.path} is not in repository '${repo.name}' (branch ${repo.branch})`, code: 'MANIFEST_FILE_NOT_FOUND' });
          continue;
        }
        readReplicas(text, { kind: o.target.kind, name: o.target.name, namespace: o.namespace }, o.path);
      } catch (e) {
        const data = e instanceof GitscaleError ? e.data : {};
        problems.push({ object: o.key, file: o.path, field: typeof data.field === 'string' ? data.field : 'spec.scaleTargetRef', message: errorMessage(e), code: e instanceof GitscaleError ? e.code : 'INTERNAL' });
      }
    }
  }));
  return problems;
}
