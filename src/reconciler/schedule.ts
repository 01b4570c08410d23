// Which objects are due: each at its own pollingInterval, measured on the injected clock.
import type { ObjectConfig } from '../config/types.js';

export function dueObjects(objects: ObjectConfig[], lastRun: Map<string, number>, now: number): string[] {
  return objects.filter((o) => {
    const last = lastRun.get(o.key);
    return last === undefined || now - last >= o.spec.pollingInterval * 1000;
  }).map((o) => o.key);
}
