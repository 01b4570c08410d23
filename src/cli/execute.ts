// What every command but help, version and demo does (loaded by main only for them, so `--help`
// and `version` start without the clients): load the config, the cluster when one is configured,
// then run, history, plan, once or validate.
import * as nodeFs from 'node:fs';
import { join, resolve } from 'node:path';
import { createReconciler, type ReconcilerDeps } from '../reconciler/runtime/reconciler.js';
import { discoverNow } from '../reconciler/sources/discover-now.js';
import { createDiscoverer } from '../reconciler/runtime/discover.js';
import { openWorkspace } from './clients.js';
import { clientDeps, loadDeps, reconcilerDeps, type Context } from './context.js';
import { checkOwnership, checkTargets } from '../reconciler/target/check.js';
import type { ObjectResult } from '../reconciler/types.js';
import type { ConfigProblem, RepositoryConfig } from '../config/types.js';
import { UsageError, type Args } from './args.js';
import { colorEnabled, paint, type Paint } from './color.js';
import { planJson, planText, problemsText } from './format.js';
import { envWarning, loadConfig, type Loaded } from '../reconciler/sources/load.js';

/** The data directory exists as a directory (created when missing); a file there is a usage error. */
function ensureDataDir(args: Args): void {
  const dir = resolve(args.dataDir);
  try {
    nodeFs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      `--data-dir ${args.dataDir}: ${code === 'EEXIST' || code === 'ENOTDIR' ? 'is a file (or under one), not a directory' : (e as Error).message}`,
      args.command,
    );
  }
  if (!nodeFs.statSync(dir).isDirectory()) throw new UsageError(`--data-dir ${args.dataDir}: is a file, not a directory`, args.command);
}

/** plan and validate read through a private workspace, so they never touch the one `run` writes with. */
async function withScratchDir<T>(args: Args, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await nodeFs.promises.mkdtemp(join(resolve(args.dataDir), 'scratch-'));
  try {
    return await fn(dir);
  } finally {
    await nodeFs.promises.rm(dir, { recursive: true, force: true });
  }
}

/**
 * The cluster, when one is configured (--kubeconfig / --context, KUBECONFIG, in-cluster). The
 * Kubernetes client (half a second to load) is loaded only then.
 */
async function clusterFor(c: Context): Promise<Context['cluster']> {
  const { args, io } = c;
  if (args.kubeconfig === undefined && args.context === undefined && !io.env.KUBECONFIG && !io.env.KUBERNETES_SERVICE_HOST)
    return undefined;
  return (await import('./kube.js')).clusterAccess(args, io.env, c.now);
}

