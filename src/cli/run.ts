// `gitscale run`: the reconciler on a node-cron heartbeat until SIGTERM, living with its config:
// reloaded on SIGHUP and when the file changes. A reload is validated first; one that does not
// validate is refused (logged, the running config kept). Exits 2 when no object is valid, or when
// no object can run: each one's target (manifest file, workload, replica field) cannot be read.
import * as nodeFs from 'node:fs';
import cron from 'node-cron';
import type { Config } from '../config/types.js';
import { createReconciler, type Reconciler } from '../reconciler/runtime/reconciler.js';
import { isEmpty } from '../reconciler/runtime/reload.js';
import { hashPhase, startRunner, type Runner } from '../reconciler/runtime/runner.js';
import { createMetrics, parseListen, serve, type Probe, type Serving } from '../server/index.js';
import { UsageError } from './args.js';
import { version } from './version.js';
import { envWarning, loadConfig } from '../reconciler/sources/load.js';
import { reconcilerDeps, type Context } from './context.js';
import { createElector, shardOf, type Elector } from '../cluster/lease.js';
import type { Discovered } from '../reconciler/runtime/discover.js';
import type { Unrunnable } from '../reconciler/target/runnable.js';
import { mergeClusterObjects, type ClusterObjects } from '../reconciler/sources/merge.js';
import { watchScaledObjects } from '../reconciler/sources/watch.js';
import { clusterReporting } from './report-to-cluster.js';

