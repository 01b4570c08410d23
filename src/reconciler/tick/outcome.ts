// What became of one object's decision, as a value, and the two pure functions that follow from
// it: the object's reported result and its next engine state.
import type { Decision, EngineState } from '../../engine/types.js';
import { failed } from './evaluate.js';
import type { ObjectResult } from '../types.js';

export type Outcome =
  /** Nothing to write (no change, or every trigger failed). */
  | { kind: 'unchanged' }
  /** The commit carrying the change landed. */
  | { kind: 'committed'; commit: string }
  /** Left out of the commit: Git's value moved under the decision; decided again next tick. */
  | { kind: 'skipped' }
  /** Waiting in review: a pull request (or none without a forge), with a note on what happened to it. */
  | { kind: 'in-review'; pr?: { number: number; url: string }; note?: string }
  /** The write or the pull request failed. */
  | { kind: 'failed'; error: unknown }
  /** Not written: this replica lost its Lease (leader election) before the write. */
  | { kind: 'standby' };

export function resultOf(r: ObjectResult, o: Outcome): ObjectResult {
  switch (o.kind) {
    case 'unchanged':
      return r;
    case 'committed':
      return { ...r, commit: o.commit };
    case 'skipped':
      return { ...r, route: 'none', reason: `${r.reason} (not written: changed in Git meanwhile)` };
    case 'in-review':
      return { ...r, pullRequest: o.pr ?? null, reason: o.note ? `${r.reason} (${o.note})` : r.reason };
    case 'failed':
      return failed(r, o.error);
    case 'standby':
      return { ...r, route: 'none', reason: `${r.reason} (not written: this replica does not hold the lease)` };
  }
}

/**
 * The state after this tick: a decision that was written (or had nothing to write) keeps all the
 * engine learnt; one that was not written keeps its recommendations and activity but not its
 * scale event (no scale happened).
 */
export function nextState(prev: EngineState | undefined, decision: Decision, o: Outcome): EngineState {
  if (o.kind === 'unchanged' || o.kind === 'committed') return decision.state;
  return { ...decision.state, scaleEvents: prev?.scaleEvents ?? [] };
}
