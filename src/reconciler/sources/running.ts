// The config `run` is running, and the one step that changes it: the next config goes to the
// reconciler, then to the runner, and only then is it the running one (what the probes, the
// runner's phases and the cluster reports read).
import type { Config } from '../../config/types.js';
import type { Logger } from '../../log.js';
import type { Reconciler } from '../runtime/reconciler.js';
import { isEmpty } from '../runtime/reload.js';
import type { Runner } from '../runtime/runner.js';

export function runningConfig(initial: Config, log: Logger) {
  let current = initial;
  return {
    current: (): Config => current,
    async apply(next: Config, why: string, reconciler: Pick<Reconciler, 'reload'>, runner: Pick<Runner, 'update'>): Promise<void> {
      if (
        JSON.stringify(next.cluster.leaderElection) !== JSON.stringify(initial.cluster.leaderElection) ||
        next.cluster.shards !== initial.cluster.shards
      ) {
        log.warn('cluster.leaderElection and cluster.shards take effect at the next start', { trigger: why });
      }
      const changes = await reconciler.reload(next);
      runner.update(next, changes);
      current = next;
      log.info(isEmpty(changes) ? 'config reloaded: nothing changed' : 'config reloaded', {
        trigger: why,
        objects: next.objects.length,
        added: changes.added.length ? changes.added : undefined,
        removed: changes.removed.length ? changes.removed : undefined,
        changed: changes.changed.length ? changes.changed : undefined,
        repositories: changes.repositories.length ? changes.repositories : undefined,
      });
    },
  };
}
