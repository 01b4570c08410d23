// Which layout holds a target's replica count in one file. First match wins:
//
// 1. marker: `target.object` is set and a JSON marker comment `# {"$gitscale": "<object>"}`
//    follows a scalar on its line, in any document (a Deployment, a values file, a CRD …).
//    Markers inside strings or block scalars are text, not comments, and do not count.
// 2. field path: `target.field` is set. Root: a Flux HelmRelease's `spec.values`, an Argo CD
//    Application's `spec.source.helm.valuesObject` (several such documents: the one whose
//    metadata.name is `target.name`), else the root of the file's one document (a Helm values
//    file). The key must exist.
// 3. kustomize: the file is named kustomization.yaml/.yml/Kustomization, or a document is a
//    `kustomize.config.k8s.io` Kustomization (a Flux `kustomize.toolkit.fluxcd.io` one is not):
//    its `replicas: [{name, count}]`. Also an Argo CD Application with `spec.source.kustomize`:
//    the same list there (format argo-application).
// 4. workload: `spec.replicas` of the document whose kind and metadata.name match (Deployment,
//    StatefulSet, Rollout …).
//
// A marker found in step 1 wins even when `target.field` is set: the comment sits on the very
// scalar, so it is the more specific statement.
import { manifestLimits, yamlLimitProblem } from '../yaml-limits.js';
import { manifestError, parseStream } from './common.js';
import { argoKustomizeDocs, isKustomizationFile, kustomizationDocs, locateKustomize } from './formats/kustomize.js';
import { locateMarker } from './formats/marker.js';
import { locateField } from './formats/values.js';
import { locateWorkload } from './formats/workload.js';
import { describeTarget, type Location, type WorkloadTarget } from './types.js';

/** Find `target`'s replica count in `text`, or where it would go. Throws ManifestError. */
export function locate(text: string, target: WorkloadTarget, file: string): Location {
  const beyond = yamlLimitProblem(text, manifestLimits(target.maxBytes));
  if (beyond)
    throw manifestError(
      'MANIFEST_LIMIT',
      `${file} is not read: ${beyond} (looking for ${target.field ?? 'spec.replicas'} of ${describeTarget(target)})`,
      file,
      target,
    );
  const marked = locateMarker(text, target, file);
  if (marked) return marked;
  if (target.field !== undefined) return locateField(text, target, file, target.field);
  if (isKustomizationFile(file)) return locateKustomize(text, target, file, 'kustomize');
  // Screen by substring before parsing a second time.
  if (text.includes('Kustomization') || text.includes('kustomize')) {
    const docs = parseStream(text);
    if (docs.every((d) => d.errors.length === 0)) {
      if (kustomizationDocs(text, file, docs).length > 0) return locateKustomize(text, target, file, 'kustomize');
      if (argoKustomizeDocs(text, docs).length > 0) return locateKustomize(text, target, file, 'argo-application');
    }
  }
  return locateWorkload(text, target, file);
}