export async function runCommand(config: Config, c: Context, configBad: boolean): Promise<number> {
  const { args, io, log } = c;
  if (config.objects.length === 0 && !config.watch && !config.repositories.some((r) => r.discover)) {
    log.error('nothing to run: the config has no valid ScaledObject', { file: config.file });
    return 2;
  }
  const metrics = createMetrics({ version: version() });
  let current = config;
  let runner: Runner | undefined;
  let elector: Elector | undefined;
  let gate: ((repository: string) => boolean) | undefined;
  let serving: Serving | undefined;
  /** The reconciler's objects that cannot run (for /readyz), once it exists. */
  let unrunnable: () => ReadonlyMap<string, Unrunnable> = () => new Map();
  if (args.listen !== 'off') {
    let listen: { host: string; port: number };
    try {
      listen = parseListen(args.listen);
    } catch (e) {
      throw new UsageError(`--listen ${(e as Error).message}`, 'run');
    }
    try {
      serving = await serve(listen, {
        contentType: metrics.contentType,
        metrics: () => {
          for (let shard = 0; elector && shard < config.cluster.shards; shard++) metrics.leader(shard, elector.holds(shard));
          return metrics.render();
        },
        healthz: () => healthz(runner, c.now()),
        readyz: () => readyz(current, runner, gate, unrunnable()),
      });
    } catch (e) {
      log.error('cannot serve /metrics, /healthz, /readyz (use --listen host:port, or --listen off)', { listen: args.listen, error: (e as Error).message });
      return 2;
    }
    log.info('serving', { address: serving.address, paths: '/metrics /healthz /readyz' });
  }
  // The server goes with the process, on every way out.
  try {
    const stopRequested = io.waitForStop();
    elector = startElection(config, c);
    const held = elector;
    gate = held ? (repository: string) => held.holds(shardOf(repository, config.cluster.shards)) : undefined;
    /** `discover: true` repositories: what each one's last scan found (merged into the config when it changes). */
    const discovered = new Map<string, Discovered>();
    let discoveredChanged: (repository: string) => void = () => {};
    const onDiscovered = (repository: string, found: Discovered) => {
      if (JSON.stringify(discovered.get(repository)) === JSON.stringify(found)) return;
      discovered.set(repository, found);
      discoveredChanged(repository);
    };
    const reconciler = createReconciler(config, { ...reconcilerDeps(c, false), decideWithinMs: c.args.decideWithinMs, onAnswered: (key) => runner?.wake(key), gate, metrics, onDiscovered });
    unrunnable = () => reconciler.unrunnable();
    if (!(await canRun(config, reconciler, c))) {
      await reconciler.close();
      await elector?.stop();
      return 2;
    }
    const report = config.watch && c.cluster ? clusterReporting(c.cluster, log, () => clusterObjects.scaledObjects, () => current) : undefined;
    runner = startRunner(config, reconciler, {
      clock: { now: c.now },
      log,
      gate,
      // Several repositories: each at its own phase of the interval (one alone has nothing to spread from).
      phase: (repository, intervalMs) => (current.repositories.length > 1 ? hashPhase(repository, intervalMs) : 0),
      onResults: (results) => report?.onResults(results),
      heartbeat: (beat) => {
        const task = cron.schedule('* * * * * *', beat, { name: 'gitscale-heartbeat' });
        return { stop: () => void task.stop() };
      },
      // The next due time exactly (the heartbeat keeps whole seconds, and a poll due just after one would wait for the next).
      after: (ms, fn) => {
        const t = setTimeout(fn, ms);
        return () => clearTimeout(t);
      },
    });
    const stuck = [...reconciler.unrunnable().keys()];
    log.info('running', {
      objects: config.objects.length, repositories: config.repositories.length, ...(configBad ? { skipped: 'objects with config problems (see above)' } : {}),
      ...(stuck.length ? { unrunnable: stuck, why: 'their target cannot be read (each is logged as it ticks; /readyz lists them)' } : {}),
    });

    const path = args.config!;
    let lastText = readText(path);
    /** The file text of the running config (what cluster objects are merged into). */
    let acceptedText = lastText;
    let reloading = Promise.resolve();
    /** The file's accepted config, and the ScaledObjects the cluster holds (with `watch:`). */
    let fileConfig = config;
    let clusterObjects: ClusterObjects = { scaledObjects: [], triggerAuthentications: [] };
    let refusedCluster = '';
    let shadowedSaid = '';
    const apply = async (why: string) => {
      let next = fileConfig;
      const found = fileConfig.repositories.filter((r) => r.discover).flatMap((r) => (discovered.has(r.name) ? [discovered.get(r.name)!] : []));
      if ((fileConfig.watch && (clusterObjects.scaledObjects.length || clusterObjects.triggerAuthentications.length)) || found.length) {
        const merged = mergeClusterObjects(acceptedText ?? '', fileConfig.file, clusterObjects, { env: io.env, fs: nodeFs, secretsDir: args.secretsDir }, found);
        // An invalid ScaledObject from the cluster is dropped and reported (once per change); the others run.
        const said = JSON.stringify([merged.problems, merged.authProblems, merged.discoveredProblems, merged.discoveredWarnings, merged.discoveredEnvMissing]);
        if (said !== refusedCluster) {
          // A discovered object's warnings are those of the same object in the file (logged as the file's are).
          for (const w of [...merged.discoveredWarnings, ...merged.discoveredEnvMissing.map(envWarning)]) log.warn('config warning', { object: w.object, file: w.file, field: w.field, code: w.code, warning: w.message });
          for (const p of merged.discoveredProblems) log.error('ScaledObject from the repository refused', { object: p.object, file: p.file, field: p.field, code: p.code, error: p.message });
          for (const p of merged.authProblems) log.error('TriggerAuthentication from the cluster refused', { object: p.object, file: p.file, field: p.field, code: p.code, error: p.message });
          for (const p of merged.problems) log.error('ScaledObject from the cluster refused', { object: p.object, field: p.field, code: p.code, error: p.message });
        }
        refusedCluster = said;
        if (merged.shadowed.join() !== shadowedSaid && merged.shadowed.length) log.warn('TriggerAuthentications from the cluster ignored: one of the same kind and name comes first (the config file, then gitscale.dev, then keda.sh)', { ignored: merged.shadowed });
        shadowedSaid = merged.shadowed.join();
        for (const o of clusterObjects.scaledObjects) {
          const p = [...merged.problems, ...merged.discoveredProblems].find((x) => x.object === `${o.metadata.namespace}/${o.metadata.name}`);
          if (p) report?.refused(o, p);
        }
        if (merged.config) next = merged.config;
      }
      if (JSON.stringify(next.cluster.leaderElection) !== JSON.stringify(config.cluster.leaderElection) || next.cluster.shards !== config.cluster.shards) {
        log.warn('cluster.leaderElection and cluster.shards take effect at the next start', { trigger: why });
      }
      const changes = await reconciler.reload(next);
      runner!.update(next, changes);
      current = next;
      log.info(isEmpty(changes) ? 'config reloaded: nothing changed' : 'config reloaded', {
        trigger: why, objects: next.objects.length,
        added: changes.added.length ? changes.added : undefined, removed: changes.removed.length ? changes.removed : undefined,
        changed: changes.changed.length ? changes.changed : undefined, repositories: changes.repositories.length ? changes.repositories : undefined,
      });
    };
    const reload = (why: 'SIGHUP' | 'file changed') => {
      reloading = reloading.then(async () => {
        const text = readText(path);
        if (why === 'file changed' && text === lastText) return;
        lastText = text;
        const next = await loadConfig(path, { env: io.env, fs: nodeFs, secretsDir: args.secretsDir });
        const refused = next.problems.length > 0 || !next.config || (next.config.objects.length === 0 && !next.config.watch && !next.config.repositories.some((r) => r.discover));
        if (refused) {
          for (const p of next.problems) log.error('config reload refused: keeping the running config', { trigger: why, object: p.object, file: p.file, field: p.field, code: p.code, error: p.message });
          if (next.problems.length === 0) log.error('config reload refused: keeping the running config', { trigger: why, file: path, error: 'no valid ScaledObject' });
          return;
        }
        acceptedText = text;
        for (const w of next.warnings) log.warn('config warning', { object: w.object, file: w.file, field: w.field, code: w.code, warning: w.message });
        fileConfig = next.config!;
        await apply(why);
      }).catch((e: unknown) => log.error('config reload failed: keeping the running config', { trigger: why, file: path, error: (e as Error).message }));
    };
    const watching = config.watch && c.cluster
      ? watchScaledObjects(c.cluster.kube, config.watch, log, (objects) => {
        reloading = reloading.then(async () => {
          clusterObjects = objects;
          await apply('cluster changed');
        }).catch((e: unknown) => log.error('ScaledObjects from the cluster not applied', { error: (e as Error).message }));
      })
      : undefined;
    discoveredChanged = (repository) => {
      reloading = reloading.then(() => apply(`ScaledObjects in repository ${repository} changed`))
        .catch((e: unknown) => log.error('ScaledObjects from the repository not applied', { repository, error: (e as Error).message }));
    };
    if (config.watch && !c.cluster) log.warn('watch: needs a cluster (--kubeconfig, KUBECONFIG or in-cluster): only the config file is read');
    const onChange = () => reload('file changed');
    // watchFile stats the path itself, so an editor's rename-over or a ConfigMap's symlink swap is seen too.
    nodeFs.watchFile(path, { interval: io.configPollMs ?? 1000, persistent: false }, onChange);
    const stopHup = io.onReload?.(() => reload('SIGHUP'));

    await stopRequested;
    await watching?.stop();
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
  } finally {
    await serving?.close();
  }
}

