// Kustomizations in a repository that set a workload's count over the file that declares it (a
// patch or a replicas entry in an overlay). A workload file without spec.replicas holds the API
// server's default only where none does: otherwise an edit of that file would not reach what the
// overlay renders. Built once per repository head (root tree id) and only when asked.
import type { Workspace } from '../../git/types.js';
import { isKustomizationFile, renderedObjects } from '../../manifests/index.js';
import { withFiles } from './render-files.js';

/** One kustomization's count for an object declared in another file. */
export interface OverlaySetting {
  kustomization: string;
  kind: string;
  /** The name as the declaring file writes it. */
  name: string;
  n: number;
  /** Where the count is set, e.g. `overlays/prod/replicas.yaml (patches[0])`. */
  from: string;
}

/** Per reconciler: repository name → its root tree id and, by declaring file, what its kustomizations set. */
export type OverlayCache = Map<string, { tree: string | null; index: Promise<Map<string, OverlaySetting[]>> }>;

type Repo = Pick<Workspace, 'repository' | 'read' | 'list' | 'treeId'>;

async function build(ws: Repo): Promise<Map<string, OverlaySetting[]>> {
  const texts = new Map<string, string | null>();
  const out = new Map<string, OverlaySetting[]>();
  for (const k of (await ws.list('')).filter(isKustomizationFile)) {
    const r = await withFiles(
      (p) => ws.read(p),
      texts,
      (files) => renderedObjects(k, files),
    );
    // A kustomization gitscale cannot render (a remote base …) sets nothing it could name.
    if (r?.kind !== 'objects') continue;
    for (const o of r.objects) {
      if (o.count.kind !== 'set' || o.count.by === 'resource') continue;
      const list = out.get(o.file) ?? [];
      list.push({ kustomization: k, kind: o.kind, name: o.names[0], n: o.count.n, from: `${o.count.file} (${o.count.how})` });
      out.set(o.file, list);
    }
  }
  return out;
}

/** The kustomizations of `ws` that set the count of `kind`/`name` declared in `file`. */
export async function overlaysSetting(ws: Repo, cache: OverlayCache, file: string, kind: string, name: string): Promise<OverlaySetting[]> {
  const tree = await ws.treeId('');
  let known = cache.get(ws.repository);
  if (!known || known.tree !== tree) {
    known = { tree, index: build(ws) };
    cache.set(ws.repository, known);
    // A failed build is this tick's error, not a cached answer (nor a reason to drop a newer one).
    const mine = known;
    known.index.catch(() => {
      if (cache.get(ws.repository) === mine) cache.delete(ws.repository);
    });
  }
  return ((await known.index).get(file) ?? []).filter((s) => s.kind === kind && s.name === name);
}

/** `overlaysSetting` for one repository, as readCurrent asks for it. */
export const overlaysFor =
  (ws: Repo, cache: OverlayCache) =>
  (file: string, target: { kind: string; name: string }): Promise<OverlaySetting[]> =>
    overlaysSetting(ws, cache, file, target.kind, target.name);
