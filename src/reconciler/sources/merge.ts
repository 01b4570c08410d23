// ScaledObjects and TriggerAuthentications from the cluster (`watch:`) and from `discover: true`
// repositories, beside the config file's: each change is merged into the file's config and
// validated the same way; an invalid object from the cluster or a repository is dropped (and
// reported), the others keep working.
import { parse } from 'yaml';
import type { KubeObject } from '../../cluster/index.js';
import type { Config, ConfigProblem } from '../../config/types.js';
import { validateConfig } from '../../config/validate.js';
import type { Discovered } from '../runtime/discover.js';
import { allAuths } from './auths.js';
import { checkLoaded, type LoadDeps } from './load.js';

/** What the cluster holds for gitscale: ScaledObjects, and the TriggerAuthentications they may name (kind set). */
export interface ClusterObjects {
  scaledObjects: KubeObject[];
  triggerAuthentications: KubeObject[];
}

/** What a ScaledObject from the cluster contributes to the config (no status, no server fields). */
function asConfigObject(o: KubeObject): Record<string, unknown> {
  const m = o.metadata;
  return {
    apiVersion: o.apiVersion,
    kind: 'ScaledObject',
    metadata: { name: m.name, namespace: m.namespace, annotations: m.annotations ?? {} },
    spec: o.spec,
  };
}

/** A ScaledObject's `namespace/name`, as config problems name it. */
const keyOf = (raw: Record<string, unknown>): string => {
  const m = (raw.metadata ?? {}) as { name?: unknown; namespace?: unknown };
  return `${typeof m.namespace === 'string' ? m.namespace : 'default'}/${typeof m.name === 'string' ? m.name : '?'}`;
};

export interface Merged {
  config: Config | null;
  /** The cluster's ScaledObjects that cannot run, and why. */
  problems: ConfigProblem[];
  /** The cluster's TriggerAuthentications that cannot be used. */
  authProblems: ConfigProblem[];
  /** ScaledObjects and TriggerAuthentications found in repositories (`discover: true`) that cannot be used, naming the file. */
  discoveredProblems: ConfigProblem[];
  /**
   * The warnings of the ScaledObjects found in repositories, naming the file: those the same object
   * in the config file gets; and the TriggerAuthentications committed there that another one shadows.
   */
  discoveredWarnings: ConfigProblem[];
  /** Their `*FromEnv` keys naming a variable gitscale's environment lacks (checked against the manifest by validate). */
  discoveredEnvMissing: ConfigProblem[];
  /** TriggerAuthentications from the cluster ignored: one of the same kind and name comes first (a repository's say so in discoveredWarnings). */
  shadowed: string[];
}

/**
 * The file's config with the cluster's objects and those found in repositories added. A
 * ScaledObject both committed in a discover repository and in the cluster (Argo CD or Flux applied
 * it) runs once, as found in Git (its status is still written in the cluster).
 */
export function mergeClusterObjects(
  fileText: string,
  file: string,
  cluster: ClusterObjects,
  deps: LoadDeps,
  found: Discovered[] = [],
): Merged {
  const doc = (parse(fileText, { logLevel: 'error' }) ?? {}) as Record<string, unknown>;
  const listed = Array.isArray(doc.scaledObjects) ? doc.scaledObjects : [];
  const fileAuths = Array.isArray(doc.triggerAuthentications) ? doc.triggerAuthentications : [];
  const auths = allAuths(fileAuths, cluster.triggerAuthentications, found);
  const discovered = found.flatMap((d) => d.objects);
  const where = new Map(discovered.map((o) => [keyOf(o.raw), `${o.path} in repository ${o.repository}`]));
  const fromCluster = cluster.scaledObjects.map(asConfigObject).filter((o) => !where.has(keyOf(o)));
  const r = checkLoaded(
    validateConfig(
      {
        ...doc,
        triggerAuthentications: [...fileAuths, ...auths.accepted],
        scaledObjects: [...listed, ...discovered.map((o) => o.raw), ...fromCluster],
      },
      file,
      auths.refused,
    ),
    deps,
  );
  const mine = new Set(fromCluster.map(keyOf));
  const inGit = (list: ConfigProblem[]) => list.filter((p) => where.has(p.object)).map((p) => ({ ...p, file: where.get(p.object)! }));
  return {
    config: r.config && withOrigins(r.config, cluster.scaledObjects, new Set(listed.map((o) => keyOf(o as Record<string, unknown>)))),
    problems: r.problems.filter((p) => mine.has(p.object)),
    authProblems: auths.clusterProblems,
    discoveredProblems: [...found.flatMap((d) => d.problems), ...auths.gitProblems, ...inGit(r.problems)],
    discoveredWarnings: [...auths.gitShadowed, ...inGit(r.warnings)],
    discoveredEnvMissing: inGit(r.envMissing),
    shadowed: auths.shadowed,
  };
}

/**
 * The ScaledObject in the cluster each object is (the first of that namespace and name), so the tick
 * writes its status and Events there: those from the cluster, and those found in a repository that
 * Argo CD or Flux applied. Not an object of the config file: one of the same name in the cluster is
 * refused as a duplicate, and says so on its own status.
 */
function withOrigins(config: Config, inCluster: KubeObject[], listed: Set<string>): Config {
  const byKey = new Map<string, KubeObject>();
  for (const o of inCluster) {
    const key = `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;
    if (!byKey.has(key)) byKey.set(key, o);
  }
  const objects = config.objects.map((obj) => {
    const o = byKey.get(obj.key);
    if (!o || listed.has(obj.key)) return obj;
    return {
      ...obj,
      origin: {
        apiVersion: o.apiVersion ?? 'gitscale.dev/v1alpha1',
        namespace: obj.namespace,
        name: obj.name,
        ...(o.metadata.uid ? { uid: o.metadata.uid } : {}),
      },
    };
  });
  return { ...config, objects };
}
