// The status written on a ScaledObject from the cluster (pure): conditions with reasons, Git and
// desired replicas, the last commit; transition times move only when a condition's status does.
import { describe, expect, it } from 'vitest';
import { changed, eventsFor, statusOf, type Observed } from '../../src/cluster/status.js';

const base: Observed = {
  error: null,
  active: true,
  paused: false,
  triggers: [{ name: 's0-redis', failures: 0, fallback: false }],
  gitReplicas: 2,
  desiredReplicas: 4,
  commit: 'c1',
  pullRequest: null,
};
const T0 = Date.UTC(2026, 11, 5, 8, 0, 0);

describe('statusOf', () => {
  it('ready, active, not paused, with the counts and the commit', () => {
    const s = statusOf(base, undefined, T0);
    expect(s.conditions.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Ready', 'True', 'ScaledObjectReady'],
      ['Active', 'True', 'ScalerActive'],
      ['Fallback', 'False', 'NoFallbackFound'],
      ['Paused', 'False', 'ScaledObjectUnpaused'],
    ]);
    expect(s.health).toEqual({ 's0-redis': { numberOfFailures: 0, status: 'Happy' } });
    expect(s).toMatchObject({
      gitReplicas: 2,
      desiredReplicas: 4,
      lastCommit: { sha: 'c1', time: '2026-12-05T08:00:00.000Z' },
      lastActiveTime: '2026-12-05T08:00:00.000Z',
    });
  });

  it('keeps a condition’s transition time while its status holds; the last commit and counts carry over', () => {
    const first = statusOf(base, undefined, T0);
    const later = statusOf({ ...base, commit: null, gitReplicas: null, desiredReplicas: null }, first, T0 + 60_000);
    expect(later.conditions[0].lastTransitionTime).toBe(first.conditions[0].lastTransitionTime);
    expect(later).toMatchObject({ gitReplicas: 2, desiredReplicas: 4, lastCommit: { sha: 'c1' } });
    const idle = statusOf({ ...base, active: false }, first, T0 + 120_000);
    expect(idle.conditions[1]).toMatchObject({
      status: 'False',
      reason: 'ScalerNotActive',
      lastTransitionTime: '2026-12-05T08:02:00.000Z',
    });
    expect(idle.lastActiveTime).toBe(first.lastActiveTime);
  });

  it('an error makes it not ready, saying why; never decided: activity unknown', () => {
    const s = statusOf(
      {
        ...base,
        error: { code: 'UNKNOWN_TRIGGER_TYPE', message: "unknown trigger type 'nope'" },
        gitReplicas: null,
        desiredReplicas: null,
        active: false,
        commit: null,
      },
      undefined,
      T0,
    );
    expect(s.conditions[0]).toMatchObject({
      type: 'Ready',
      status: 'False',
      reason: 'UNKNOWN_TRIGGER_TYPE',
      message: "unknown trigger type 'nope'",
    });
    expect(s.conditions[1]).toMatchObject({ type: 'Active', status: 'Unknown' });
  });

  it('a failing trigger is Failing in health; past failureThreshold it falls back, and the Fallback condition names it; not sampled: as it was', () => {
    const failing = statusOf(
      {
        ...base,
        triggers: [
          { name: 's0-redis', failures: 2, fallback: false },
          { name: 'queue', failures: 0, fallback: false },
        ],
      },
      undefined,
      T0,
    );
    expect(failing.health).toEqual({
      's0-redis': { numberOfFailures: 2, status: 'Failing' },
      queue: { numberOfFailures: 0, status: 'Happy' },
    });
    expect(failing.conditions[2]).toMatchObject({ type: 'Fallback', status: 'False' });
    const falling = statusOf(
      {
        ...base,
        triggers: [
          { name: 's0-redis', failures: 4, fallback: true },
          { name: 'queue', failures: 0, fallback: false },
        ],
      },
      failing,
      T0 + 1000,
    );
    expect(falling.conditions[2]).toMatchObject({
      type: 'Fallback',
      status: 'True',
      reason: 'FallbackExists',
      message: 'at least one trigger is falling back on this ScaledObject: s0-redis',
      lastTransitionTime: '2026-12-05T08:00:01.000Z',
    });
    expect(changed(failing, falling)).toBe(true);
    const refused = statusOf({ ...base, error: { code: 'GIT_PUSH_FAILED', message: 'rejected' }, triggers: [] }, falling, T0 + 2000);
    expect(refused.conditions[2]).toEqual(falling.conditions[2]);
    expect(refused.health).toEqual(falling.health);
    const healed = statusOf(base, refused, T0 + 3000);
    expect(healed.conditions[2]).toMatchObject({
      status: 'False',
      reason: 'NoFallbackFound',
      lastTransitionTime: '2026-12-05T08:00:03.000Z',
    });
    expect(healed.health).toEqual({ 's0-redis': { numberOfFailures: 0, status: 'Happy' } });
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
    expect(
      eventsFor({
        from: 0,
        to: 4,
        commit: 'abcdef1234567890',
        pullRequest: null,
        patch: 'patched 0→4: commit abcdef123456 landed',
        error: null,
      }),
    ).toEqual([
      { type: 'Normal', reason: 'Committed', message: 'replicas 0 → 4 committed to Git (commit abcdef123456)' },
      { type: 'Normal', reason: 'ScaledFromZero', message: 'patched 0→4: commit abcdef123456 landed' },
    ]);
    expect(eventsFor({ from: 2, to: 20, commit: null, pullRequest: 'https://git/pr/3', patch: null, error: null })).toEqual([
      { type: 'Normal', reason: 'PullRequest', message: 'replicas 2 → 20 waiting for review: https://git/pr/3' },
    ]);
    expect(
      eventsFor({
        from: 0,
        to: 2,
        commit: null,
        pullRequest: null,
        patch: 'patch failed (retried next tick): down',
        error: { code: 'KUBE_UNREACHABLE', message: 'down' },
      }),
    ).toEqual([
      { type: 'Warning', reason: 'ScalePatch', message: 'patch failed (retried next tick): down' },
      { type: 'Warning', reason: 'Failed', message: 'KUBE_UNREACHABLE: down' },
    ]);
    expect(eventsFor({ from: 2, to: 2, commit: null, pullRequest: null, patch: null, error: null })).toEqual([]);
  });
});
