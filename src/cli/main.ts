// The gitscale command. Builds the real clients (fs, clock, fetch, logger) and maps results and
// errors to exit codes: 0 ok, 1 some object failed, 2 bad config or usage.
import * as nodeFs from 'node:fs';
import { join, resolve } from 'node:path';
import cron from 'node-cron';
import { createLogger, type Logger } from '../log.js';
import { createReconciler, type ReconcilerDeps } from '../reconciler/reconciler.js';
import { clients, openWorkspace, type ClientDeps } from './clients.js';
import { startRunner } from '../reconciler/runner.js';
import { checkTargets } from '../reconciler/check.js';
import { parseArgs, USAGE, UsageError, type Args } from './args.js';
import { planJson, planText, problemsText } from './format.js';
import { loadConfig } from './load.js';
import { runDemo } from '../demo/demo.js';

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: Record<string, string | undefined>;
  /** Starts listening for a stop request (SIGTERM/SIGINT); resolves when one arrives. */
  waitForStop: () => Promise<void>;
  now?: () => number;
}

function clientDeps(io: Io, log: Logger, dataDir: string): ClientDeps {
  return { fs: nodeFs, clock: { now: io.now ?? Date.now }, log, env: io.env, fetch: globalThis.fetch, dataDir };
}

function deps(args: Args, io: Io, log: Logger, dryRun: boolean, dataDir = resolve(args.dataDir)): ReconcilerDeps {
  return {
    fs: nodeFs, clock: { now: io.now ?? Date.now }, log, env: io.env, scalerDeps: { fetch: globalThis.fetch },
    clients: clients(clientDeps(io, log, dataDir)), secretsDir: args.secretsDir, triggerTimeoutMs: args.triggerTimeoutMs, dryRun,
  };
}

/** plan and validate read through a private workspace, so they never touch the one `run` writes with. */
async function withScratchDir<T>(args: Args, fn: (dir: string) => Promise<T>): Promise<T> {
  const base = resolve(args.dataDir);
  await nodeFs.promises.mkdir(base, { recursive: true });
  const dir = await nodeFs.promises.mkdtemp(join(base, 'scratch-'));
  try {
    return await fn(dir);
  } finally {
    await nodeFs.promises.rm(dir, { recursive: true, force: true });
  }
}

export async function main(argv: string[], io: Io): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr(`gitscale: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  if (args.command === 'help') {
    io.stdout(USAGE);
    return 0;
  }
  if (args.command === 'demo') return runDemo({ out: io.stdout, now: io.now ?? Date.now });
  const log = createLogger({ format: args.logFormat, write: io.stderr, now: io.now ?? Date.now });
  const loaded = await loadConfig(args.config!, { env: io.env, fs: nodeFs, secretsDir: args.secretsDir });
  if (loaded.warnings.length) io.stderr(problemsText(loaded.warnings, 'warning'));
  const configBad = loaded.problems.length > 0;
  if (configBad && args.command !== 'validate') io.stderr(problemsText(loaded.problems));
  if (!loaded.config) {
    if (args.command === 'validate') io.stdout(args.output === 'json' ? JSON.stringify({ problems: loaded.problems }, null, 2) : problemsText(loaded.problems));
    return 2;
  }
  const config = loaded.config;

  if (args.command === 'validate') {
    const targets = await withScratchDir(args, (dir) => checkTargets(config, (r) => openWorkspace(r, clientDeps(io, log, dir))));
    const problems = [...loaded.problems, ...targets];
    if (args.output === 'json') io.stdout(JSON.stringify({ problems }, null, 2));
    else io.stdout(problems.length ? problemsText(problems) : `ok: ${config.objects.length} object(s), ${config.repositories.length} repository(ies)`);
    return problems.length ? 2 : 0;
  }

  if (args.command === 'once' || args.command === 'plan') {
    const tick = async (d: ReconcilerDeps) => {
      const reconciler = createReconciler(config, d);
      try {
        return await reconciler.tick();
      } finally {
        await reconciler.close();
      }
    };
    const results = args.command === 'plan'
      ? await withScratchDir(args, (dir) => tick(deps(args, io, log, true, dir)))
      : await tick(deps(args, io, log, false));
    io.stdout(args.output === 'json' ? planJson(results) : planText(results));
    if (configBad) return 2;
    return results.some((r) => r.error) ? 1 : 0;
  }

  // run
  const stopRequested = io.waitForStop();
  const reconciler = createReconciler(config, deps(args, io, log, false));
  const runner = startRunner(config, reconciler, {
    clock: { now: io.now ?? Date.now },
    log,
    heartbeat: (beat) => {
      const task = cron.schedule('* * * * * *', beat, { name: 'gitscale-heartbeat' });
      return { stop: () => void task.stop() };
    },
  });
  log.info('running', { objects: config.objects.length, repositories: config.repositories.length });
  await stopRequested;
  log.info('stopping: finishing the write in flight');
  await runner.stop();
  await reconciler.close();
  log.info('stopped');
  return 0;
}
