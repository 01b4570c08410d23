// Logs that say what changed, not the same line every poll: a condition (a trigger's error, an
// object's failure, a no-op decision) is logged when it first appears or changes, repeats are
// counted and logged at debug only, and its end is logged once. The counts are kept for /metrics.
import type { Fields, Level, Logger } from '../../log.js';

export interface Conditions {
  /** Logs at `level` when `signature` differs from the last one under `key`; else counts a repeat (debug). */
  raise(key: string, signature: string, level: Level, msg: string, fields: Fields): void;
  /** The condition under `key` is over: logs `msg` at info (with how often it was seen) if there was one. */
  clear(key: string, msg: string, fields: Fields): void;
  /** How many times each live condition repeated unchanged. */
  repeats(): ReadonlyMap<string, number>;
}

export function createConditions(log: Logger): Conditions {
  const live = new Map<string, { signature: string; repeats: number }>();
  return {
    raise(key, signature, level, msg, fields) {
      const last = live.get(key);
      if (last && last.signature === signature) {
        last.repeats++;
        log.debug(msg, { ...fields, repeats: last.repeats });
        return;
      }
      live.set(key, { signature, repeats: 0 });
      log[level](msg, last ? { ...fields, previousRepeats: last.repeats } : fields);
    },
    clear(key, msg, fields) {
      const last = live.get(key);
      if (!last) return;
      live.delete(key);
      log.info(msg, { ...fields, seen: last.repeats + 1 });
    },
    repeats: () => new Map([...live].map(([k, v]) => [k, v.repeats])),
  };
}
