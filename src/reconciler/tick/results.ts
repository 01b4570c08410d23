// From the executors' outcomes to what the tick answers (pure): each object's result, and the
// engine state it keeps for its next tick.
import type { EngineState } from '../../engine/types.js';
import type { WriteResult } from '../../git/types.js';
import { failed } from './evaluate.js';
import type { PatchNote } from '../executors/cluster.js';
import { nextState, resultOf, type Outcome } from './outcome.js';
import type { Evaluated, ObjectResult } from '../types.js';

/** What the executors did, accumulated in their order. */
export interface Executed {
  /** Per object: what became of its decision (git and forge). */
  outcomes: Map<string, Outcome>;
  /** The commit the git executor landed, if any. */
  written: WriteResult | null;
  /** Per object with a planned scale patch: what became of it. */
  patches: Map<string, PatchNote>;
}

export const nothingExecuted = (): Executed => ({ outcomes: new Map(), written: null, patches: new Map() });

export function resultsOf(evaluated: Evaluated[], done: Executed): ObjectResult[] {
  return evaluated.map((ev) => {
    if (ev.kind !== 'decided') return ev.result;
    const r = resultOf(ev.result, done.outcomes.get(ev.result.key) ?? { kind: 'unchanged' });
    const pt = done.patches.get(ev.result.key);
    if (!pt) return r;
    const withPatch = { ...r, patch: pt.note };
    return pt.error === undefined || r.error ? withPatch : failed(withPatch, pt.error);
  });
}

/** Per decided object: its engine state after this tick (what `prev` becomes). */
export function nextStates(
  evaluated: Evaluated[],
  done: Executed,
  prev: (key: string) => EngineState | undefined,
): [string, EngineState][] {
  return evaluated.flatMap((ev): [string, EngineState][] =>
    ev.kind === 'decided'
      ? [[ev.result.key, nextState(prev(ev.result.key), ev.decision, done.outcomes.get(ev.result.key) ?? { kind: 'unchanged' })]]
      : [],
  );
}
