// Which objects are due: each at its own pollingInterval, measured on the injected clock.
import type { ObjectConfig } from '../../config/types.js';

/**
 * How early a beat may dispatch an object: a timer armed for its due time may fire a few ms before
 * the wall clock gets there (timers run on a monotonic clock), and it should not wait for the next.
 */
export const earlyBy = (intervalMs: number): number => Math.min(20, intervalMs / 2);

export function dueObjects(objects: ObjectConfig[], lastRun: Map<string, number>, now: number): string[] {
  return objects
    .filter((o) => {
      const last = lastRun.get(o.key);
      const interval = o.spec.pollingInterval * 1000;
      return last === undefined || now - last >= interval - earlyBy(interval);
    })
    .map((o) => o.key);
}

/**
 * When a dispatched object counts as last run: its due time, so its polls keep their cadence (the
 * beat turning a little after the due time, or up to `earlyBy` before it, does not
 * move every later poll); `now` when it was overdue by a whole interval or more (a busy repository,
 * a restart), or dispatched well before its time (a reloaded object). A first run
 * counts `phase` ms early (0 ≤ phase < interval), so its second poll comes that much sooner and the
 * object keeps that phase of the interval from then on.
 */
export function anchor(last: number | undefined, intervalMs: number, now: number, phase = 0): number {
  if (last === undefined) return now - Math.min(Math.max(0, phase), intervalMs - 1);
  const due = last + intervalMs;
  return now >= due - earlyBy(intervalMs) && now - due < intervalMs ? due : now;
}
