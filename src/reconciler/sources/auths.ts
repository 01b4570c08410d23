// The TriggerAuthentications `run` merges into the file's, by precedence: the config file's, then
// the cluster's, then those committed in `discover: true` repositories; each validated alone, so
// one that cannot be used is refused (naming where it was read) and the others still serve.
import type { KubeObject } from '../../cluster/index.js';
import { authKey, validateTriggerAuthentications } from '../../config/trigger-auth.js';
import type { ConfigProblem } from '../../config/types.js';
import type { ConfigCode } from '../../errors.js';
import type { Discovered } from '../runtime/discover.js';

const authId = (kind: unknown, namespace: unknown, name: unknown) =>
  kind === 'ClusterTriggerAuthentication'
    ? `ClusterTriggerAuthentication ${String(name)}`
    : `TriggerAuthentication ${typeof namespace === 'string' ? namespace : 'default'}/${String(name)}`;

/** A TriggerAuthentication from the cluster or a repository: what KEDA reads of it, where it was read, and how the shadowed list names it. */
interface AuthSource {
  raw: { kind: unknown; metadata: { name?: unknown; namespace?: unknown }; spec: unknown };
  file: string;
  label: string;
}

/**
 * The TriggerAuthentications of one source that can be used, after those of the sources before it
 * (`taken`: id → the accepted one, normalised): each validated alone (one KEDA does not support yet
 * is refused, naming the field, and the ScaledObjects that name it say so). One whose kind and name
 * are taken is shadowed — silently when `quietWhenSame` and it says the same (Argo CD applied Git's).
 */
function layerAuths(taken: Map<string, { normal: string; file: string }>, sources: AuthSource[], quietWhenSame: boolean) {
  const accepted: Record<string, unknown>[] = [];
  const problems: ConfigProblem[] = [];
  /** Refused ones by validate's id (`Kind/namespace/name`), with why, for the ScaledObjects that name them. */
  const refused = new Map<string, string>();
  const shadowed: { id: string; label: string; file: string; by: string }[] = [];
  for (const s of sources) {
    const id = authId(s.raw.kind, s.raw.metadata.namespace, s.raw.metadata.name);
    const found: { field: string; message: string; code: ConfigCode }[] = [];
    const [auth] = validateTriggerAuthentications([s.raw], found);
    const normal = found.length || !auth ? '' : JSON.stringify(auth);
    const first = taken.get(id);
    if (first) {
      if (!(quietWhenSame && normal && first.normal === normal)) shadowed.push({ id, label: s.label, file: s.file, by: first.file });
      continue;
    }
    taken.set(id, { normal, file: s.file });
    if (found.length) {
      const own = found.map((p) => ({
        object: id,
        file: s.file,
        field: p.field.replace(/^triggerAuthentications\[0\]\./, ''),
        message: p.message,
        code: p.code,
      }));
      problems.push(...own);
      const kind = s.raw.kind === 'ClusterTriggerAuthentication' ? 'ClusterTriggerAuthentication' : 'TriggerAuthentication';
      const ns = typeof s.raw.metadata.namespace === 'string' ? s.raw.metadata.namespace : 'default';
      refused.set(authKey(kind, ns, String(s.raw.metadata.name)), `the one in ${s.file} is refused (${own[0].field}: ${own[0].message})`);
    } else accepted.push(s.raw);
  }
  return { accepted, problems, shadowed, refused };
}

/**
 * Every TriggerAuthentication the ScaledObjects may name, by precedence: the config file's, then
 * the cluster's (gitscale.dev before keda.sh), then those committed in `discover: true`
 * repositories (in the config's order of repositories, then by path). The cluster's is what KEDA
 * reads (a Kustomize overlay may have patched Git's on the way), so it wins over Git's copy.
 */
export function allAuths(fileAuths: unknown[], cluster: KubeObject[], found: Discovered[]) {
  const taken = new Map(
    validateTriggerAuthentications(fileAuths, []).map((a) => [
      authId(a.kind, a.namespace, a.name),
      { normal: JSON.stringify(a), file: 'the config file' },
    ]),
  );
  const fromCluster = layerAuths(
    taken,
    cluster.map((o) => ({
      raw: { kind: o.kind, metadata: { name: o.metadata.name, namespace: o.metadata.namespace }, spec: o.spec },
      file: `${o.apiVersion} in the cluster`,
      label: o.apiVersion ?? 'the cluster',
    })),
    false,
  );
  const committed = found.flatMap((d) => [...d.triggerAuthentications].sort((a, b) => a.path.localeCompare(b.path)));
  const fromGit = layerAuths(
    taken,
    committed.map((o) => ({
      raw: o.raw as AuthSource['raw'],
      file: `${o.path} in repository ${o.repository}`,
      label: `${o.path} in repository ${o.repository}`,
    })),
    true,
  );
  const gitShadowed = fromGit.shadowed.map((x): ConfigProblem => ({
    object: x.id,
    file: x.file,
    field: 'metadata.name',
    code: 'AUTH_SHADOWED',
    message: `ignored: the one in ${x.by} comes first (the config file's, then the cluster's, then the repositories' by path)`,
  }));
  return {
    accepted: [...fromCluster.accepted, ...fromGit.accepted],
    refused: new Map([...fromGit.refused, ...fromCluster.refused]),
    clusterProblems: fromCluster.problems,
    gitProblems: fromGit.problems,
    shadowed: fromCluster.shadowed.map((x) => `${x.id} (${x.label})`),
    gitShadowed,
  };
}
