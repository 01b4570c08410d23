// Which cluster gitscale talks to: --kubeconfig (and --context), else KUBECONFIG, else the
// in-cluster service account, else none (Git only, as before). The client-node KubeConfig is
// built here, at the edge, and handed down as a narrow `Kube`.
import * as nodeFs from 'node:fs';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import * as k8s from '@kubernetes/client-node';
import { createKube } from '../cluster/kube.js';
import type { ClusterClock, Kube } from '../cluster/index.js';
import { UsageError, type Args } from './args.js';

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface ClusterAccess {
  kube: Kube;
  clock: ClusterClock;
  /** Where the config came from, for the start-up log line (`kubeconfig /path (context x)`, `in-cluster`). */
  source: string;
  /** This process in Leases and Events: POD_NAME (the Downward API), else host name, plus a random suffix. */
  identity: string;
  /** The namespace gitscale runs in: POD_NAMESPACE, else the service account's, else `default`. */
  namespace: string;
}

export function loadKubeConfig(args: Args, env: Record<string, string | undefined>): { kc: k8s.KubeConfig; source: string } | null {
  const kc = new k8s.KubeConfig();
  const files = args.kubeconfig !== undefined ? [args.kubeconfig] : (env.KUBECONFIG ?? '').split(':').filter(Boolean);
  if (files.length === 0) {
    if (args.context !== undefined) throw new UsageError('--context needs a kubeconfig (--kubeconfig or KUBECONFIG)', args.command);
    if (!env.KUBERNETES_SERVICE_HOST || !nodeFs.existsSync(`${SA_DIR}/token`)) return null;
    kc.loadFromCluster();
    return { kc, source: 'in-cluster service account' };
  }
  const what = args.kubeconfig !== undefined ? '--kubeconfig' : 'KUBECONFIG';
  const present = files.filter((f) => nodeFs.existsSync(f));
  // kubectl skips missing files of a KUBECONFIG list; one named on its own must exist.
  if (present.length === 0 || (args.kubeconfig !== undefined && present.length < files.length))
    throw new UsageError(`${what} ${files.find((f) => !nodeFs.existsSync(f))}: no such file`, args.command);
  const loaded = present.map((file) => {
    const one = new k8s.KubeConfig();
    try {
      one.loadFromFile(file);
    } catch (e) {
      throw new UsageError(`${what} ${file}: not a usable kubeconfig (${(e as Error).message.split('\n')[0]})`, args.command);
    }
    return one;
  });
  // As kubectl merges a list: the first file that names a cluster, user or context wins; the
  // current context is the first one set.
  const first = <T extends { name: string }>(pick: (c: k8s.KubeConfig) => T[]) => {
    const out = new Map<string, T>();
    for (const c of loaded) for (const x of pick(c)) if (!out.has(x.name)) out.set(x.name, x);
    return [...out.values()];
  };
  kc.loadFromOptions({
    clusters: first((c) => c.getClusters()),
    users: first((c) => c.getUsers()),
    contexts: first((c) => c.getContexts()),
    currentContext: loaded.map((c) => c.getCurrentContext()).find(Boolean) ?? '',
  });
  if (args.context !== undefined) {
    if (!kc.getContextObject(args.context))
      throw new UsageError(
        `--context ${args.context}: no such context in ${files.join(':')} (contexts: ${
          kc
            .getContexts()
            .map((c) => c.name)
            .join(', ') || 'none'
        })`,
        args.command,
      );
    kc.setCurrentContext(args.context);
  }
  if (!kc.getCurrentCluster()) throw new UsageError(`${what} ${files.join(':')}: its current context names no cluster`, args.command);
  return { kc, source: `kubeconfig ${files.join(':')} (context ${kc.getCurrentContext()})` };
}

export function clusterAccess(args: Args, env: Record<string, string | undefined>, now: () => number): ClusterAccess | undefined {
  const loaded = loadKubeConfig(args, env);
  if (!loaded) return undefined;
  const identity = `${env.POD_NAME || hostname()}_${randomBytes(4).toString('hex')}`;
  const saNamespace = loaded.source.startsWith('in-cluster') ? readOr(`${SA_DIR}/namespace`) : undefined;
  return {
    kube: createKube(loaded.kc, { identity }),
    clock: { now, monotonic: () => performance.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
    source: loaded.source,
    identity,
    namespace: env.POD_NAMESPACE || saNamespace || 'default',
  };
}

function readOr(file: string): string | undefined {
  try {
    return nodeFs.readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
