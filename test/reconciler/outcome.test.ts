// An object's outcome decides its reported result and its next state (pure).
import { describe, expect, it } from 'vitest';
import type { Decision, EngineState } from '../../src/engine/types.js';
import { GitError } from '../../src/errors.js';
import { nextState, resultOf, type Outcome } from '../../src/reconciler/tick/outcome.js';
import type { ObjectResult } from '../../src/reconciler/types.js';

const result = {
  key: 'default/a',
  route: 'commit',
  reason: 'ceil(20 / 5) = 4',
  commit: null,
  pullRequest: null,
  error: null,
  errorCode: null,
} as ObjectResult;
const prev = { scaleEvents: [{ at: 1, change: 2 }] } as unknown as EngineState;
const decision = {
  state: {
    scaleEvents: [
      { at: 1, change: 2 },
      { at: 9, change: 3 },
    ],
    recommendations: [{ at: 9, replicas: 4 }],
  },
} as unknown as Decision;

describe('outcome', () => {
  it.each<{ name: string; o: Outcome; want: Partial<ObjectResult>; keepsScaleEvent: boolean }>([
    { name: 'unchanged', o: { kind: 'unchanged' }, want: { route: 'commit', commit: null }, keepsScaleEvent: true },
    { name: 'committed', o: { kind: 'committed', commit: 'abc' }, want: { commit: 'abc' }, keepsScaleEvent: true },
    {
      name: 'skipped',
      o: { kind: 'skipped' },
      want: { route: 'none', reason: 'ceil(20 / 5) = 4 (not written: changed in Git meanwhile)' },
      keepsScaleEvent: false,
    },
    {
      name: 'in review with a PR',
      o: { kind: 'in-review', pr: { number: 4, url: 'u' }, note: 'updated' },
      want: { pullRequest: { number: 4, url: 'u' }, reason: 'ceil(20 / 5) = 4 (updated)' },
      keepsScaleEvent: false,
    },
    {
      name: 'waiting without a forge',
      o: { kind: 'in-review' },
      want: { pullRequest: null, reason: 'ceil(20 / 5) = 4' },
      keepsScaleEvent: false,
    },
    {
      name: 'failed',
      o: { kind: 'failed', error: new GitError('GIT_PUSH_REFUSED', 'refused') },
      want: { error: 'refused', errorCode: 'GIT_PUSH_REFUSED' },
      keepsScaleEvent: false,
    },
  ])('$name', ({ o, want, keepsScaleEvent }) => {
    expect(resultOf(result, o)).toMatchObject(want);
    const s = nextState(prev, decision, o);
    expect(s.recommendations).toEqual(decision.state.recommendations);
    expect(s.scaleEvents).toEqual(keepsScaleEvent ? decision.state.scaleEvents : prev.scaleEvents);
  });
});
