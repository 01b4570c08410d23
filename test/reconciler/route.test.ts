import { describe, expect, it } from 'vitest';
import type { ReviewPolicy } from '../../src/config/types.js';
import { routeFor } from '../../src/reconciler/tick/route.js';

describe('routeFor', () => {
  it.each<{ name: string; current: number; desired: number; policy: ReviewPolicy; cluster?: boolean; route: string; threshold?: RegExp }>([
    { name: 'no change', current: 3, desired: 3, policy: { aboveReplicas: 1 }, route: 'none' },
    { name: 'no thresholds: commit', current: 3, desired: 40, policy: {}, route: 'commit' },
    {
      name: 'above replicas: 3 → 40 with 10 reviewed',
      current: 3,
      desired: 40,
      policy: { aboveReplicas: 10 },
      route: 'pull-request',
      threshold: /review-above-replicas 10: 40 > 10/,
    },
    { name: 'within above replicas: 3 → 4 commits', current: 3, desired: 4, policy: { aboveReplicas: 10 }, route: 'commit' },
    {
      name: 'step above',
      current: 3,
      desired: 9,
      policy: { stepAbove: 5 },
      route: 'pull-request',
      threshold: /review-step-above 5: a step of 6/,
    },
    { name: 'step equal to the threshold commits', current: 3, desired: 8, policy: { stepAbove: 5 }, route: 'commit' },
    {
      name: 'percent step above',
      current: 4,
      desired: 7,
      policy: { stepPercentAbove: 50 },
      route: 'pull-request',
      threshold: /a step of 3 from 4 is 75 %/,
    },
    { name: 'percent step from zero is not a percent', current: 0, desired: 7, policy: { stepPercentAbove: 50 }, route: 'commit' },
    { name: 'scale-in is not reviewed by default', current: 40, desired: 3, policy: { stepAbove: 5, aboveReplicas: 1 }, route: 'commit' },
    {
      name: 'scale-in reviewed with review-scale-in',
      current: 40,
      desired: 3,
      policy: { stepAbove: 5, scaleIn: true },
      route: 'pull-request',
      threshold: /a step of 37/,
    },
    {
      name: 'scale from zero with a cluster: direct patch + commit',
      current: 0,
      desired: 2,
      policy: {},
      cluster: true,
      route: 'direct-patch+commit',
    },
    {
      name: 'a reviewed scale from zero is never patched directly',
      current: 0,
      desired: 20,
      policy: { aboveReplicas: 10 },
      cluster: true,
      route: 'pull-request',
      threshold: /review-above-replicas 10/,
    },
  ])('$name', ({ current, desired, policy, cluster, route, threshold }) => {
    const r = routeFor(current, desired, policy, cluster ?? false);
    expect(r.route).toBe(route);
    if (threshold) expect(r.threshold).toMatch(threshold);
    else expect(r.threshold).toBeNull();
  });
});
