// Which objects are due: each at its own pollingInterval, measured on the injected clock.
import type { ObjectConfig } from '../config/types.js';

export function dueObjects(objects: ObjectConfig[], lastRun: Map<string, number>, now: number): string[] {
  return objects.filter((o) => {
    const last = lastRun.get(o.key);
    return last === undefined || now - last >= o.spec.pollingInterval * 1000;
  }).map((o) => o.key);
}

/**
 * When a dispatched object counts as last run: its due time, so its polls keep their cadence (the
 * one-second heartbeat turning a little after the due time does not push every later poll back);
 * `now` when it was overdue by a whole interval or more (a busy repository, a restart). A first run
 * counts `phase` ms early (0 ≤ phase < interval), so its second poll comes that much sooner and the
 * object keeps that phase of the interval from then on.
 */
export function anchor(last: number | undefined, intervalMs: number, now: number, phase = 0): number {
  if (last === undefined) return now - Math.min(Math.max(0, phase), intervalMs - 1);
  const due = last + intervalMs;
  return now >= due && now - due < intervalMs ? due : now;
}
