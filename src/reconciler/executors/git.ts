// The git executor (docs/architecture.md §2): one commit for the plan's change set, answered with an
// outcome per object and the commit when one landed. `tellCommit` says what happened (logs, metrics).
import type { RepositoryConfig } from '../../config/types.js';
import type { Workspace, WriteResult } from '../../git/types.js';
import type { Logger } from '../../log.js';
import type { Outcome } from '../tick/outcome.js';
import type { Item } from '../tick/plan.js';
import type { MetricsSink } from '../observability/metrics-sink.js';
import type { Conditions } from '../observability/conditions.js';
import { writeChanges } from './write.js';

export interface GitDeps {
  ws: Workspace;
  author: RepositoryConfig['author'];
  log: Logger;
}

export interface GitOutcome {
  outcomes: [string, Outcome][];
  /** The commit (null: nothing to write, or the write failed). */
  written: WriteResult | null;
  /** Keys of the objects the commit carries. */
  applied: string[];
  /** The write as a whole failed (every object of the change set failed with it). */
  error?: unknown;
}

export async function commitChangeSet(changeSet: Item[], d: GitDeps): Promise<GitOutcome> {
  if (!changeSet.length) return { outcomes: [], written: null, applied: [] };
  try {
    const w = await writeChanges(d.ws, changeSet, d.author, d.log);
    const applied = new Set(w.applied);
    const outcomes = changeSet.map(({ obj }): [string, Outcome] => {
      if (w.failed.has(obj.key)) return [obj.key, { kind: 'failed', error: w.failed.get(obj.key) }];
      if (w.result && applied.has(obj.key)) return [obj.key, { kind: 'committed', commit: w.result.commit }];
      return [obj.key, { kind: 'skipped' }];
    });
    return { outcomes, written: w.result, applied: w.applied };
  } catch (e) {
    return { outcomes: changeSet.map(({ obj }) => [obj.key, { kind: 'failed', error: e }]), written: null, applied: [], error: e };
  }
}

export function tellCommit(g: GitOutcome, repository: string, d: { conditions: Conditions; metrics: MetricsSink; log: Logger }): void {
  if (g.error !== undefined) {
    const error = (g.error as Error).message;
    d.conditions.raise(`repository ${repository}#write`, error, 'error', 'write failed', { repository, error });
    return;
  }
  d.conditions.clear(`repository ${repository}#write`, 'write recovered', { repository });
  const w = g.written;
  if (!w) return;
  if (w.warning) d.log.warn('commit landed with a warning', { repository, warning: w.warning });
  if (!w.unchanged) d.metrics.commit(repository, w.attempts);
  d.log.info('commit', {
    repository,
    commit: w.commit.slice(0, 12),
    objects: g.applied,
    attempts: w.attempts,
    subject: w.message.split('\n')[0],
  });
}
