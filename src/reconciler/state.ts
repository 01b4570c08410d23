// Everything the reconciler remembers about one object between ticks, in one place, so a reload or
// a removal forgets an object with one delete (docs/architecture.md §2).
import type { EngineState, TriggerInput } from '../engine/types.js';
import type { ReportMemo } from './executors/status.js';

/** Where a directory's marker comment was found, while the directory's tree id is unchanged. */
export interface Marker {
  tree: string;
  file: string;
}

export interface ObjectState {
  /** What the engine learnt (recommendations, scale events, activity, trigger failures). */
  engine?: EngineState;
  marker?: Marker;
  /** When the live count was first seen to differ from Git's (cleared once they agree). */
  driftSince?: number;
  /** Its replicas' other owners were looked for (once per object and process; again after a change). */
  ownersChecked?: boolean;
  /** `run`: its triggers' samples still in flight past a tick's deadline (taken by its next tick). */
  pending?: Promise<TriggerInput[]>;
  /** With an origin in the cluster: its status and Events as last written (rate limit, deduplication). */
  report?: ReportMemo;
}

export type ObjectStates = Map<string, ObjectState>;

/** The object's state, created empty on first use. */
export function stateOf(states: ObjectStates, key: string): ObjectState {
  let s = states.get(key);
  if (!s) {
    s = {};
    states.set(key, s);
  }
  return s;
}
