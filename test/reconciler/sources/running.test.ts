// The config run is running: the next one goes to the reconciler, then the runner, and is the
// running one only then; what changed is said, and a leader-election change waits for a restart.
import { describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/types.js';
import type { Logger } from '../../../src/log.js';
import { configChanges, type ConfigChanges } from '../../../src/reconciler/runtime/reload.js';
import { runningConfig } from '../../../src/reconciler/sources/running.js';

const election = { enabled: false, name: 'gitscale', leaseDurationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2 };
const config = (keys: string[], cluster: Partial<Config['cluster']> = {}) =>
  ({
    file: 'f',
    repositories: [{ name: 'm' }],
    triggerAuthentications: [],
    objects: keys.map((key) => ({ key, repository: 'm' })),
    cluster: { shards: 1, leaderElection: election, ...cluster },
  }) as unknown as Config;

function fakes(initial: Config) {
  const lines: string[] = [];
  const log: Logger = {
    debug() {},
    info: (m, f) => void lines.push(`info ${m} ${JSON.stringify(f)}`),
    warn: (m, f) => void lines.push(`warn ${m} ${JSON.stringify(f)}`),
    error() {},
  };
  const running = runningConfig(initial, log);
  const seen: string[] = [];
  let reloaded = initial;
  const reconciler = {
    reload: async (next: Config) => {
      // While the reconciler reloads, the running config is still the old one.
      seen.push(`reload, running ${running.current().objects.length}`);
      const changes = configChanges(reloaded, next);
      reloaded = next;
      return changes;
    },
  };
  const runner = {
    update: (next: Config, changes: ConfigChanges) => void seen.push(`update ${next.objects.length} (+${changes.added.join()})`),
  };
  return { running, reconciler, runner, lines, seen };
}

describe('runningConfig', () => {
  it('the reconciler, then the runner, then the running config; and what changed is said', async () => {
    const initial = config(['a/x']);
    const f = fakes(initial);
    expect(f.running.current()).toBe(initial);
    const next = config(['a/x', 'a/y']);
    await f.running.apply(next, 'SIGHUP', f.reconciler, f.runner);
    expect(f.seen).toEqual(['reload, running 1', 'update 2 (+a/y)']);
    expect(f.running.current()).toBe(next);
    await f.running.apply(next, 'cluster changed', f.reconciler, f.runner);
    expect(f.lines).toEqual([
      `info config reloaded ${JSON.stringify({ trigger: 'SIGHUP', objects: 2, added: ['a/y'] })}`,
      `info config reloaded: nothing changed ${JSON.stringify({ trigger: 'cluster changed', objects: 2 })}`,
    ]);
  });

  it('leader election and shards that differ from the start are said to wait for the next start, each time, and still reloaded', async () => {
    const f = fakes(config(['a/x']));
    await f.running.apply(config(['a/x'], { shards: 4 }), 'file changed', f.reconciler, f.runner);
    await f.running.apply(config(['a/x'], { leaderElection: { ...election, enabled: true } }), 'SIGHUP', f.reconciler, f.runner);
    await f.running.apply(config(['a/x']), 'SIGHUP', f.reconciler, f.runner);
    expect(f.lines.filter((l) => l.startsWith('warn'))).toEqual([
      `warn cluster.leaderElection and cluster.shards take effect at the next start ${JSON.stringify({ trigger: 'file changed' })}`,
      `warn cluster.leaderElection and cluster.shards take effect at the next start ${JSON.stringify({ trigger: 'SIGHUP' })}`,
    ]);
    expect(f.seen.filter((s) => s.startsWith('update'))).toHaveLength(3);
  });
});
