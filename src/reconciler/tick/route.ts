// Routing a decision (docs/semantics.md §13): nothing, a commit, a pull request when it
// crosses a review threshold, or a commit plus a direct scale patch for a scale from zero.
import type { ReviewPolicy } from '../../config/types.js';
import type { Route } from '../types.js';

export interface Routed {
  route: Route;
  /** The threshold that sent the decision to review, in words; null when none did. */
  threshold: string | null;
}

/**
 * The first threshold the change crosses. `aboveReplicas` reviews scale-outs; the step thresholds
 * review scale-outs, and scale-ins too when `scaleIn` is set. A percent step needs a current count > 0.
 */
export function crossedThreshold(current: number, desired: number, p: ReviewPolicy): string | null {
  const up = desired > current;
  if (up && p.aboveReplicas !== undefined && desired > p.aboveReplicas)
    return `review-above-replicas ${p.aboveReplicas}: ${desired} > ${p.aboveReplicas}`;
  if (!up && !p.scaleIn) return null;
  const step = Math.abs(desired - current);
  if (p.stepAbove !== undefined && step > p.stepAbove) return `review-step-above ${p.stepAbove}: a step of ${step}`;
  if (p.stepPercentAbove !== undefined && current > 0) {
    const pct = (step * 100) / current;
    if (pct > p.stepPercentAbove)
      return `review-step-percent-above ${p.stepPercentAbove}: a step of ${step} from ${current} is ${Number(pct.toFixed(1))} %`;
  }
  return null;
}

/**
 * `patchFromZero`: a cluster is configured, direct patches are allowed for the object, and its live
 * count is 0 (Git's stands in when the live count could not be read).
 */
export function routeFor(current: number, desired: number, policy: ReviewPolicy, patchFromZero: boolean): Routed {
  if (desired === current) return { route: 'none', threshold: null };
  const threshold = crossedThreshold(current, desired, policy);
  if (threshold) return { route: 'pull-request', threshold };
  if (patchFromZero && desired > 0) return { route: 'direct-patch+commit', threshold: null };
  return { route: 'commit', threshold: null };
}
