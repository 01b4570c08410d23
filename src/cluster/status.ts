// The status a person reads on a ScaledObject from the cluster (`kubectl get gso`), as KEDA writes
// its own: conditions Ready / Active / Fallback / Paused with reasons, per-trigger health, plus
// gitscale's Git and desired replicas, the last commit and the open pull request. Pure: what to write, and whether anything
// changed since the last write (lastTransitionTime moves only when a condition's status does).
import type { ErrorCode } from '../errors.js';

export interface Condition {
  type: 'Ready' | 'Active' | 'Fallback' | 'Paused';
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime?: string;
}

/** KEDA's status.health entry, per trigger (keyed by its metric name `s<index>-<trigger name>`, as on /metrics). */
export interface Health {
  numberOfFailures: number;
  status: 'Happy' | 'Failing';
}

export interface ObjectStatus {
  conditions: Condition[];
  health?: Record<string, Health>;
  gitReplicas?: number;
  desiredReplicas?: number;
  lastActiveTime?: string;
  lastCommit?: { sha: string; time: string };
  pullRequest?: string;
}

/** What one tick (or a refusal) says about an object. */
export interface Observed {
  /** null: decided; else why not (a refused object, or a tick's error), with its code. */
  error: { code: ErrorCode; message: string } | null;
  active: boolean;
  paused: boolean;
  /** Each trigger sampled this tick: its consecutive failures and whether it stands in with the fallback metric (none: not sampled). */
  triggers: { name: string; failures: number; fallback: boolean }[];
  gitReplicas: number | null;
  desiredReplicas: number | null;
  commit: string | null;
  pullRequest: string | null;
}

export function statusOf(o: Observed, prev: ObjectStatus | undefined, now: number): ObjectStatus {
  const at = new Date(now).toISOString();
  const cond = (type: Condition['type'], status: Condition['status'], reason: string, message: string): Condition => {
    const old = prev?.conditions?.find((c) => c.type === type);
    return { type, status, reason, message, lastTransitionTime: old && old.status === status ? (old.lastTransitionTime ?? at) : at };
  };
  // Not sampled this tick (refused, or failed before its triggers): health and fallback as they were.
  const health = o.triggers.length
    ? Object.fromEntries(
        o.triggers.map((t): [string, Health] => [t.name, { numberOfFailures: t.failures, status: t.failures > 0 ? 'Failing' : 'Happy' }]),
      )
    : prev?.health;
  const falling = o.triggers.filter((t) => t.fallback).map((t) => t.name);
  const prevFallback = prev?.conditions?.find((c) => c.type === 'Fallback');
  const s: ObjectStatus = {
    conditions: [
      o.error
        ? cond('Ready', 'False', o.error.code, o.error.message.slice(0, 1024))
        : cond('Ready', 'True', 'ScaledObjectReady', 'gitscale decides and writes this ScaledObject'),
      o.error && o.gitReplicas === null
        ? cond('Active', 'Unknown', 'NotDecided', 'no decision yet')
        : o.active
          ? cond('Active', 'True', 'ScalerActive', 'a trigger is active')
          : cond('Active', 'False', 'ScalerNotActive', 'no trigger is active'),
      !o.triggers.length && prevFallback
        ? prevFallback
        : falling.length
          ? cond('Fallback', 'True', 'FallbackExists', `at least one trigger is falling back on this ScaledObject: ${falling.join(', ')}`)
          : cond('Fallback', 'False', 'NoFallbackFound', 'no fallbacks are active on this ScaledObject'),
      o.paused
        ? cond('Paused', 'True', 'ScaledObjectPaused', 'paused by autoscaling.keda.sh annotations')
        : cond('Paused', 'False', 'ScaledObjectUnpaused', 'not paused'),
    ],
  };
  if (health && Object.keys(health).length) s.health = health;
  if (o.gitReplicas !== null) s.gitReplicas = o.gitReplicas;
  else if (prev?.gitReplicas !== undefined) s.gitReplicas = prev.gitReplicas;
  if (o.desiredReplicas !== null) s.desiredReplicas = o.desiredReplicas;
  else if (prev?.desiredReplicas !== undefined) s.desiredReplicas = prev.desiredReplicas;
  const lastActive = o.active ? at : prev?.lastActiveTime;
  if (lastActive) s.lastActiveTime = lastActive;
  const commit = o.commit ? { sha: o.commit, time: at } : prev?.lastCommit;
  if (commit) s.lastCommit = commit;
  if (o.pullRequest) s.pullRequest = o.pullRequest;
  return s;
}

/** Worth a write? Not when only lastActiveTime moved (it moves every active tick; written with the next real change). */
export function changed(prev: ObjectStatus | undefined, next: ObjectStatus): boolean {
  if (!prev) return true;
  const strip = (s: ObjectStatus) => JSON.stringify({ ...s, lastActiveTime: undefined });
  return strip(prev) !== strip(next);
}

/** What happened to an object in a tick, for its Events. */
export interface Happened {
  from: number | null;
  to: number | null;
  commit: string | null;
  pullRequest: string | null;
  /** What became of a direct scale patch, in words. */
  patch: string | null;
  error: { code: ErrorCode; message: string } | null;
}

export interface ObjectEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** The Events a tick's outcome deserves on its ScaledObject (the caller drops repeats). */
export function eventsFor(h: Happened): ObjectEvent[] {
  const out: ObjectEvent[] = [];
  if (h.commit)
    out.push({
      type: 'Normal',
      reason: 'Committed',
      message: `replicas ${h.from} → ${h.to} committed to Git (commit ${h.commit.slice(0, 12)})`,
    });
  if (h.pullRequest)
    out.push({ type: 'Normal', reason: 'PullRequest', message: `replicas ${h.from} → ${h.to} waiting for review: ${h.pullRequest}` });
  if (h.patch)
    out.push({
      type: h.patch.startsWith('patch failed') ? 'Warning' : 'Normal',
      reason: h.patch.startsWith('patched') ? 'ScaledFromZero' : 'ScalePatch',
      message: h.patch.slice(0, 1024),
    });
  if (h.error) out.push({ type: 'Warning', reason: 'Failed', message: `${h.error.code}: ${h.error.message}`.slice(0, 1024) });
  return out;
}
