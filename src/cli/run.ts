// `gitscale run`: the reconciler on a node-cron heartbeat until SIGTERM, living with its config:
// reloaded on SIGHUP and when the file changes. A reload is validated first; one that does not
// validate is refused (logged, the running config kept). Exits 2 when no object is valid.
import * as nodeFs from 'node:fs';
import cron from 'node-cron';
import type { Config } from '../config/types.js';
import { createReconciler } from '../reconciler/reconciler.js';
import { isEmpty } from '../reconciler/reload.js';
import { startRunner } from '../reconciler/runner.js';
import { loadConfig } from './load.js';
import { reconcilerDeps, type Context } from './context.js';
import { createElector, shardOf, type Elector } from '../cluster/lease.js';

export async function runCommand(config: Config, c: Context, configBad: boolean): Promise<number> {
  const { args, io, log } = c;
  if (config.objects.length === 0) {
    log.error('nothing to run: the config has no valid ScaledObject', { file: config.file });
    return 2;
  }
  const stopRequested = io.waitForStop();
  const elector = startElection(config, c);
  const gate = elector ? (repository: string) => elector.holds(shardOf(repository, config.cluster.shards)) : undefined;
  const reconciler = createReconciler(config, { ...reconcilerDeps(c, false), gate });
  const runner = startRunner(config, reconciler, {
    clock: { now: c.now },
    log,
    gate,
    heartbeat: (beat) => {
      const task = cron.schedule('* * * * * *', beat, { name: 'gitscale-heartbeat' });
      return { stop: () => void task.stop() };
    },
  });
  log.info('running', { objects: config.objects.length, repositories: config.repositories.length, ...(configBad ? { skipped: 'objects with config problems (see above)' } : {}) });

  const path = args.config!;
  let lastText = readText(path);
  let reloading = Promise.resolve();
  const reload = (why: 'SIGHUP' | 'file changed') => {
    reloading = reloading.then(async () => {
      const text = readText(path);
      if (why === 'file changed' && text === lastText) return;
      lastText = text;
      const next = await loadConfig(path, { env: io.env, fs: nodeFs, secretsDir: args.secretsDir });
      const refused = next.problems.length > 0 || !next.config || next.config.objects.length === 0;
      if (refused) {
        for (const p of next.problems) log.error('config reload refused: keeping the running config', { trigger: why, object: p.object, file: p.file, field: p.field, code: p.code, error: p.message });
        if (next.problems.length === 0) log.error('config reload refused: keeping the running config', { trigger: why, file: path, error: 'no valid ScaledObject' });
        return;
      }
      for (const w of next.warnings) log.warn('config warning', { object: w.object, file: w.file, field: w.field, code: w.code, warning: w.message });
      if (JSON.stringify(next.config!.cluster.leaderElection) !== JSON.stringify(config.cluster.leaderElection) || next.config!.cluster.shards !== config.cluster.shards) {
        log.warn('cluster.leaderElection and cluster.shards take effect at the next start', { trigger: why });
      }
      const changes = await reconciler.reload(next.config!);
      runner.update(next.config!, changes);
      log.info(isEmpty(changes) ? 'config reloaded: nothing changed' : 'config reloaded', {
        trigger: why, objects: next.config!.objects.length,
        added: changes.added.length ? changes.added : undefined, removed: changes.removed.length ? changes.removed : undefined,
        changed: changes.changed.length ? changes.changed : undefined, repositories: changes.repositories.length ? changes.repositories : undefined,
      });
    }).catch((e: unknown) => log.error('config reload failed: keeping the running config', { trigger: why, file: path, error: (e as Error).message }));
  };
  const onChange = () => reload('file changed');
  // watchFile stats the path itself, so an editor's rename-over or a ConfigMap's symlink swap is seen too.
  nodeFs.watchFile(path, { interval: io.configPollMs ?? 1000, persistent: false }, onChange);
  const stopHup = io.onReload?.(() => reload('SIGHUP'));

  await stopRequested;
  nodeFs.unwatchFile(path, onChange);
  stopHup?.();
  log.info('stopping: finishing the write in flight');
  await reloading;
  await runner.stop();
  await reconciler.close();
  // Give the Leases up last, once nothing more will be written: a standby takes over at once.
  await elector?.stop();
  log.info('stopped');
  return 0;
}

/** With a cluster and leader election on: the Lease(s) this replica must hold to write. */
function startElection(config: Config, c: Context): Elector | undefined {
  const le = config.cluster.leaderElection;
  if (!c.cluster || !le.enabled) return undefined;
  const settings = { ...le, namespace: le.namespace ?? c.cluster.namespace, identity: c.cluster.identity, shards: config.cluster.shards };
  c.log.info('leader election', { lease: `${settings.namespace}/${settings.name}`, shards: settings.shards, identity: settings.identity });
  const elector = createElector(c.cluster.kube, settings, c.cluster.clock, c.log);
  elector.start();
  return elector;
}

function readText(path: string): string | null {
  try {
    return nodeFs.readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
