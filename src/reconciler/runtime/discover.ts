// `discover: true`: the ScaledObjects committed in a repository, read from its synced head, with
// gitscale.dev/repository defaulting to that repository and gitscale.dev/path to the one file that
// defines the workload. A directory whose tree id is unchanged since the last scan is not read
// again, so a steady repository costs one tree walk per sync.
import { ANNOTATION_PATH, ANNOTATION_REPOSITORY, annotationField } from '../../config/annotations.js';
import { isObj } from '../../config/fields.js';
import type { ConfigProblem, RepositoryConfig } from '../../config/types.js';
import type { Workspace } from '../../git/types.js';
import { choosePath, filesDefining, indexFile, isYamlFile, type FileIndex } from '../../manifests/discover.js';

/** One ScaledObject found in the repository, with its defaults filled in. */
export interface DiscoveredObject {
  repository: string;
  /** The file that holds it. */
  path: string;
  raw: Record<string, unknown>;
}

export interface Discovered {
  objects: DiscoveredObject[];
  /**
   * The TriggerAuthentications and ClusterTriggerAuthentications committed there (kind, name,
   * namespace and spec only), for the ScaledObjects to name as KEDA reads them from the cluster.
   */
  triggerAuthentications: DiscoveredObject[];
  /** ScaledObjects found but not usable as they are (no workload file, or several), naming the file. */
  problems: ConfigProblem[];
}

export interface Discoverer {
  /** Scans `ws` (already synced). */
  scan(repo: RepositoryConfig, ws: Workspace): Promise<Discovered>;
  forget(repository: string): void;
}

const dirOf = (path: string) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '');

export function createDiscoverer(): Discoverer {
  /** Per repository: the last root tree and its result; per directory, its tree id and its files' index. */
  const last = new Map<string, { root: string; result: Discovered }>();
  const dirs = new Map<string, Map<string, { id: string; files: FileIndex[] }>>();
  return {
    async scan(repo, ws) {
      const root = await ws.treeId('');
      const prev = last.get(repo.name);
      if (root !== null && prev?.root === root) return prev.result;
      const cache = dirs.get(repo.name) ?? new Map<string, { id: string; files: FileIndex[] }>();
      const byDir = new Map<string, string[]>();
      for (const p of (await ws.list('')).filter(isYamlFile)) byDir.set(dirOf(p), [...(byDir.get(dirOf(p)) ?? []), p]);
      const next = new Map<string, { id: string; files: FileIndex[] }>();
      for (const [dir, paths] of byDir) {
        const id = (await ws.treeId(dir)) ?? '';
        const was = cache.get(dir);
        if (was && was.id === id) {
          next.set(dir, was);
          continue;
        }
        const files: FileIndex[] = [];
        for (const p of paths) {
          const text = await ws.read(p);
          if (text !== null) files.push(indexFile(p, text, repo.maxManifestBytes));
        }
        next.set(dir, { id, files });
      }
      dirs.set(repo.name, next);
      const result = resolve(
        repo,
        [...next.values()].flatMap((d) => d.files),
      );
      if (root !== null) last.set(repo.name, { root, result });
      return result;
    },
    forget(repository) {
      last.delete(repository);
      dirs.delete(repository);
    },
  };
}

/** Fills in each found ScaledObject's repository and path; one whose workload file is missing or ambiguous is a problem. */
export function resolve(repo: RepositoryConfig, files: FileIndex[]): Discovered {
  const objects: DiscoveredObject[] = [];
  const problems: ConfigProblem[] = [];
  for (const f of files) {
    for (const so of f.scaledObjects) {
      const meta = isObj(so.raw.metadata) ? so.raw.metadata : {};
      const annotations = isObj(meta.annotations) ? meta.annotations : {};
      const spec = isObj(so.raw.spec) ? so.raw.spec : {};
      const ref = isObj(spec.scaleTargetRef) ? spec.scaleTargetRef : {};
      const namespace = typeof meta.namespace === 'string' ? meta.namespace : undefined;
      const key = `${namespace ?? 'default'}/${typeof meta.name === 'string' ? meta.name : '?'}`;
      const filled: Record<string, unknown> = { [ANNOTATION_REPOSITORY]: repo.name, ...annotations };
      // The workload is looked for here only when the ScaledObject writes into this repository.
      if (filled[ANNOTATION_PATH] === undefined && filled[ANNOTATION_REPOSITORY] === repo.name && typeof ref.name === 'string') {
        const kind = typeof ref.kind === 'string' ? ref.kind : 'Deployment';
        const choice = choosePath(so.path, `${kind} ${ref.name}`, filesDefining(files, kind, ref.name, namespace));
        if (!choice.ok) {
          problems.push({
            object: key,
            file: `${so.path} in repository ${repo.name}`,
            field: annotationField(ANNOTATION_PATH),
            message: choice.message,
            code: choice.code,
          });
          continue;
        }
        filled[ANNOTATION_PATH] = choice.path;
      }
      objects.push({ repository: repo.name, path: so.path, raw: { ...so.raw, metadata: { ...meta, annotations: filled } } });
    }
  }
  const triggerAuthentications = files.flatMap((f) =>
    f.triggerAuthentications.map((a) => ({ repository: repo.name, path: a.path, raw: a.raw })),
  );
  return { objects, triggerAuthentications, problems };
}
