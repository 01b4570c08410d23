// Discovery (`discover: true` on a repository): the ScaledObjects committed in a manifest
// repository, and the one file that defines the workload each one scales. Pure: text in, facts
// out; the walk over the repository is reconciler/runtime/discover.ts.
import { parseAllDocuments } from 'yaml';
import { manifestLimits, yamlLimitProblem } from '../yaml-limits.js';
import { isObj } from './common.js';

export const DISCOVERED_API_VERSIONS = ['gitscale.dev/v1alpha1', 'keda.sh/v1alpha1'] as const;
/** The kinds a ScaledObject's `authenticationRef` names, read from the repository as KEDA reads them from the cluster. */
export const AUTH_KINDS = ['TriggerAuthentication', 'ClusterTriggerAuthentication'] as const;

/** A file worth parsing: YAML. */
export const isYamlFile = (path: string): boolean => /\.ya?ml$/i.test(path);

/** One ScaledObject document in a file of the repository (its raw form, as the config file would hold it). */
export interface FoundScaledObject {
  path: string;
  /** 0-based index of the document in its file. */
  index: number;
  raw: Record<string, unknown>;
}

function documents(text: string, maxBytes: number | undefined): unknown[] {
  // A file that is not YAML (or one beyond the limits) declares nothing; it is not gitscale's to judge.
  if (yamlLimitProblem(text, manifestLimits(maxBytes))) return [];
  try {
    return parseAllDocuments(text, { logLevel: 'error' }).flatMap((d) =>
      d.errors.length ? [] : [d.toJS({ maxAliasCount: 100 }) as unknown],
    );
  } catch {
    return [];
  }
}

/**
 * What one file declares: its ScaledObjects, its (Cluster)TriggerAuthentications, and every object
 * by kind, name and namespace. A `Secret` is indexed by name only: its data is never read (a
 * secretTargetRef resolves through the cluster, --secrets-dir or the environment, never Git).
 */
export interface FileIndex {
  path: string;
  scaledObjects: FoundScaledObject[];
  triggerAuthentications: FoundScaledObject[];
  objects: { kind: string; name: string; namespace?: string }[];
}

/** What `text` declares; a file beyond the manifest limits (the repository's `maxManifestBytes`, when set) declares nothing. */
export function indexFile(path: string, text: string, maxBytes?: number): FileIndex {
  const out: FileIndex = { path, scaledObjects: [], triggerAuthentications: [], objects: [] };
  documents(text, maxBytes).forEach((d, index) => {
    if (!isObj(d)) return;
    const ours = (DISCOVERED_API_VERSIONS as readonly string[]).includes(String(d.apiVersion));
    // A ScaledObject without a name is still one: validation says what is missing.
    if (d.kind === 'ScaledObject' && ours) return out.scaledObjects.push({ path, index, raw: d });
    const meta = isObj(d.metadata) ? d.metadata : {};
    // Only what KEDA reads of one: kind, name, namespace and spec.
    if ((AUTH_KINDS as readonly unknown[]).includes(d.kind) && ours)
      out.triggerAuthentications.push({
        path,
        index,
        raw: { apiVersion: d.apiVersion, kind: d.kind, metadata: { name: meta.name, namespace: meta.namespace }, spec: d.spec },
      });
    if (typeof d.kind === 'string' && typeof meta.name === 'string') {
      out.objects.push({ kind: d.kind, name: meta.name, ...(typeof meta.namespace === 'string' ? { namespace: meta.namespace } : {}) });
    }
  });
  return out;
}

/** The files defining `kind` `name` (in `namespace`, when both say one). */
export function filesDefining(files: Iterable<FileIndex>, kind: string, name: string, namespace: string | undefined): string[] {
  const out: string[] = [];
  for (const f of files)
    if (
      f.objects.some(
        (o) => o.kind === kind && o.name === name && (namespace === undefined || o.namespace === undefined || o.namespace === namespace),
      )
    )
      out.push(f.path);
  return out;
}

export type PathChoice = { ok: true; path: string } | { ok: false; code: 'DISCOVER_NO_WORKLOAD' | 'DISCOVER_AMBIGUOUS'; message: string };

/**
 * The default `gitscale.dev/path`: the one file defining the workload, searched in the
 * ScaledObject's own directory (and below) first, then the whole tree. `candidates` are every file
 * of the repository that defines it.
 */
export function choosePath(soPath: string, what: string, candidates: string[]): PathChoice {
  const dir = soPath.includes('/') ? soPath.slice(0, soPath.lastIndexOf('/') + 1) : '';
  const near = candidates.filter((c) => c.startsWith(dir));
  const pick = near.length ? near : candidates;
  if (pick.length === 1) return { ok: true, path: pick[0] };
  if (pick.length === 0)
    return { ok: false, code: 'DISCOVER_NO_WORKLOAD', message: `no file in the repository defines ${what}: set gitscale.dev/path` };
  const where = near.length ? `in ${dir || 'the repository root'}` : 'in the repository';
  return {
    ok: false,
    code: 'DISCOVER_AMBIGUOUS',
    message: `${pick.length} files ${where} define ${what}: ${[...pick].sort().join(', ')}; set gitscale.dev/path to one of them`,
  };
}
