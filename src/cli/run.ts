// `gitscale run`: the reconciler on a node-cron heartbeat until SIGTERM, living with its config:
// reloaded on SIGHUP and when the file changes, and merged with the cluster's objects (`watch:`)
// and the repositories' (`discover: true`) as they change (reconciler/sources/). Exits 2 when no
// object is valid, or when no object can run: each one's target (manifest file, workload, replica
// field) cannot be read.
import * as nodeFs from 'node:fs';
import cron from 'node-cron';
import type { Config } from '../config/types.js';
import { createReconciler, type Reconciler } from '../reconciler/runtime/reconciler.js';
import { hashPhase, startRunner, type RunnerDeps } from '../reconciler/runtime/runner.js';
import { createConfigSources, type ConfigSources } from '../reconciler/sources/config-sources.js';
import { hasWork, readText, serially, watchConfigFile, type Serial } from '../reconciler/sources/file.js';
import { loadConfig } from '../reconciler/sources/load.js';
import { runningConfig } from '../reconciler/sources/running.js';
import { watchScaledObjects } from '../reconciler/sources/watch.js';
import { createMetrics, createProbes, parseListen, serve, type Metrics } from '../server/index.js';
import { UsageError } from './args.js';
import { version } from './version.js';
import { loadDeps, reconcilerDeps, type Context } from './context.js';
import { createElector, shardOf, type Elector } from '../cluster/lease.js';
import { refusalReporter } from './report-to-cluster.js';

export async function runCommand(config: Config, c: Context, configBad: boolean): Promise<number> {
  const { args, io, log } = c;
  if (!hasWork(config)) {
    log.error('nothing to run: the config has no valid ScaledObject', { file: config.file });
    return 2;
  }
  const metrics = createMetrics({ version: version() });
  const election = electionFor(config, c);
  const elector = election?.elector;
  const probes = createProbes(c.now);
  const serving = await startServing(c, metrics, probes, elector, config.cluster.shards);
  if (!serving) return 2;
  // The server goes with the process, on every way out.
  try {
    const stopRequested = io.waitForStop();
    election?.start();
    const gate = elector ? (repository: string) => elector.holds(shardOf(repository, config.cluster.shards)) : undefined;
    const queue = serially();
    const sources = createConfigSources(config, loadDeps(c));
    const running = runningConfig(config, log);
    /** Each change of a source, in turn through `queue`: the next config, what to say of it, its refused cluster objects' status (only once the runner runs: no source changes before). */
    const apply = async (why: string) => {
      const next = sources.next();
      for (const s of next.said) log[s.level](s.message, s.fields);
      for (const r of next.refused) refused?.(r.object, r.problem);
      await running.apply(next.config, why, reconciler, runner);
    };
    // A deferred object's answer wakes the runner, which does not exist yet: until it does, there is nothing to wake.
    let wake = (key: string): void => void key;
    const reconciler = createReconciler(config, {
      ...reconcilerDeps(c, false),
      decideWithinMs: args.decideWithinMs,
      onAnswered: (key) => wake(key),
      gate,
      metrics,
      onDiscovered: (repository, found) => {
        if (sources.setDiscovered(repository, found))
          queue.run(
            () => apply(`ScaledObjects in repository ${repository} changed`),
            (e) => log.error('ScaledObjects from the repository not applied', { repository, error: (e as Error).message }),
          );
      },
    });
    if (!(await canRun(config, reconciler, c))) {
      await reconciler.close();
      await elector?.stop();
      return 2;
    }
    const refused = config.watch && c.cluster ? refusalReporter(c.cluster, log) : undefined;
    const runner = startRunner(config, reconciler, runnerDeps(c, gate, running.current));
    wake = (key) => runner.wake(key);
    probes.started({ runner, gate, config: running.current, unrunnable: () => reconciler.unrunnable() });
    sayRunning(config, reconciler, configBad, c);

    const watching = watchSources(config, c, sources, queue, apply);

    await stopRequested;
    await watching.stop();
    log.info('stopping: finishing the write in flight');
    await queue.idle();
    await runner.stop();
    await reconciler.close();
    // Give the Leases up last, once nothing more will be written: a standby takes over at once.
    await elector?.stop();
    log.info('stopped');
    return 0;
  } finally {
    await serving.close();
  }
}

/**
 * The config file (its text now is the running config's) and, with `watch:` and a cluster, the
 * cluster's objects: each change set in `sources` and applied, in turn with the others.
 */
function watchSources(
  config: Config,
  c: Context,
  sources: ConfigSources,
  queue: Serial,
  apply: (why: string) => Promise<void>,
): { stop(): Promise<void> } {
  const { args, io, log } = c;
  const path = args.config!;
  const text = readText(nodeFs, path);
  sources.setFile(config, text);
  const cluster =
    config.watch && c.cluster
      ? watchScaledObjects(c.cluster.kube, config.watch, log, (objects) =>
          queue.run(
            async () => {
              sources.setCluster(objects);
              await apply('cluster changed');
            },
            (e) => log.error('ScaledObjects from the cluster not applied', { error: (e as Error).message }),
          ),
        )
      : undefined;
  if (config.watch && !c.cluster) log.warn('watch: needs a cluster (--kubeconfig, KUBECONFIG or in-cluster): only the config file is read');
  const file = watchConfigFile({
    path,
    fs: nodeFs,
    pollMs: io.configPollMs ?? 1000,
    onSignal: io.onReload,
    text,
    load: (p) => loadConfig(p, loadDeps(c)),
    log,
    queue,
    onAccepted: async (next, accepted, why) => {
      sources.setFile(next, accepted);
      await apply(why);
    },
  });
  return {
    async stop() {
      await cluster?.stop();
      file.stop();
    },
  };
}

