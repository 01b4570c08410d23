// `gitscale run`: a heartbeat (node-cron, every second, built by cli/) dispatches each object when
// its pollingInterval has passed on the injected clock, and a timer (`after`) beats again at the
// next object's due time, so a poll is not held to the heartbeat's whole seconds. A repository busy with a tick keeps its due
// objects waiting until it is free: ticks of one repository never overlap. stop() lets the tick in
// flight finish its write.
import { createHash } from 'node:crypto';
import type { Config, ObjectConfig } from '../../config/types.js';
import type { Logger } from '../../log.js';
import type { Reconciler } from './reconciler.js';
import type { ConfigChanges } from './reload.js';
import { anchor, dueObjects } from './schedule.js';
import type { ObjectResult } from '../types.js';

export interface Heartbeat {
  stop(): void;
}

export interface RunnerDeps {
  clock: { now(): number };
  log: Logger;
  heartbeat: (beat: () => void) => Heartbeat;
  /**
   * Calls `fn` after `ms` (cancelled by the function returned): the runner beats at the next due
   * time with it. Absent: beats come from the heartbeat and the end of ticks only.
   */
  after?: (ms: number, fn: () => void) => () => void;
  onResults?: (results: ObjectResult[]) => void;
  /** Leader election: only repositories this replica holds the Lease for are evaluated. */
  gate?: (repository: string) => boolean;
  /**
   * Spreads repositories over the pollingInterval: how far into its interval (0 ≤ ms < interval)
   * a repository's cadence sits. Its first tick is at once; the second comes that much early, and
   * from then on each repository ticks at its own phase, so a hundred repositories do not all poll
   * their endpoints in the same second. Absent: no spread.
   */
  phase?: (repository: string, intervalMs: number) => number;
}

/** A stable phase per repository name (from its SHA-1), evenly spread over the interval. */
export function hashPhase(repository: string, intervalMs: number): number {
  return (createHash('sha1').update(repository).digest().readUInt32BE(0) / 2 ** 32) * intervalMs;
}

export interface Runner {
  /** Runs one heartbeat now (also what the timer calls). */
  beat(): void;
  /** When the heartbeat last turned (the clock's time), for /healthz. */
  lastBeat(): number;
  /** Repositories whose first tick has ended (whatever its outcome), for /readyz. */
  ticked(): ReadonlySet<string>;
  /** A reloaded config: added and changed objects are due at the next beat, removed ones are dropped. */
  update(config: Config, changes: ConfigChanges): void;
  /** Ticks `key` at the next beat, outside its cadence (a deferred object whose trigger has answered). */
  wake(key: string): void;
  stop(): Promise<void>;
}

/** A `discover: true` repository with no object due is still synced and scanned this often. */
export const DISCOVER_EVERY_MS = 30_000;

export function startRunner(initial: Config, reconciler: Reconciler, deps: RunnerDeps): Runner {
  let config = initial;
  const lastRun = new Map<string, number>();
  const busy = new Map<string, Promise<void>>();
  const ticked = new Set<string>();
  /** discover repositories: when their last sync (tick or scan) started. */
  const scanned = new Map<string, number>();
  /** Objects to tick at the next beat without moving their cadence. */
  const woken = new Set<string>();
  let stopped = false;
  let last = deps.clock.now();
  let cancelNext: (() => void) | undefined;

  /** Arms `after` for the earliest due time still ahead among repositories free to tick. */
  function armNext(now: number): void {
    cancelNext?.();
    cancelNext = undefined;
    if (!deps.after || stopped) return;
    let next = Infinity;
    for (const o of config.objects) {
      const last = lastRun.get(o.key);
      if (last === undefined || busy.has(o.repository)) continue;
      const due = last + o.spec.pollingInterval * 1000;
      if (due > now && due < next) next = due;
    }
    if (next < Infinity) cancelNext = deps.after(next - now, beat);
  }

  function beat(): void {
    if (stopped) return;
    const now = deps.clock.now();
    last = now;
    const due = new Set(dueObjects(config.objects, lastRun, now));
    const dueByRepo = new Map<string, ObjectConfig[]>();
    for (const o of config.objects) {
      if (!due.has(o.key) && !woken.has(o.key)) continue;
      if (!dueByRepo.has(o.repository)) dueByRepo.set(o.repository, []);
      dueByRepo.get(o.repository)!.push(o);
    }
    for (const repo of config.repositories) {
      if (deps.gate && !deps.gate(repo.name)) {
        // Lost (or never held): its numbers belong to the replica that writes it now.
        if (ticked.delete(repo.name)) reconciler.standby(repo.name);
        continue;
      }
      if (busy.has(repo.name)) continue;
      const objects = dueByRepo.get(repo.name) ?? [];
      const keys = objects.map((o) => o.key);
      const scan = repo.discover && keys.length === 0 && now - (scanned.get(repo.name) ?? -Infinity) >= DISCOVER_EVERY_MS;
      if (keys.length === 0 && !scan) continue;
      for (const o of objects) {
        woken.delete(o.key);
        if (!due.has(o.key)) continue; // woken: its cadence stays
        const interval = o.spec.pollingInterval * 1000;
        const last = lastRun.get(o.key);
        lastRun.set(o.key, anchor(last, interval, now, last === undefined ? deps.phase?.(repo.name, interval) : undefined));
      }
      if (repo.discover) scanned.set(repo.name, now);
      const p = (scan ? reconciler.discover(repo.name).then(() => []) : reconciler.tick(keys))
        .then((results) => deps.onResults?.(results))
        .catch((e: unknown) => deps.log.error('tick failed', { repository: repo.name, error: (e as Error).message }))
        .finally(() => {
          busy.delete(repo.name);
          ticked.add(repo.name);
          // What fell due during the tick goes now, not at the next heartbeat (up to a second later).
          if (!stopped) setImmediate(beat);
        });
      busy.set(repo.name, p);
    }
    armNext(now);
  }

  const hb = deps.heartbeat(beat);
  beat();
  return {
    beat,
    lastBeat: () => last,
    ticked: () => ticked,
    wake: (key) => void woken.add(key),
    update(next, changes) {
      config = next;
      for (const k of [...changes.removed, ...changes.changed]) lastRun.delete(k);
    },
    async stop() {
      stopped = true;
      hb.stop();
      cancelNext?.();
      await Promise.allSettled([...busy.values()]);
    },
  };
}
