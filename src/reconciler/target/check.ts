// `gitscale validate`'s second half: every object's target exists in its repository and reads as
// a replica count. Reports problems and warnings as data; writes nothing.
import type { Config, ConfigProblem, ObjectConfig } from '../../config/types.js';
import { GitscaleError, errorMessage } from '../../errors.js';
import type { Workspace } from '../../git/types.js';
import { containerEnv, readReplicas, type ReplicaField } from '../../manifests/index.js';
import { readCurrent } from './current.js';
import { overlaysFor, type OverlayCache } from './overlays.js';
import { locateTarget, workloadRef, workloadTarget } from './locate.js';
import { listerOf, ownershipWarnings, type Kube } from '../../cluster/index.js';

export interface TargetCheck {
  /** The target cannot be read: the object would fail every tick. */
  problems: ConfigProblem[];
  /** It reads, but what gitscale writes there would misbehave downstream. */
  warnings: ConfigProblem[];
}

/** A workload's `spec.replicas` is an int32: the API server rejects `"3"` (values files may quote). */
function quotedWorkloadCount(o: ObjectConfig, file: string, r: ReplicaField): ConfigProblem | undefined {
  if (!r.quoted || r.field !== 'spec.replicas' || (r.format !== 'workload' && r.format !== 'marker')) return undefined;
  return {
    object: o.key,
    file,
    field: r.field,
    code: 'REPLICAS_QUOTED',
    message: `${o.target.kind} ${o.namespace}/${o.target.name} at line ${r.line}: spec.replicas is the string "${r.replicas}"; the Kubernetes API server rejects a string for this integer field, so kubectl apply (Argo CD, Flux) will fail — write replicas: ${r.replicas} without quotes (gitscale keeps the quotes it finds)`,
  };
}

/**
 * `envMissing`: `*FromEnv` keys whose variable gitscale's environment lacks; each is a problem
 * unless the target container's env in the manifest sets that variable (KEDA reads it there).
 */
export async function checkTargets(
  config: Config,
  open: (repo: Config['repositories'][number]) => Workspace,
  envMissing: ConfigProblem[] = [],
): Promise<TargetCheck> {
  const problems: ConfigProblem[] = [];
  const warnings: ConfigProblem[] = [];
  await Promise.all(
    config.repositories.map(async (repo) => {
      const objects = config.objects.filter((o) => o.repository === repo.name);
      if (objects.length === 0) return;
      const ws = open(repo);
      try {
        await ws.sync();
      } catch (e) {
        problems.push({
          object: `repository ${repo.name}`,
          file: config.file,
          field: `repositories[${config.repositories.indexOf(repo)}].url`,
          message: errorMessage(e),
          code: e instanceof GitscaleError ? e.code : 'GIT_ERROR',
        });
        return;
      }
      const overlays: OverlayCache = new Map();
      for (const o of objects) {
        try {
          const { file, text } = await locateTarget(o, ws, {});
          const warning = quotedWorkloadCount(o, file, readReplicas(text, workloadTarget(o), file));
          // A kustomization without an entry must render a count gitscale can follow (else every tick refuses it).
          await readCurrent(text, workloadTarget(o), file, (p) => ws.read(p), overlaysFor(ws, overlays));
          if (warning) warnings.push(warning);
          const env = new Set((containerEnv(text, workloadTarget(o), o.target.envSourceContainerName) ?? []).map((e) => e.name));
          for (const p of envMissing.filter((x) => x.object === o.key)) {
            if (!env.has(variableOf(o, p.field)))
              problems.push({ ...p, message: `${p.message}, nor in the env of the target container in ${file}` });
          }
        } catch (e) {
          const data = e instanceof GitscaleError ? e.data : {};
          problems.push({
            object: o.key,
            file: typeof data.file === 'string' ? data.file : o.path,
            field: typeof data.field === 'string' ? data.field : 'metadata.annotations["gitscale.dev/path"]',
            message: errorMessage(e),
            code: e instanceof GitscaleError ? e.code : 'INTERNAL',
          });
        }
      }
    }),
  );
  return { problems, warnings };
}

/** The variable a `spec.triggers[i].metadata.<key>FromEnv` field names. */
function variableOf(o: ObjectConfig, field: string): string {
  const m = /^spec\.triggers\[(\d+)\]\.metadata\.(.+)$/.exec(field);
  return m ? (o.triggers[Number(m[1])]?.metadata[m[2]] ?? '').trim() : '';
}

/** With a cluster: who else would own each workload's replicas (warnings; a failed check is one too). */
export async function checkOwnership(config: Config, kube: Kube): Promise<ConfigProblem[]> {
  const out: ConfigProblem[] = [];
  const list = listerOf(kube, true);
  await Promise.all(
    config.objects.map(async (o) => {
      const repo = config.repositories.find((r) => r.name === o.repository)!;
      try {
        for (const w of await ownershipWarnings(kube, { ref: workloadRef(o), repoUrl: repo.url, file: o.path }, list)) {
          out.push({ object: o.key, file: config.file, field: 'spec.scaleTargetRef', message: w.message, code: w.code });
        }
      } catch (e) {
        out.push({
          object: o.key,
          file: config.file,
          field: 'spec.scaleTargetRef',
          message: `ownership not checked: ${errorMessage(e)}`,
          code: e instanceof GitscaleError ? e.code : 'KUBE_FAILED',
        });
      }
    }),
  );
  return out.sort((a, b) => a.object.localeCompare(b.object) || a.code.localeCompare(b.code));
}