/** Alive while the heartbeat turns (it beats every second; 30 s without one is a stuck process). */
function healthz(runner: Runner | undefined, now: number): Probe {
  if (!runner) return { ok: true };
  const since = now - runner.lastBeat();
  return since < 30_000 ? { ok: true } : { ok: false, reason: `the heartbeat has not turned for ${Math.round(since / 1000)} s` };
}

/**
 * Ready once every repository this replica writes has had its first tick; a standby (it writes none)
 * is ready. Objects whose target cannot be read are listed in the body; while some object of this
 * replica runs it stays ready (200), and when none can, it is not (503).
 */
function readyz(config: Config, runner: Runner | undefined, gate: ((repository: string) => boolean) | undefined, unrunnable: ReadonlyMap<string, Unrunnable>): Probe {
  if (!runner) return { ok: false, reason: 'starting' };
  const mine = config.repositories.filter((r) => config.objects.some((o) => o.repository === r.name) && (!gate || gate(r.name)));
  const waiting = mine.filter((r) => !runner.ticked().has(r.name)).map((r) => r.name);
  if (waiting.length) return { ok: false, reason: `first tick not done yet: ${waiting.join(', ')}` };
  const objects = config.objects.filter((o) => mine.some((r) => r.name === o.repository));
  const stuck = objects.filter((o) => unrunnable.has(o.key)).map((o) => {
    const u = unrunnable.get(o.key)!;
    return `cannot run: ${o.key} (${u.code}, ${o.repository}:${u.file}): ${u.message}`;
  });
  if (stuck.length && stuck.length === objects.length) return { ok: false, reason: ['no object can run', ...stuck].join('\n') };
  return { ok: true, detail: stuck };
}

/**
 * Before the first tick: `validate`'s target check. When no object can run (and no cluster watch or
 * discover repository may bring one) each cause is logged and `run` exits 2, as `validate` does; an
 * unreachable repository is not such a cause (it may come back: each tick retries it).
 */
async function canRun(config: Config, reconciler: Reconciler, c: Context): Promise<boolean> {
  const found = await reconciler.check();
  for (const w of found.warnings) c.log.warn('target warning', { object: w.object, file: w.file, field: w.field, code: w.code, warning: w.message });
  const unrunnable = reconciler.unrunnable();
  const more = Boolean(config.watch) || config.repositories.some((r) => r.discover);
  if (more || !config.objects.length || !config.objects.every((o) => unrunnable.has(o.key))) return true;
  for (const p of found.problems) c.log.error('ScaledObject cannot run', { object: p.object, file: p.file, field: p.field, code: p.code, error: p.message });
  c.log.error('nothing to run: no ScaledObject in the config can run (gitscale validate lists the same problems)', { file: config.file });
  return false;
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
