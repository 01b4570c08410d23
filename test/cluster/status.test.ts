// The status written on a ScaledObject from the cluster (pure): conditions with reasons, Git and
// desired replicas, the last commit; transition times move only when a condition's status does.
import { describe, expect, it } from 'vitest';
import { changed, eventsFor, statusOf, type Observed } from '../../src/cluster/status.js';

const base: Observed = { error: null, active: true, paused: false, gitReplicas: 2, desiredReplicas: 4, commit: 'c1', pullRequest: null };
const T0 = Date.UTC(2026, 11, 5, 8, 0, 0);

describe('statusOf', () => {
  it('ready, active, not paused, with the counts and the commit', () => {
    const s = statusOf(base, undefined, T0);
    expect(s.conditions.map((c) => [c.type, c.status, c.reason])).toEqual([['Ready', 'True', 'ScaledObjectReady'], ['Active', 'True', 'ScalerActive'], ['Paused', 'False', 'ScaledObjectUnpaused']]);
    expect(s).toMatchObject({ gitReplicas: 2, desiredReplicas: 4, lastCommit: { sha: 'c1', time: '2026-12-05T08:00:00.000Z' }, lastActiveTime: '2026-12-05T08:00:00.000Z' });
  });

  it('keeps a condition’s transition time while its status holds; the last commit and counts carry over', () => {
    const first = statusOf(base, undefined, T0);
    const later = statusOf({ ...base, commit: null, gitReplicas: null, desiredReplicas: null }, first, T0 + 60_000);
    expect(later.conditions[0].lastTransitionTime).toBe(first.conditions[0].lastTransitionTime);
    expect(later).toMatchObject({ gitReplicas: 2, desiredReplicas: 4, lastCommit: { sha: 'c1' } });
    const idle = statusOf({ ...base, active: false }, first, T0 + 120_000);
    expect(idle.conditions[1]).toMatchObject({ status: 'False', reason: 'ScalerNotActive', lastTransitionTime: '2026-12-05T08:02:00.000Z' });
    expect(idle.lastActiveTime).toBe(first.lastActiveTime);
  });

  it('an error makes it not ready, saying why; never decided: activity unknown', () => {
    const s = statusOf({ ...base, error: { code: 'UNKNOWN_TRIGGER_TYPE', message: "unknown trigger type 'nope'" }, gitReplicas: null, desiredReplicas: null, active: false, commit: null }, undefined, T0);
    expect(s.conditions[0]).toMatchObject({ type: 'Ready', status: 'False', reason: 'UNKNOWN_TRIGGER_TYPE', message: "unknown trigger type 'nope'" });
    expect(s.conditions[1]).toMatchObject({ type: 'Active', status: 'Unknown' });
  });

  it('changed: a new commit or condition is a change; lastActiveTime alone is not', () => {
    const a = statusOf(base, undefined, T0);
    expect(changed(undefined, a)).toBe(true);
    expect(changed(a, statusOf({ ...base, commit: null }, a, T0 + 1000))).toBe(false);
    expect(changed(a, statusOf({ ...base, commit: 'c2' }, a, T0 + 1000))).toBe(true);
    expect(changed(a, statusOf({ ...base, active: false }, a, T0 + 1000))).toBe(true);
  });
});

describe('eventsFor', () => {
  it('a commit, a pull request, a patch and an error each have their Event', () => {
    expect(eventsFor({ from: 0, to: 4, commit: 'abcdef1234567890', pullRequest: null, patch: 'patched 0→4: commit abcdef123456 landed', error: null })).toEqual([
      { type: 'Normal', reason: 'Committed', message: 'replicas 0 → 4 committed to Git (commit abcdef123456)' },
      { type: 'Normal', reason: 'ScaledFromZero', message: 'patched 0→4: commit abcdef123456 landed' },
    ]);
    expect(eventsFor({ from: 2, to: 20, commit: null, pullRequest: 'https://git/pr/3', patch: null, error: null })).toEqual([{ type: 'Normal', reason: 'PullRequest', message: 'replicas 2 → 20 waiting for review: https://git/pr/3' }]);
    expect(eventsFor({ from: 0, to: 2, commit: null, pullRequest: null, patch: 'patch failed (retried next tick): down', error: { code: 'KUBE_UNREACHABLE', message: 'down' } })).toEqual([
      { type: 'Warning', reason: 'ScalePatch', message: 'patch failed (retried next tick): down' },
      { type: 'Warning', reason: 'Failed', message: 'KUBE_UNREACHABLE: down' },
    ]);
    expect(eventsFor({ from: 2, to: 2, commit: null, pullRequest: null, patch: null, error: null })).toEqual([]);
  });
});
