// ScaledObjects and TriggerAuthentications from the cluster (`watch:`), beside the config file's:
// gitscale.dev ScaledObjects and TriggerAuthentications in the watched namespaces (and
// ClusterTriggerAuthentications), and keda.sh ones when `watch.kedaObjects` (ScaledObjects only
// when they carry gitscale.dev/repository). Each change is merged into the file's config and
// validated the same way; an invalid cluster object is dropped (and reported), the others keep working.
import { parse } from 'yaml';
import { GITSCALE_SCALED_OBJECTS, KEDA_SCALED_OBJECTS, TRIGGER_AUTHENTICATIONS, changed, eventsFor, statusOf, type Happened, type KubeObject, type ObjectStatus, type Observed, type Resource, type Watching } from '../cluster/index.js';
import { ANNOTATION_REPOSITORY } from '../config/annotations.js';
import { authKey, validateTriggerAuthentications } from '../config/trigger-auth.js';
import type { Config, ConfigProblem, RepositoryConfig, WatchSettings } from '../config/types.js';
import { GitscaleError, errorMessage, type ConfigCode } from '../errors.js';
import { validateConfig } from '../config/validate.js';
import type { Logger } from '../log.js';
import type { Discovered } from '../reconciler/runtime/discover.js';
import { checkLoaded, type LoadDeps } from './load.js';
import type { ClusterAccess } from './kube.js';

const GITSCALE = GITSCALE_SCALED_OBJECTS;
const KEDA = KEDA_SCALED_OBJECTS;

/** What the cluster holds for gitscale: ScaledObjects, and the TriggerAuthentications they may name (kind set). */
export interface ClusterObjects {
  scaledObjects: KubeObject[];
  triggerAuthentications: KubeObject[];
}

/** What a ScaledObject from the cluster contributes to the config (no status, no server fields). */
function asConfigObject(o: KubeObject): Record<string, unknown> {
  const m = o.metadata;
  return { apiVersion: o.apiVersion, kind: 'ScaledObject', metadata: { name: m.name, namespace: m.namespace, annotations: m.annotations ?? {} }, spec: o.spec };
}

export function fromCluster(objects: KubeObject[], settings: WatchSettings): KubeObject[] {
  return objects.filter((o) => o.apiVersion === 'gitscale.dev/v1alpha1' || (settings.kedaObjects && o.apiVersion === 'keda.sh/v1alpha1' && !!o.metadata.annotations?.[ANNOTATION_REPOSITORY]));
}