/**
 * /metrics, /healthz and /readyz on --listen (nothing to close with --listen off); null when it
 * cannot listen (logged: `run` exits 2). A --listen that is not host:port is a usage error.
 */
async function startServing(
  c: Context,
  metrics: Metrics,
  probes: ReturnType<typeof createProbes>,
  elector: Elector | undefined,
  shards: number,
): Promise<{ close(): Promise<void> } | null> {
  const { args, log } = c;
  if (args.listen === 'off') return { close: async () => {} };
  let listen: { host: string; port: number };
  try {
    listen = parseListen(args.listen);
  } catch (e) {
    throw new UsageError(`--listen ${(e as Error).message}`, 'run');
  }
  try {
    const serving = await serve(listen, {
      contentType: metrics.contentType,
      metrics: () => {
        for (let shard = 0; elector && shard < shards; shard++) metrics.leader(shard, elector.holds(shard));
        return metrics.render();
      },
      healthz: probes.healthz,
      readyz: probes.readyz,
    });
    log.info('serving', { address: serving.address, paths: '/metrics /healthz /readyz' });
    return serving;
  } catch (e) {
    log.error('cannot serve /metrics, /healthz, /readyz (use --listen host:port, or --listen off)', {
      listen: args.listen,
      error: (e as Error).message,
    });
    return null;
  }
}

/** The runner's clock, heartbeat and timer, and its phases over the running config. */
function runnerDeps(c: Context, gate: RunnerDeps['gate'], current: () => Config): RunnerDeps {
  return {
    clock: { now: c.now },
    log: c.log,
    gate,
    // Several repositories: each at its own phase of the interval (one alone has nothing to spread from).
    phase: (repository, intervalMs) => (current().repositories.length > 1 ? hashPhase(repository, intervalMs) : 0),
    heartbeat: (beat) => {
      const task = cron.schedule('* * * * * *', beat, { name: 'gitscale-heartbeat' });
      return { stop: () => void task.stop() };
    },
    // The next due time exactly (the heartbeat keeps whole seconds, and a poll due just after one would wait for the next).
    after: (ms, fn) => {
      const t = setTimeout(fn, ms);
      return () => clearTimeout(t);
    },
  };
}

function sayRunning(config: Config, reconciler: Reconciler, configBad: boolean, c: Context): void {
  const stuck = [...reconciler.unrunnable().keys()];
  c.log.info('running', {
    objects: config.objects.length,
    repositories: config.repositories.length,
    ...(configBad ? { skipped: 'objects with config problems (see above)' } : {}),
    ...(stuck.length ? { unrunnable: stuck, why: 'their target cannot be read (each is logged as it ticks; /readyz lists them)' } : {}),
  });
}

/**
 * Before the first tick: `validate`'s target check. When no object can run (and no cluster watch or
 * discover repository may bring one) each cause is logged and `run` exits 2, as `validate` does; an
 * unreachable repository is not such a cause (it may come back: each tick retries it).
 */
async function canRun(config: Config, reconciler: Reconciler, c: Context): Promise<boolean> {
  const found = await reconciler.check();
  for (const w of found.warnings)
    c.log.warn('target warning', { object: w.object, file: w.file, field: w.field, code: w.code, warning: w.message });
  const unrunnable = reconciler.unrunnable();
  const more = Boolean(config.watch) || config.repositories.some((r) => r.discover);
  if (more || !config.objects.length || !config.objects.every((o) => unrunnable.has(o.key))) return true;
  for (const p of found.problems)
    c.log.error('ScaledObject cannot run', { object: p.object, file: p.file, field: p.field, code: p.code, error: p.message });
  c.log.error('nothing to run: no ScaledObject in the config can run (gitscale validate lists the same problems)', { file: config.file });
  return false;
}

/**
 * With a cluster and leader election on: the Lease(s) this replica must hold to write. Built at
 * once (the server's /metrics shows what it holds), started, and said, once the server listens.
 */
function electionFor(config: Config, c: Context): { elector: Elector; start(): void } | undefined {
  const le = config.cluster.leaderElection;
  if (!c.cluster || !le.enabled) return undefined;
  const settings = { ...le, namespace: le.namespace ?? c.cluster.namespace, identity: c.cluster.identity, shards: config.cluster.shards };
  const elector = createElector(c.cluster.kube, settings, c.cluster.clock, c.log);
  return {
    elector,
    start() {
      c.log.info('leader election', {
        lease: `${settings.namespace}/${settings.name}`,
        shards: settings.shards,
        identity: settings.identity,
      });
      elector.start();
    },
  };
}
