// The replica count Git holds for an object, as the rendered manifests carry it. A count written
// in the file is that count; a kustomization without an entry for the workload carries what its
// resources and patches render (manifests/render follows them; this reads the files it asks for);
// an Argo CD Application's kustomize block without one renders a source gitscale does not read.
// A count gitscale cannot know refuses the object: nothing is decided or written from a guess.
import { ManifestError } from '../../errors.js';
import type { OverlaySetting } from './overlays.js';
import { MAX_ROUNDS, withFiles } from './render-files.js';
import type { ReadFn } from '../../git/types.js';
import { defaultsToOne, readReplicas, renderedCount, type ReplicaField, type WorkloadTarget } from '../../manifests/index.js';

/** The kustomizations that set the count of a workload declared in `file` (reconciler/target/overlays.ts). */
export type OverlaysOf = (file: string, target: WorkloadTarget) => Promise<OverlaySetting[]>;

export async function readCurrent(
  text: string,
  target: WorkloadTarget,
  file: string,
  read: ReadFn,
  overlays?: OverlaysOf,
): Promise<ReplicaField> {
  const field = readReplicas(text, target, file);
  if (field.explicit) return field;
  const who = `${target.kind} ${target.namespace}/${target.name}`;
  if (field.format === 'workload') {
    const over = defaultsToOne(target.kind) && overlays ? await overlays(file, target) : [];
    if (over.length > 0) {
      const by = over
        .slice(0, 3)
        .map((o) => `${o.kustomization} sets ${o.n} (${o.from})`)
        .join('; ');
      throw new ManifestError(
        'REPLICAS_OVERRIDDEN',
        `${who}: ${file} has no spec.replicas, and ${over.length === 1 ? 'a kustomization' : `${over.length} kustomizations`} in the repository set its count over it (${by}${over.length > 3 ? '; …' : ''}): an edit of ${file} would not reach what ${over.length === 1 ? 'it renders' : 'they render'}; point gitscale.dev/path at the kustomization that is deployed (gitscale then adds its replicas entry there), or, if ${file} is deployed as it is, write spec.replicas in it with the count it runs now`,
        { file, field: field.field, object: who },
      );
    }
    if (defaultsToOne(target.kind)) return { ...field, source: `no spec.replicas in ${file}: the API server's default` };
    throw unknown(
      `${who}: ${file} has no spec.replicas, and gitscale does not know what a ${target.kind} defaults to; write spec.replicas with the count it runs now`,
      file,
      field.field,
      target,
    );
  }
  const entry = `replicas: [{name: ${target.name}, count: <the count it runs now>}]`;
  if (field.format === 'argo-application') {
    throw unknown(
      `${who}: ${field.field.replace(/\[0\]\.count$/, '')} in ${file} has no entry for ${target.name}, so the count the Application renders comes from its source, which gitscale does not read; add ${entry} there, or point gitscale.dev/path at the file that holds the count`,
      file,
      field.field,
      target,
    );
  }
  const r = await withFiles(read, new Map([[file, text]]), (files) => renderedCount(file, target, files));
  if (r === undefined)
    throw unknown(
      `${who}: ${file} reads files more than ${MAX_ROUNDS} levels deep to render its count; add ${entry} to ${file}`,
      file,
      field.field,
      target,
    );
  const c = r.count;
  if (c.kind === 'unknown') {
    throw unknown(
      `${who}: ${file} has no replicas entry for ${target.name}, and the count it renders cannot be known: ${c.why}; add ${entry} to ${file}, or point gitscale.dev/path at the file that holds the count`,
      file,
      field.field,
      target,
    );
  }
  if (c.kind === 'absent') return { ...field, replicas: 1, source: `no layer of ${file} sets it: the API server's default` };
  return { ...field, replicas: c.n, source: `${c.file}${c.line ? `:${c.line}` : ''} (${c.how})` };
}

function unknown(message: string, file: string, field: string, target: WorkloadTarget): ManifestError {
  return new ManifestError('REPLICAS_UNKNOWN', message, { file, field, object: `${target.kind} ${target.namespace}/${target.name}` });
}