const authId = (kind: unknown, namespace: unknown, name: unknown) => (kind === 'ClusterTriggerAuthentication' ? `ClusterTriggerAuthentication ${String(name)}` : `TriggerAuthentication ${typeof namespace === 'string' ? namespace : 'default'}/${String(name)}`);

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
      const own = found.map((p) => ({ object: id, file: s.file, field: p.field.replace(/^triggerAuthentications\[0\]\./, ''), message: p.message, code: p.code }));
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
function allAuths(fileAuths: unknown[], cluster: KubeObject[], found: Discovered[]) {
  const taken = new Map(validateTriggerAuthentications(fileAuths, []).map((a) => [authId(a.kind, a.namespace, a.name), { normal: JSON.stringify(a), file: 'the config file' }]));
  const fromCluster = layerAuths(taken, cluster.map((o) => ({ raw: { kind: o.kind, metadata: { name: o.metadata.name, namespace: o.metadata.namespace }, spec: o.spec }, file: `${o.apiVersion} in the cluster`, label: o.apiVersion ?? 'the cluster' })), false);
  const committed = found.flatMap((d) => [...d.triggerAuthentications].sort((a, b) => a.path.localeCompare(b.path)));
  const fromGit = layerAuths(taken, committed.map((o) => ({ raw: o.raw as AuthSource['raw'], file: `${o.path} in repository ${o.repository}`, label: `${o.path} in repository ${o.repository}` })), true);
  const gitShadowed = fromGit.shadowed.map((x): ConfigProblem => ({
    object: x.id, file: x.file, field: 'metadata.name', code: 'AUTH_SHADOWED',
    message: `ignored: the one in ${x.by} comes first (the config file's, then the cluster's, then the repositories' by path)`,
  }));
  return { accepted: [...fromCluster.accepted, ...fromGit.accepted], refused: new Map([...fromGit.refused, ...fromCluster.refused]), clusterProblems: fromCluster.problems, gitProblems: fromGit.problems, shadowed: fromCluster.shadowed.map((x) => `${x.id} (${x.label})`), gitShadowed };
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
export function mergeClusterObjects(fileText: string, file: string, cluster: ClusterObjects, deps: LoadDeps, found: Discovered[] = []): Merged {
  const doc = (parse(fileText, { logLevel: 'error' }) ?? {}) as Record<string, unknown>;
  const listed = Array.isArray(doc.scaledObjects) ? doc.scaledObjects : [];
  const fileAuths = Array.isArray(doc.triggerAuthentications) ? doc.triggerAuthentications : [];
  const auths = allAuths(fileAuths, cluster.triggerAuthentications, found);
  const discovered = found.flatMap((d) => d.objects);
  const where = new Map(discovered.map((o) => [keyOf(o.raw), `${o.path} in repository ${o.repository}`]));
  const fromCluster = cluster.scaledObjects.map(asConfigObject).filter((o) => !where.has(keyOf(o)));
  const r = checkLoaded(validateConfig({ ...doc, triggerAuthentications: [...fileAuths, ...auths.accepted], scaledObjects: [...listed, ...discovered.map((o) => o.raw), ...fromCluster] }, file, auths.refused), deps);
  const mine = new Set(fromCluster.map(keyOf));
  const inGit = (list: ConfigProblem[]) => list.filter((p) => where.has(p.object)).map((p) => ({ ...p, file: where.get(p.object)! }));
  return {
    config: r.config,
    problems: r.problems.filter((p) => mine.has(p.object)),
    authProblems: auths.clusterProblems,
    discoveredProblems: [...found.flatMap((d) => d.problems), ...auths.gitProblems, ...inGit(r.problems)],
    discoveredWarnings: [...auths.gitShadowed, ...inGit(r.warnings)],
    discoveredEnvMissing: inGit(r.envMissing),
    shadowed: auths.shadowed,
  };
}

/**
 * For once, plan and validate: the config with the ScaledObjects the `discover: true` repositories
 * hold now (`scan` syncs and scans one), and the problems of those that cannot run. A repository
 * that cannot be scanned is a problem of its own; the others go on.
 */
export interface DiscoveredNow {
  config: Config;
  problems: ConfigProblem[];
  warnings: ConfigProblem[];
  envMissing: ConfigProblem[];
}

export async function discoverNow(config: Config, fileText: string, deps: LoadDeps, scan: (repo: RepositoryConfig) => Promise<Discovered>): Promise<DiscoveredNow> {
  const repos = config.repositories.filter((r) => r.discover);
  if (!repos.length) return { config, problems: [], warnings: [], envMissing: [] };
  const problems: ConfigProblem[] = [];
  const found = await Promise.all(repos.map((r) => scan(r).catch((e: unknown): Discovered => {
    problems.push({ object: `repository ${r.name}`, file: config.file, field: `repositories[${config.repositories.indexOf(r)}].discover`, message: `cannot read its ScaledObjects: ${errorMessage(e)}`, code: e instanceof GitscaleError ? e.code : 'GIT_ERROR' });
    return { objects: [], triggerAuthentications: [], problems: [] };
  })));
  const merged = mergeClusterObjects(fileText, config.file, { scaledObjects: [], triggerAuthentications: [] }, deps, found);
  return { config: merged.config ?? config, problems: [...problems, ...merged.discoveredProblems], warnings: merged.discoveredWarnings, envMissing: merged.discoveredEnvMissing };
}

/** Watches what `settings` names; `onChange` gets it all (debounced) after each change. */
export function watchScaledObjects(cluster: ClusterAccess, settings: WatchSettings, log: Logger, onChange: (objects: ClusterObjects) => void): { stop(): Promise<void> } {
  const lists = new Map<string, KubeObject[]>();
  const auths = new Map<string, KubeObject[]>();
  let timer: NodeJS.Timeout | undefined;
  const changed = () => {
    clearTimeout(timer);
    // In lookup order (TRIGGER_AUTHENTICATIONS), whatever order the watches answered in.
    const order = [...auths.keys()].sort();
    timer = setTimeout(() => onChange({ scaledObjects: fromCluster([...lists.values()].flat(), settings), triggerAuthentications: order.flatMap((k) => auths.get(k)!) }), 200);
  };
  const scopes = settings.namespaces.includes('*') ? [undefined] : settings.namespaces;
  const watches: Watching[] = [];
  const watch = (r: Resource, ns: string | undefined, into: Map<string, KubeObject[]>, id: string, kind: string) => {
    watches.push(cluster.kube.watch(r, ns, (items) => {
      into.set(id, items.map((o) => ({ ...o, apiVersion: o.apiVersion ?? `${r.group}/${r.version}`, kind })));
      changed();
    }, (e) => log.warn('watching the cluster failed: retrying', { resource: `${r.plural}.${r.group}`, namespace: ns ?? '*', error: e.message })));
  };
  for (const r of settings.kedaObjects ? [GITSCALE, KEDA] : [GITSCALE]) for (const ns of scopes) watch(r, ns, lists, `${r.group}/${ns ?? '*'}`, 'ScaledObject');
  TRIGGER_AUTHENTICATIONS.forEach(({ kind, resource: r }, i) => {
    if (r.group === 'keda.sh' && !settings.kedaObjects) return;
    for (const ns of kind === 'ClusterTriggerAuthentication' ? [undefined] : scopes) watch(r, ns, auths, `${i}/${ns ?? '*'}`, kind);
  });
  log.info('watching ScaledObjects', { namespaces: settings.namespaces, kedaObjects: settings.kedaObjects, triggerAuthentications: true });
  return {
    async stop() {
      clearTimeout(timer);
      await Promise.all(watches.map((w) => w.stop()));
    },
  };
}

/**
 * Writes each cluster ScaledObject's status after its ticks: skipped when nothing changed, at most
 * one write per object every `minIntervalMs`; a change inside that window is written when it ends
 * (the latest one), not lost — an object refused meanwhile has no next tick to carry it.
 */
export function statusWriter(cluster: ClusterAccess, log: Logger, minIntervalMs = 2_000) {
  /** Per object: the status as of the last tick, the last one written (and when), a deferred write. */
  const state = new Map<string, { latest?: ObjectStatus; written?: ObjectStatus; at: number; deferred?: NodeJS.Timeout; o?: KubeObject }>();
  const flush = async (key: string): Promise<void> => {
    const st = state.get(key)!;
    const next = st.latest!;
    const o = st.o!;
    if (!changed(st.written, next)) return;
    const r = o.apiVersion === 'keda.sh/v1alpha1' ? KEDA : GITSCALE;
    st.at = cluster.clock.now();
    try {
      await cluster.kube.patchStatus(r, o.metadata.namespace ?? 'default', o.metadata.name, next as unknown as Record<string, unknown>);
      st.written = next;
    } catch (e) {
      log.warn('ScaledObject status not written', { object: `${o.metadata.namespace}/${o.metadata.name}`, error: (e as Error).message });
    }
  };
  return {
    async write(o: KubeObject, observed: Observed): Promise<void> {
      const key = `${o.apiVersion}/${o.metadata.namespace}/${o.metadata.name}`;
      const now = cluster.clock.now();
      const st = state.get(key) ?? { at: -Infinity };
      st.latest = statusOf(observed, st.latest, now);
      st.o = o;
      state.set(key, st);
      if (!changed(st.written, st.latest) || st.deferred) return;
      const wait = st.at + minIntervalMs - now;
      if (wait <= 0) return flush(key);
      st.deferred = setTimeout(() => {
        st.deferred = undefined;
        void flush(key);
      }, wait);
      st.deferred.unref();
    },
  };
}

/**
 * Events on the cluster's ScaledObjects (commits, pull requests, patches, errors), each emitted once
 * while it says the same thing (the event recorder's deduplication, by reason and message).
 */
export function eventRecorder(cluster: ClusterAccess, log: Logger) {
  const lastSaid = new Map<string, string>();
  return {
    async record(o: KubeObject, h: Happened): Promise<void> {
      const key = `${o.apiVersion}/${o.metadata.namespace}/${o.metadata.name}`;
      for (const e of eventsFor(h)) {
        const id = `${key}#${e.reason}`;
        if (lastSaid.get(id) === e.message) continue;
        lastSaid.set(id, e.message);
        const regarding = { apiVersion: o.apiVersion ?? 'gitscale.dev/v1alpha1', kind: 'ScaledObject', namespace: o.metadata.namespace ?? 'default', name: o.metadata.name, uid: o.metadata.uid };
        await cluster.kube.createEvent({ regarding, ...e, at: cluster.clock.now() }).catch((err: unknown) => log.warn('ScaledObject event not recorded', { object: `${regarding.namespace}/${regarding.name}`, reason: e.reason, error: (err as Error).message }));
      }
    },
  };
}
