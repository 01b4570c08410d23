// A stand-in for Argo CD's application controller on the real API server. Argo CD cannot run here
// (no images; its repo-server, Redis and controller are not buildable from the module proxy alone);
// this plays the one behaviour gitscale relies on, against a real Application: on a refresh
// request, read the branch head from the (real) git server's bare repository and report it in
// status.sync.revision, dropping the refresh annotation. Every handled request is recorded with
// the head seen then. (Flux runs for real: servers/flux.ts.)
import { git } from './git.js';
import { APP, getCustom, patchCustomMeta, patchCustomStatus, type Admin } from './kube.js';

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
  return {
    stop: async () => {
      stopped = true;
      await done;
    },
  };
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
