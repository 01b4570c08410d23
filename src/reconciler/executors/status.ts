// The status executor (docs/architecture.md §2): each ScaledObject that came from the cluster gets,
// after its tick, its status (what Git holds, the decision, conditions, per-trigger health) and an
// Event for each thing that happened (a commit, a pull request, a scale patch, an error), as KEDA
// writes its own. A status is written only when it changed, at most once per object every
// `minIntervalMs`; a change inside that window is written when it ends (the latest one), not lost
// — an object refused meanwhile has no next tick to carry it. An Event is emitted once while it
// says the same thing (the event recorder's deduplication, by reason and message).
import { changed, eventsFor, statusOf, type Happened, type Kube, type ObjectStatus, type Observed } from '../../cluster/index.js';
import { GITSCALE_SCALED_OBJECTS, KEDA_SCALED_OBJECTS } from '../../cluster/index.js';
import { errorMessage, type ErrorCode } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { ObjectResult } from '../types.js';

/** The ScaledObject in the cluster an object came from (or that a repository's object is applied as). */
export interface ClusterOrigin {
  apiVersion: string;
  namespace: string;
  name: string;
  uid?: string;
}

/** Per object: the status as of its last tick, the last one written (and when), and the Events said. */
export interface ReportMemo {
  latest?: ObjectStatus;
  written?: ObjectStatus;
  at: number;
  deferred: boolean;
  said: Map<string, string>;
}

export const newReportMemo = (): ReportMemo => ({ at: -Infinity, deferred: false, said: new Map() });

export interface ReportDeps {
  kube: Pick<Kube, 'patchStatus' | 'createEvent'>;
  clock: { now(): number };
  log: Logger;
  /** Runs `fn` in `ms` (a timer that never keeps the process alive). */
  after(ms: number, fn: () => void): void;
  /** At most one status write per object in this time (default 2 s). */
  minIntervalMs?: number;
}

export interface ClusterReporter {
  status(memo: ReportMemo, o: ClusterOrigin, observed: Observed): Promise<void>;
  events(memo: ReportMemo, o: ClusterOrigin, h: Happened): Promise<void>;
}

const id = (o: ClusterOrigin) => `${o.namespace}/${o.name}`;

export function clusterReporter(d: ReportDeps): ClusterReporter {
  const minIntervalMs = d.minIntervalMs ?? 2_000;
  const flush = async (memo: ReportMemo, o: ClusterOrigin): Promise<void> => {
    const next = memo.latest!;
    if (!changed(memo.written, next)) return;
    memo.at = d.clock.now();
    try {
      await d.kube.patchStatus(
        o.apiVersion === 'keda.sh/v1alpha1' ? KEDA_SCALED_OBJECTS : GITSCALE_SCALED_OBJECTS,
        o.namespace,
        o.name,
        next as unknown as Record<string, unknown>,
      );
      memo.written = next;
    } catch (e) {
      d.log.warn('ScaledObject status not written', { object: id(o), error: errorMessage(e) });
    }
  };
  return {
    async status(memo, o, observed) {
      const now = d.clock.now();
      memo.latest = statusOf(observed, memo.latest, now);
      if (!changed(memo.written, memo.latest) || memo.deferred) return;
      const wait = memo.at + minIntervalMs - now;
      if (wait <= 0) return flush(memo, o);
      memo.deferred = true;
      d.after(wait, () => {
        memo.deferred = false;
        void flush(memo, o);
      });
    },
    async events(memo, o, h) {
      for (const e of eventsFor(h)) {
        if (memo.said.get(e.reason) === e.message) continue;
        memo.said.set(e.reason, e.message);
        const regarding = { apiVersion: o.apiVersion, kind: 'ScaledObject', namespace: o.namespace, name: o.name, uid: o.uid };
        await d.kube
          .createEvent({ regarding, ...e, at: d.clock.now() })
          .catch((err: unknown) =>
            d.log.warn('ScaledObject event not recorded', { object: id(o), reason: e.reason, error: errorMessage(err) }),
          );
      }
    },
  };
}

/** The result's error as a status and an Event carry it (null: none). */
const errorOf = (r: ObjectResult): Observed['error'] => (r.error ? { code: r.errorCode ?? 'INTERNAL', message: r.error } : null);

/** What a tick's result says on the object's status; Git holds the decision once its commit landed (a pull request leaves Git as it was). */
export function observedOf(r: ObjectResult, paused: boolean): Observed {
  return {
    error: errorOf(r),
    active: r.triggers.some((t) => t.active),
    triggers: r.triggers.map((t, i) => ({ name: `s${i}-${t.name}`, failures: t.failures, fallback: t.fallback })),
    paused,
    gitReplicas: r.commit ? r.desired : r.current,
    desiredReplicas: r.desired,
    commit: r.commit,
    pullRequest: r.pullRequest?.url ?? null,
  };
}

export function happenedOf(r: ObjectResult): Happened {
  return {
    from: r.current,
    to: r.desired,
    commit: r.commit,
    pullRequest: r.pullRequest?.url ?? null,
    patch: r.patch,
    error: errorOf(r),
  };
}

/** A refused object (it does not run): why, on its status (Ready=False) and as an Event. */
export function refusal(p: { code: ErrorCode; field: string; message: string }): { observed: Observed; happened: Happened } {
  const error = { code: p.code, message: `${p.field}: ${p.message}` };
  return {
    observed: {
      error,
      active: false,
      paused: false,
      triggers: [],
      gitReplicas: null,
      desiredReplicas: null,
      commit: null,
      pullRequest: null,
    },
    happened: { from: null, to: null, commit: null, pullRequest: null, patch: null, error },
  };
}
