// ScaledObjects and TriggerAuthentications from the cluster (`watch:`), beside the config file's:
// gitscale.dev ScaledObjects and TriggerAuthentications in the watched namespaces (and
// ClusterTriggerAuthentications), and keda.sh ones when `watch.kedaObjects` (ScaledObjects only
// when they carry gitscale.dev/repository). Each change is merged into the file's config and
// validated the same way; an invalid cluster object is dropped (and reported), the others keep working.
import { parse } from 'yaml';
import { GITSCALE_SCALED_OBJECTS, KEDA_SCALED_OBJECTS, TRIGGER_AUTHENTICATIONS, changed, eventsFor, statusOf, type Happened, type KubeObject, type ObjectStatus, type Observed, type Resource, type Watching } from '../cluster/index.js';
import { ANNOTATION_REPOSITORY } from '../config/annotations.js';
import { validateTriggerAuthentications } from '../config/trigger-auth.js';
import type { Config, ConfigProblem, RepositoryConfig, WatchSettings } from '../config/types.js';
import { GitscaleError, errorMessage } from '../errors.js';
import { validateConfig } from '../config/validate.js';
import type { Logger } from '../log.js';
import type { Discovered } from '../reconciler/discover.js';
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

const authId = (kind: unknown, namespace: string | undefined, name: string) => (kind === 'ClusterTriggerAuthentication' ? `ClusterTriggerAuthentication ${name}` : `TriggerAuthentication ${namespace ?? 'default'}/${name}`);

/**
 * The cluster's TriggerAuthentications that can be used: each validated alone (one KEDA does not
 * support yet is refused, naming the field, and the ScaledObjects that name it say so); the config
 * file's own win over a cluster one of the same kind and name, and gitscale.dev's over keda.sh's.
 */
function clusterAuths(fileAuths: unknown[], objects: KubeObject[]): { accepted: Record<string, unknown>[]; problems: ConfigProblem[]; shadowed: string[] } {
  const fileIds = new Set(validateTriggerAuthentications(fileAuths, []).map((a) => authId(a.kind, a.namespace, a.name)));
  const seen = new Set<string>();
  const accepted: Record<string, unknown>[] = [];
  const problems: ConfigProblem[] = [];
  const shadowed: string[] = [];
  for (const o of objects) {
    const id = authId(o.kind, o.metadata.namespace, o.metadata.name);
    const raw = { kind: o.kind, metadata: { name: o.metadata.name, namespace: o.metadata.namespace }, spec: o.spec };
    if (fileIds.has(id) || seen.has(id)) {
      shadowed.push(`${id} (${o.apiVersion})`);
      continue;
    }
    seen.add(id);
    const found: { field: string; message: string; code: string }[] = [];
    validateTriggerAuthentications([raw], found);
    if (found.length) problems.push(...found.map((p) => ({ object: id, file: `${o.apiVersion} in the cluster`, field: p.field.replace(/^triggerAuthentications\[0\]\./, ''), message: p.message, code: p.code })));
    else accepted.push(raw);
  }
  return { accepted, problems, shadowed };
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
  /** ScaledObjects found in repositories (`discover: true`) that cannot run, naming the file. */
  discoveredProblems: ConfigProblem[];
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
  const auths = clusterAuths(fileAuths, cluster.triggerAuthentications);
  const discovered = found.flatMap((d) => d.objects);
  const where = new Map(discovered.map((o) => [keyOf(o.raw), `${o.path} in repository ${o.repository}`]));
  const fromCluster = cluster.scaledObjects.map(asConfigObject).filter((o) => !where.has(keyOf(o)));
  const r = checkLoaded(validateConfig({ ...doc, triggerAuthentications: [...fileAuths, ...auths.accepted], scaledObjects: [...listed, ...discovered.map((o) => o.raw), ...fromCluster] }, file), deps);
  const mine = new Set(fromCluster.map(keyOf));
  return {
    config: r.config,
    problems: r.problems.filter((p) => mine.has(p.object)),
    authProblems: auths.problems,
    discoveredProblems: [...found.flatMap((d) => d.problems), ...r.problems.filter((p) => where.has(p.object)).map((p) => ({ ...p, file: where.get(p.object)! }))],
    shadowed: auths.shadowed,
  };
}

/**
 * For once, plan and validate: the config with the ScaledObjects the `discover: true` repositories
 * hold now (`scan` syncs and scans one), and the problems of those that cannot run. A repository
 * that cannot be scanned is a problem of its own; the others go on.
 */
export async function discoverNow(config: Config, fileText: string, deps: LoadDeps, scan: (repo: RepositoryConfig) => Promise<Discovered>): Promise<{ config: Config; problems: ConfigProblem[] }> {
  const repos = config.repositories.filter((r) => r.discover);
  if (!repos.length) return { config, problems: [] };
  const problems: ConfigProblem[] = [];
  const found = await Promise.all(repos.map((r) => scan(r).catch((e: unknown): Discovered => {
    problems.push({ object: `repository ${r.name}`, file: config.file, field: `repositories[${config.repositories.indexOf(r)}].discover`, message: `cannot read its ScaledObjects: ${errorMessage(e)}`, code: e instanceof GitscaleError ? e.code : 'GIT_ERROR' });
    return { objects: [], problems: [] };
  })));
  const merged = mergeClusterObjects(fileText, config.file, { scaledObjects: [], triggerAuthentications: [] }, deps, found);
  return { config: merged.config ?? config, problems: [...problems, ...merged.discoveredProblems] };
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
