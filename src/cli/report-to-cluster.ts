// What `run` tells the cluster about its ScaledObjects (with `watch:` and a cluster): each one's
// status after its ticks, and Events for what happened to it (commits, pull requests, patches,
// errors); a ScaledObject refused by validation says why in both. Together, in one place, as the
// executor of the tick's cluster reports to come.
import { GITSCALE_SCALED_OBJECTS, KEDA_SCALED_OBJECTS, changed, eventsFor, statusOf, type Happened, type KubeObject, type ObjectStatus, type Observed } from '../cluster/index.js';
import { isPaused } from '../config/pause.js';
import type { Config, ConfigProblem } from '../config/types.js';
import type { Logger } from '../log.js';
import type { ObjectResult } from '../reconciler/types.js';
import type { ClusterAccess } from './kube.js';

const GITSCALE = GITSCALE_SCALED_OBJECTS;
const KEDA = KEDA_SCALED_OBJECTS;

/**
 * The status and Events of the cluster's ScaledObjects (`getObjects`: those the cluster holds now;
 * `getConfig`: the running config, for `paused`): `onResults` after each tick, `refused` for one
 * validation refused.
 */
export function clusterReporting(cluster: ClusterAccess, log: Logger, getObjects: () => KubeObject[], getConfig: () => Config) {
  const statuses = statusWriter(cluster, log);
  const events = eventRecorder(cluster, log);
  return {
    onResults(results: ObjectResult[]): void {
      for (const r of results) {
        const o = getObjects().find((x) => x.metadata.namespace === r.namespace && x.metadata.name === r.name);
        if (!o) continue;
        const error = r.error ? { code: r.errorCode ?? 'ERROR', message: r.error } : null;
        // What Git holds now: the decision once its commit landed (a pull request leaves Git as it was).
        void statuses.write(o, {
          error, active: r.triggers.some((t) => t.active),
          triggers: r.triggers.map((t, i) => ({ name: `s${i}-${t.name}`, failures: t.failures, fallback: t.fallback })),
          paused: isPaused(getConfig().objects.find((x) => x.key === r.key)?.spec.pause), gitReplicas: r.commit ? r.desired : r.current, desiredReplicas: r.desired,
          commit: r.commit, pullRequest: r.pullRequest?.url ?? null,
        });
        void events.record(o, {
          from: r.current, to: r.desired, commit: r.commit, pullRequest: r.pullRequest?.url ?? null, patch: r.patch, error,
        });
      }
    },
    /** A refused object says why in its own status (Ready=False), where `kubectl get gso` shows it. */
    refused(o: KubeObject, p: ConfigProblem): void {
      void statuses.write(o, { error: { code: p.code, message: `${p.field}: ${p.message}` }, active: false, paused: false, triggers: [], gitReplicas: null, desiredReplicas: null, commit: null, pullRequest: null });
      void events.record(o, { from: null, to: null, commit: null, pullRequest: null, patch: null, error: { code: p.code, message: `${p.field}: ${p.message}` } });
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
