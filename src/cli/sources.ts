// ScaledObjects from the cluster (`watch:`), beside the config file's: gitscale.dev ScaledObjects
// in the watched namespaces, and keda.sh ones that carry gitscale.dev/repository when
// `watch.kedaObjects`. Each change is merged into the file's config and validated the same way;
// an invalid cluster object is dropped (and reported), the others keep working.
import { parse } from 'yaml';
import { GITSCALE_SCALED_OBJECTS, KEDA_SCALED_OBJECTS, changed, eventsFor, statusOf, type Happened, type KubeObject, type ObjectStatus, type Observed, type Watching } from '../cluster/index.js';
import { ANNOTATION_REPOSITORY } from '../config/annotations.js';
import type { Config, ConfigProblem, WatchSettings } from '../config/types.js';
import { validateConfig } from '../config/validate.js';
import type { Logger } from '../log.js';
import { checkLoaded, type LoadDeps } from './load.js';
import type { ClusterAccess } from './kube.js';

const GITSCALE = GITSCALE_SCALED_OBJECTS;
const KEDA = KEDA_SCALED_OBJECTS;

/** What a ScaledObject from the cluster contributes to the config (no status, no server fields). */
function asConfigObject(o: KubeObject): Record<string, unknown> {
  const m = o.metadata;
  return { apiVersion: o.apiVersion, kind: 'ScaledObject', metadata: { name: m.name, namespace: m.namespace, annotations: m.annotations ?? {} }, spec: o.spec };
}

export function fromCluster(objects: KubeObject[], settings: WatchSettings): KubeObject[] {
  return objects.filter((o) => o.apiVersion === 'gitscale.dev/v1alpha1' || (settings.kedaObjects && o.apiVersion === 'keda.sh/v1alpha1' && !!o.metadata.annotations?.[ANNOTATION_REPOSITORY]));
}

/** The file's config with the cluster's ScaledObjects added; `problems` are the cluster objects' own. */
export function mergeClusterObjects(fileText: string, file: string, objects: KubeObject[], deps: LoadDeps): { config: Config | null; problems: ConfigProblem[] } {
  const doc = (parse(fileText) ?? {}) as Record<string, unknown>;
  const listed = Array.isArray(doc.scaledObjects) ? doc.scaledObjects : [];
  const r = checkLoaded(validateConfig({ ...doc, scaledObjects: [...listed, ...objects.map(asConfigObject)] }, file), deps);
  const mine = new Set(objects.map((o) => `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`));
  return { config: r.config, problems: r.problems.filter((p) => mine.has(p.object)) };
}

/** Watches the ScaledObjects `settings` names; `onChange` gets them all (debounced) after each change. */
export function watchScaledObjects(cluster: ClusterAccess, settings: WatchSettings, log: Logger, onChange: (objects: KubeObject[]) => void): { stop(): Promise<void> } {
  const lists = new Map<string, KubeObject[]>();
  let timer: NodeJS.Timeout | undefined;
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(() => onChange(fromCluster([...lists.values()].flat(), settings)), 200);
  };
  const scopes = settings.namespaces.includes('*') ? [undefined] : settings.namespaces;
  const kinds = settings.kedaObjects ? [GITSCALE, KEDA] : [GITSCALE];
  const watches: Watching[] = [];
  for (const r of kinds) {
    for (const ns of scopes) {
      const id = `${r.group}/${ns ?? '*'}`;
      watches.push(cluster.kube.watch(r, ns, (items) => {
        lists.set(id, items.map((o) => ({ ...o, apiVersion: o.apiVersion ?? `${r.group}/${r.version}` })));
        changed();
      }, (e) => log.warn('watching ScaledObjects failed: retrying', { resource: `scaledobjects.${r.group}`, namespace: ns ?? '*', error: e.message })));
    }
  }
  log.info('watching ScaledObjects', { namespaces: settings.namespaces, kedaObjects: settings.kedaObjects });
  return {
    async stop() {
      clearTimeout(timer);
      await Promise.all(watches.map((w) => w.stop()));
    },
  };
}

/**
 * Writes each cluster ScaledObject's status after its ticks: skipped when nothing changed, at most
 * one write per object every `minIntervalMs` (a change in between waits for the next tick).
 */
export function statusWriter(cluster: ClusterAccess, log: Logger, minIntervalMs = 2_000) {
  /** Per object: the status as of the last tick, and the last one written (and when). */
  const state = new Map<string, { latest?: ObjectStatus; written?: ObjectStatus; at: number }>();
  return {
    async write(o: KubeObject, observed: Observed): Promise<void> {
      const key = `${o.apiVersion}/${o.metadata.namespace}/${o.metadata.name}`;
      const now = cluster.clock.now();
      const st = state.get(key) ?? { at: -Infinity };
      const next = statusOf(observed, st.latest, now);
      st.latest = next;
      state.set(key, st);
      if (!changed(st.written, next) || now - st.at < minIntervalMs) return;
      const r = o.apiVersion === 'keda.sh/v1alpha1' ? KEDA : GITSCALE;
      try {
        await cluster.kube.patchStatus(r, o.metadata.namespace ?? 'default', o.metadata.name, next as unknown as Record<string, unknown>);
        st.written = next;
        st.at = now;
      } catch (e) {
        log.warn('ScaledObject status not written', { object: `${o.metadata.namespace}/${o.metadata.name}`, error: (e as Error).message });
      }
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
