// The forge executor (docs/architecture.md §2): reconciles the plan's pull requests (one per
// decision above a review threshold) and closes those of settled objects; without a forge, reviews
// wait (reported, not written). `tellReviews` says what happened (logs, metrics).
import type { Outcome } from '../tick/outcome.js';
import type { Item } from '../tick/plan.js';
import type { MetricsSink } from '../observability/metrics-sink.js';
import type { Conditions } from '../observability/conditions.js';
import { reconcileReviews, type ReviewContext, type ReviewOutcome } from './review.js';
import type { Logger } from '../../log.js';

export type ForgeDeps = Omit<ReviewContext, 'forge'> & { forge?: ReviewContext['forge'] };

/** Per object in review: what became of its pull request; null when no forge could open one. */
export type ForgeOutcome = Map<string, ReviewOutcome> | null;

export async function reconcilePullRequests(pullRequests: Item[], settled: Item[], d: ForgeDeps): Promise<ForgeOutcome> {
  if (!d.forge || !d.ws.branches) return null;
  // Nothing decided (the repository did not sync, every object failed): nothing to ask the forge.
  if (!pullRequests.length && !settled.length) return new Map();
  return reconcileReviews(pullRequests, settled, { ...d, forge: d.forge });
}

/** The outcome of each object in review. */
export function reviewOutcomes(pullRequests: Item[], f: ForgeOutcome): [string, Outcome][] {
  return pullRequests.map(({ obj }): [string, Outcome] => {
    const o = f?.get(obj.key);
    if (o?.error !== undefined) return [obj.key, { kind: 'failed', error: o.error }];
    return [obj.key, { kind: 'in-review', pr: o?.pr ? { number: o.pr.number, url: o.pr.url } : undefined, note: o?.note }];
  });
}

export function tellReviews(
  pullRequests: Item[],
  settled: Item[],
  f: ForgeOutcome,
  repository: string,
  d: { conditions: Conditions; metrics: MetricsSink; log: Logger },
): void {
  if (!f) {
    for (const {
      obj,
      ev: { result: r },
    } of pullRequests) {
      d.conditions.raise(
        `${obj.key}#review`,
        `${r.current}→${r.desired}`,
        'warn',
        'waiting for review: no forge configured to open a pull request, not written',
        { object: obj.key, routedBy: r.routedBy ?? undefined, current: r.current, desired: r.desired },
      );
    }
    return;
  }
  for (const { obj } of settled) d.metrics.pullRequest(repository, obj.key, false);
  for (const { obj, ev } of pullRequests) {
    const o = f.get(obj.key);
    if (o?.error !== undefined) continue;
    d.metrics.pullRequest(repository, obj.key, !!o?.pr);
    if (o?.pr)
      d.log.info('pull request', {
        object: obj.key,
        pr: o.pr.number,
        url: o.pr.url,
        routedBy: ev.result.routedBy ?? undefined,
        note: o.note,
      });
  }
}