export async function execute(c: Context): Promise<number> {
  const { args, io } = c;
  ensureDataDir(args);
  const loaded = await loadConfig(args.config!, loadDeps(c));
  const color = paint(colorEnabled(io.isTTY ?? false, io.env));
  if (args.command === 'validate') {
    c.cluster = await clusterFor(c);
    return validate(c, loaded, color);
  }
  const errColor = paint(colorEnabled(io.stderrIsTTY ?? false, io.env));
  // Unset *FromEnv variables may come from the target container's env in Git: the trigger says so at run time if not.
  const envWarnings = loaded.envMissing.map(envWarning);
  if (loaded.warnings.length + envWarnings.length) io.stderr(problemsText([...loaded.warnings, ...envWarnings], 'warning', errColor));
  if (loaded.problems.length) io.stderr(problemsText(loaded.problems, 'error', errColor));
  if (!loaded.config) return 2;
  const config = loaded.config;
  const configBad = loaded.problems.length > 0;
  if (args.command === 'run' || args.command === 'once' || args.command === 'plan') {
    c.cluster = await clusterFor(c);
    if (c.cluster) c.log.info('cluster', { source: c.cluster.source, identity: c.cluster.identity });
  }
  // run's own modules (the server, metrics, the cron heartbeat) load only for run.
  if (args.command === 'run') return (await import('./run.js')).runCommand(config, c, configBad);
  if (args.command === 'history') {
    const { parseSince, runHistory } = await import('./history.js');
    let sinceMs: number;
    try {
      sinceMs = parseSince(args.since);
    } catch (e) {
      throw new UsageError(`--since: ${(e as Error).message}`, 'history');
    }
    const code = await runHistory(
      config,
      { repository: args.repository, object: args.object, sinceMs, output: args.output },
      {
        fs: nodeFs,
        now: c.now,
        env: io.env,
        fetch: globalThis.fetch,
        stdout: io.stdout,
        stderr: io.stderr,
        log: c.log,
      },
    );
    return configBad ? 2 : code;
  }

  let discoveredBad = false;
  const tick = async (d: ReconcilerDeps) => {
    const reconciler = createReconciler(config, d);
    try {
      // `discover: true` repositories: their committed ScaledObjects join the file's for this tick.
      if (config.repositories.some((r) => r.discover)) {
        const found = await discoverNow(config, nodeFs.readFileSync(args.config!, 'utf8'), loadDeps(c), (r) => reconciler.discover(r.name));
        // The warnings the same objects get in the config file (TriggerAuthentications shadowed too).
        const warned = [...found.warnings, ...found.envMissing.map(envWarning)];
        if (warned.length) io.stderr(problemsText(warned, 'warning', errColor));
        if (found.problems.length) io.stderr(problemsText(found.problems, 'error', errColor));
        discoveredBad = found.problems.length > 0;
        await reconciler.reload(found.config);
      }
      return await reconciler.tick();
    } finally {
      await reconciler.close();
    }
  };
  const results =
    args.command === 'plan'
      ? await withScratchDir(args, (dir) => tick(reconcilerDeps(c, true, dir)))
      : await tick(reconcilerDeps(c, false));
  io.stdout(args.output === 'json' ? planJson(results) : planText(results, color));
  if (configBad || discoveredBad) return 2;
  if (results.some((r) => r.error)) return 1;
  return args.command === 'plan' && args.detailedExitcode && results.some(wouldChange) ? 3 : 0;
}

function wouldChange(r: ObjectResult): boolean {
  return r.route !== 'none' && r.current !== r.desired;
}

async function validate(c: Context, loaded: Loaded, color: Paint): Promise<number> {
  const { args, io } = c;
  let config = loaded.config;
  const discovered: ConfigProblem[] = [];
  const discoveredWarnings: ConfigProblem[] = [];
  const targets = config
    ? await withScratchDir(args, async (dir) => {
        const open = (r: RepositoryConfig) => openWorkspace(r, clientDeps(c, dir));
        // `discover: true`: the ScaledObjects committed there are checked like the file's.
        const discoverer = createDiscoverer();
        const found = await discoverNow(config!, nodeFs.readFileSync(args.config!, 'utf8'), loadDeps(c), async (r) => {
          const ws = open(r);
          await ws.sync();
          return discoverer.scan(r, ws);
        });
        config = found.config;
        discovered.push(...found.problems);
        discoveredWarnings.push(...found.warnings);
        return checkTargets(config, open, [...loaded.envMissing, ...found.envMissing]);
      })
    : { problems: [], warnings: [] };
  const owners = config && c.cluster ? await checkOwnership(config, c.cluster.kube) : [];
  const problems = [...loaded.problems, ...discovered, ...targets.problems];
  const warnings = [...loaded.warnings, ...discoveredWarnings, ...targets.warnings, ...owners];
  if (args.output === 'json') {
    io.stdout(JSON.stringify({ problems, warnings }, null, 2));
  } else {
    const lines = [
      ...(warnings.length ? [problemsText(warnings, 'warning', color)] : []),
      ...(problems.length ? [problemsText(problems, 'error', color)] : []),
    ];
    if (!problems.length && config)
      lines.push(
        `ok: ${config.objects.length} object(s), ${config.repositories.length} repository(ies)${warnings.length ? `, ${warnings.length} warning(s)` : ''}`,
      );
    io.stdout(lines.join('\n'));
  }
  return problems.length || !config ? 2 : 0;
}
