// Finds the file that holds an object's replica field: the file `gitscale.dev/path` names, or,
// when it names a directory, the one YAML file under it carrying the object's marker comment
// (`# {"$gitscale": "<namespace>/<name>"}`). Files are screened by substring before parsing, and
// the answer is kept while the directory's tree id is unchanged.
import type { ObjectConfig } from '../../config/types.js';
import { ManifestError } from '../../errors.js';
import type { Workspace } from '../../git/types.js';
import { findMarker, mayHoldMarker, type WorkloadTarget } from '../../manifests/index.js';
import type { Marker } from '../state.js';

export interface Located {
  file: string;
  text: string;
}

const YAML = /\.ya?ml$/i;

export function workloadTarget(obj: ObjectConfig): WorkloadTarget {
  return {
    kind: obj.target.kind,
    name: obj.target.name,
    namespace: obj.namespace,
    field: obj.field,
    object: obj.key,
    ...(obj.maxManifestBytes === undefined ? {} : { maxBytes: obj.maxManifestBytes }),
  };
}

/** The workload an object scales, as the cluster names it (scaleTargetRef in the object's namespace). */
export function workloadRef(obj: ObjectConfig): { apiVersion: string; kind: string; namespace: string; name: string } {
  return { apiVersion: obj.target.apiVersion, kind: obj.target.kind, namespace: obj.namespace, name: obj.target.name };
}

/** `memo.marker`: where the marker was found last (kept there while the directory is unchanged). */
export async function locateTarget(obj: ObjectConfig, ws: Workspace, memo: { marker?: Marker }): Promise<Located> {
  const direct = obj.path ? await ws.read(obj.path) : null;
  if (direct !== null) return { file: obj.path, text: direct };
  const where = obj.path || '(repository root)';
  const tree = await ws.treeId(obj.path);
  if (tree === null) {
    throw new ManifestError('MANIFEST_FILE_NOT_FOUND', `${obj.key}: ${where} is not in repository '${obj.repository}'`, {
      file: obj.path,
      object: obj.key,
    });
  }
  const known = memo.marker;
  if (known && known.tree === tree) {
    const text = await ws.read(known.file);
    if (text !== null) return { file: known.file, text };
  }
  const found: Located[] = [];
  for (const file of (await ws.list(obj.path)).filter((f) => YAML.test(f))) {
    const text = await ws.read(file);
    if (text === null || !mayHoldMarker(text, obj.key)) continue;
    // A marker that is there but cannot be used (two scalars, not an integer …) throws: this object's error.
    if (findMarker(text, workloadTarget(obj), file)) found.push({ file, text });
  }
  if (found.length === 0) {
    throw new ManifestError(
      'MARKER_NOT_FOUND',
      `${obj.key}: no YAML file under ${where} carries a marker comment # {"$gitscale": "${obj.key}"}`,
      { file: obj.path, object: obj.key },
    );
  }
  if (found.length > 1) {
    throw new ManifestError(
      'MARKER_AMBIGUOUS',
      `${obj.key}: the marker # {"$gitscale": "${obj.key}"} is in ${found.length} files: ${found.map((f) => f.file).join(', ')}`,
      { file: obj.path, object: obj.key },
    );
  }
  memo.marker = { tree, file: found[0].file };
  return found[0];
}
