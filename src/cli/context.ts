// What every command runs with: the parsed arguments, the process's streams and environment, a
// logger and the clock; and the real clients built from them.
import * as nodeFs from 'node:fs';
import { resolve } from 'node:path';
import { silentLogger, type Logger } from '../log.js';
import type { ReconcilerDeps } from '../reconciler/runtime/reconciler.js';
import type { LoadDeps } from '../reconciler/sources/load.js';
import type { Args } from './args.js';
import { clients, type ClientDeps } from './clients.js';
import type { ClusterAccess } from './kube.js';
import { scalerDeps } from './scaler-clients.js';

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: Record<string, string | undefined>;
  /** Starts listening for a stop request (SIGTERM/SIGINT); resolves when one arrives. */
  waitForStop: () => Promise<void>;
  now?: () => number;
  /** stdout / stderr is a terminal: colour there unless NO_COLOR. */
  isTTY?: boolean;
  stderrIsTTY?: boolean;
  /** Calls `fn` on each reload request (SIGHUP); returns a function that stops listening. */
  onReload?: (fn: () => void) => () => void;
  /** How often `run` looks at the config file for changes (default 1000 ms). */
  configPollMs?: number;
}

export interface Context {
  args: Args;
  io: Io;
  log: Logger;
  now: () => number;
  /** The cluster, when one is configured (--kubeconfig, KUBECONFIG or in-cluster). */
  cluster?: ClusterAccess;
}

/** How the config and the secrets it names are read. */
export function loadDeps(c: Context): LoadDeps {
  return { env: c.io.env, fs: nodeFs, secretsDir: c.args.secretsDir };
}

export function clientDeps(c: Context, dataDir: string): ClientDeps {
  return { fs: nodeFs, clock: { now: c.now }, log: c.log, env: c.io.env, fetch: globalThis.fetch, dataDir };
}

/** The demo's real clients (it runs silent, on the wall clock `now`): its workspace under `dataDir`, its SQS client. */
export function demoClients(now: () => number) {
  return (env: Record<string, string | undefined>, dataDir: string): Pick<ReconcilerDeps, 'clients' | 'scalerDeps'> => ({
    scalerDeps: scalerDeps(now),
    clients: clients({ fs: nodeFs, clock: { now }, log: silentLogger, env, fetch: globalThis.fetch, dataDir }),
  });
}

export function reconcilerDeps(c: Context, dryRun: boolean, dataDir = resolve(c.args.dataDir)): ReconcilerDeps {
  return {
    fs: nodeFs,
    clock: { now: c.now },
    log: c.log,
    env: c.io.env,
    scalerDeps: scalerDeps(c.now, globalThis.fetch, c.args.triggerConcurrency),
    clients: clients(clientDeps(c, dataDir)),
    secretsDir: c.args.secretsDir,
    triggerTimeoutMs: c.args.triggerTimeoutMs,
    dryRun,
    cluster: c.cluster ? { kube: c.cluster.kube, clock: c.cluster.clock, namespace: c.cluster.namespace } : undefined,
  };
}
