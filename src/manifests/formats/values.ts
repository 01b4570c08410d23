// Field paths (`gitscale.dev/field`) below a values root: a Flux HelmRelease's `spec.values`, an
// Argo CD Application's `spec.source.helm.valuesObject`, or a plain Helm values file's root.
// The key must already exist: gitscale never invents a values key.
import { isMap, isScalar, type Node } from 'yaml';
import type { ManifestError } from '../../errors.js';
import type { Location, ManifestFormat, PathSeg, WorkloadTarget } from '../types.js';
import {
  checkAnchoredAncestors,
  fail,
  identify,
  manifestError,
  parseChecked,
  rejectDuplicates,
  scalarLocation,
  showPath,
  type Ctx,
  type Doc,
} from '../common.js';
import { parsePath, walk } from '../path.js';

export const isHelmRelease = (apiVersion?: string, kind?: string): boolean =>
  kind === 'HelmRelease' && !!apiVersion?.startsWith('helm.toolkit.fluxcd.io/');
export const isArgoApplication = (apiVersion?: string, kind?: string): boolean =>
  kind === 'Application' && !!apiVersion?.startsWith('argoproj.io/');

/** Wrapper documents (HelmRelease, Application) in the stream, by index. */
type Wrapper = { doc: number; format: ManifestFormat; name?: string; line: number };

export function wrappers(text: string, docs: Doc[]): Wrapper[] {
  return docs.flatMap((d, doc): Wrapper[] => {
    const id = identify(text, d);
    if (!id) return [];
    if (isHelmRelease(id.apiVersion, id.kind)) return [{ doc, format: 'helm-release', name: id.name, line: id.line }];
    if (isArgoApplication(id.apiVersion, id.kind)) return [{ doc, format: 'argo-application', name: id.name, line: id.line }];
    return [];
  });
}

/**
 * One wrapper document out of several: the one named `target.name`, else TARGET_AMBIGUOUS.
 * `candidates` is non-empty.
 */
export function pickWrapper<T extends { name?: string; line: number }>(ctx: Ctx, candidates: T[], what: string): T {
  if (candidates.length === 1) return candidates[0];
  const named = candidates.filter((c) => c.name === ctx.target.name);
  if (named.length === 1) return named[0];
  const lines = candidates.map((c) => c.line);
  throw fail(
    ctx,
    'TARGET_AMBIGUOUS',
    `the file holds ${candidates.length} ${what} documents (lines ${lines.join(', ')}) and ${named.length === 0 ? 'none' : named.length} named ${ctx.target.name}; refusing to guess`,
    lines[0],
  );
}

const ROOTS: Record<string, PathSeg[]> = {
  'helm-release': ['spec', 'values'],
  'argo-application': ['spec', 'source', 'helm', 'valuesObject'],
  'helm-values': [],
};

export function locateField(text: string, target: WorkloadTarget, file: string, fieldPath: string): Location {
  const parsed = parsePath(fieldPath);
  const ctx: Ctx = { text, target, file, field: fieldPath };
  if (!parsed.ok)
    throw fail(
      ctx,
      'FIELD_PATH_INVALID',
      `gitscale.dev/field ${JSON.stringify(fieldPath)} is not a field path: ${parsed.why} (use dots between keys, [n] for list items, "…" around keys with dots)`,
    );
  const docs = parseChecked(ctx);
  const wraps = wrappers(text, docs);
  let doc: number;
  let format: ManifestFormat;
  if (wraps.length > 0) {
    ({ doc, format } = pickWrapper(ctx, wraps, 'HelmRelease/Application'));
  } else {
    const filled = docs.map((d, i) => (d.contents === null ? -1 : i)).filter((i) => i >= 0);
    if (filled.length !== 1) {
      throw fail(
        ctx,
        'TARGET_AMBIGUOUS',
        `gitscale.dev/field names a key in a Helm values file, but the file holds ${filled.length} documents and no HelmRelease or Application`,
      );
    }
    doc = filled[0];
    format = 'helm-values';
  }
  const base = ROOTS[format];
  const path = [...base, ...parsed.steps];
  ctx.field = showPath(path);
  const root = docs[doc].contents;
  // Walk the wrapper's root (spec.values …) first so a missing root is reported as such.
  const top = walk(ctx, isMap(root) || format === 'helm-values' ? root : null, [], base);
  const found = walk(ctx, top.node, base, parsed.steps);
  checkAnchoredAncestors(ctx, docs[doc], [...top.ancestors, top.node, ...found.ancestors]);
  const value = scalarLocation(ctx, found.node, found.keyAt);
  rejectDuplicates(ctx, docs);
  return { ...value, doc, path, format, field: ctx.field };
}

/** The annotation a values layout needs; errors about it name it as their field. */
const FIELD_ANNOTATION = 'metadata.annotations["gitscale.dev/field"]';

/** Paths of integer keys that look like replica counts (`replicaCount`, `worker.replicas`), for a hint. */
function replicaKeys(node: Node | null | undefined, path: PathSeg[] = [], out: string[] = []): string[] {
  if (!isMap(node) || path.length > 4 || out.length >= 3) return out;
  for (const pair of node.items) {
    if (!isScalar(pair.key) || typeof pair.key.value !== 'string') continue;
    const here = [...path, pair.key.value];
    if (/^replica(s|count)$/i.test(pair.key.value) && isScalar(pair.value) && Number.isInteger(pair.value.value)) out.push(showPath(here));
    else replicaKeys(pair.value as Node, here, out);
  }
  return out;
}

/**
 * When a workload lookup finds nothing and the file is a Helm values file (maps without `kind`) or
 * holds a HelmRelease/Application: the error that says to add `gitscale.dev/field`. Else undefined.
 */
export function missingFieldError(text: string, target: WorkloadTarget, file: string, docs: Doc[]): ManifestError | undefined {
  // A file that mentions a marker meant one (perhaps a malformed one): not a missing field.
  if (text.includes('$gitscale')) return undefined;
  const filled = docs.filter((d) => d.contents !== null);
  const wraps = wrappers(text, docs);
  const values =
    wraps.length === 0 &&
    filled.length > 0 &&
    filled.every((d) => isMap(d.contents) && !identify(text, d)?.kind && !identify(text, d)?.apiVersion);
  if (!values && wraps.length === 0) return undefined;
  const roots = values ? filled.map((d) => d.contents as Node) : wraps.map((w) => docs[w.doc].getIn(ROOTS[w.format], true) as Node);
  const keys = [...new Set(roots.flatMap((r) => replicaKeys(r)))];
  const what = values
    ? 'a Helm values file'
    : `a ${wraps[0].format === 'helm-release' ? 'Flux HelmRelease' : 'Argo CD Application'} (values below ${showPath(ROOTS[wraps[0].format])})`;
  const example = keys.length
    ? `: ${keys.map((k) => `gitscale.dev/field: ${k}`).join(', or ')}`
    : ' (e.g. gitscale.dev/field: replicaCount)';
  return manifestError(
    'FIELD_REQUIRED',
    `${file} is ${what}, so ${target.kind} ${target.namespace}/${target.name} has no spec.replicas there; add the annotation gitscale.dev/field naming the values key that holds the replica count${example}`,
    file,
    target,
    undefined,
    FIELD_ANNOTATION,
  );
}
