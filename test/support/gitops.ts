// Stand-ins for the GitOps controllers on the real API server. Argo CD cannot run here (no
// images, no Redis/repo-server build); these play the one behaviour gitscale relies on, against
// real objects: on a refresh request, fetch the branch head from the (real) git server's bare
// repository and report it in status (Argo CD: status.sync.revision, dropping the refresh
// annotation; Flux source-controller: status.artifact.revision `main@sha1:<id>` and
// status.lastHandledReconcileAt). Every handled request is recorded with the head seen then.
import { git } from './git.js';
import { APP, GITREPO, getCustom, patchCustomMeta, patchCustomStatus, type Admin } from './kube.js';

export interface Handled {
  /** When the request was seen, and the branch head at that moment. */
  seenAt: number;
  head: string;
  /** When the revision was reported in status. */
  reportedAt: number;
}

export interface StandIn {
  handled: Handled[];
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function loop(step: () => Promise<void>): { stop: () => Promise<void> } {
  let stopped = false;
  const done = (async () => {
    while (!stopped) {
      await step().catch(() => {});
      await sleep(40);
    }
  })();
  return { stop: async () => { stopped = true; await done; } };
}

/** Argo CD's application controller for one Application (`delayMs`: how long its repo-server takes). */
export function argoStandIn(a: Admin, namespace: string, name: string, bare: string, delayMs = 0): StandIn {
  const handled: Handled[] = [];
  const l = loop(async () => {
    const app = await getCustom(a, APP, namespace, name);
    if (!app.metadata?.annotations?.['argocd.argoproj.io/refresh']) return;
    const seenAt = Date.now();
    const head = (await git(bare, 'rev-parse', 'main')).trim();
    await sleep(delayMs);
    await patchCustomStatus(a, APP, namespace, name, { sync: { status: 'Synced', revision: head } });
    await patchCustomMeta(a, APP, namespace, name, { 'argocd.argoproj.io/refresh': null });
    handled.push({ seenAt, head, reportedAt: Date.now() });
  });
  return { handled, stop: l.stop };
}

/** Flux's source-controller for one GitRepository. */
export function fluxStandIn(a: Admin, namespace: string, name: string, bare: string, delayMs = 0): StandIn {
  const handled: Handled[] = [];
  let last: string | undefined;
  const l = loop(async () => {
    const repo = await getCustom(a, GITREPO, namespace, name);
    const requested = repo.metadata?.annotations?.['reconcile.fluxcd.io/requestedAt'];
    if (!requested || requested === last) return;
    last = requested;
    const seenAt = Date.now();
    const head = (await git(bare, 'rev-parse', 'main')).trim();
    await sleep(delayMs);
    await patchCustomStatus(a, GITREPO, namespace, name, { artifact: { revision: `main@sha1:${head}` }, lastHandledReconcileAt: requested });
    handled.push({ seenAt, head, reportedAt: Date.now() });
  });
  return { handled, stop: l.stop };
}
