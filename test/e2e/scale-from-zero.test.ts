// The cluster side end to end, on the real kube-apiserver and the real git server: a workload at
// 0 with work is committed, Argo CD / Flux are nudged, gitscale waits until they have fetched the
// commit, then patches the scale subresource (compare-and-set) and records an Event. Never when
// the push failed, the decision waits for review, or the object says direct-patch: never.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { runGitscale, newList } from '../support/cli.js';
import { redisList, scaledObject, writeConfig } from '../support/config.js';
import { git, makeServedRepo, show } from '../support/git.js';
import { argoStandIn } from '../support/gitops.js';
import {
  APP,
  createCustom,
  createDeployment,
  events,
  getCustom,
  newNamespace,
  setDeploymentStatus,
  specReplicas,
  redisAndAdmin,
} from '../support/kube.js';
import { freePort } from '../support/servers/spawn.js';
import { tempDir } from '../support/temp.js';

const servers = inject('servers');
const ctx = redisAndAdmin(servers);

const manifest = (name: string, namespace: string, replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${namespace}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: { app: ${name} }
`;

interface World {
  ns: string;
  bare: string;
  url: string;
  config: string;
}

/** A namespace with Deployment `worker` at `live`, a served repository holding apps/worker.yaml at `git`, and a config scaling it on a Redis list of `queue` items (5 per replica). */
async function world(opts: {
  git?: number;
  live?: number;
  queue: number;
  annotations?: Record<string, string>;
  cluster?: Record<string, unknown>;
  spec?: Record<string, unknown>;
  trigger?: Record<string, unknown>;
}): Promise<World> {
  const ns = await newNamespace(ctx.a, 'sfz');
  await createDeployment(ctx.a, ns, 'worker', opts.live ?? 0);
  const { bare, url } = await makeServedRepo(servers, {
    'apps/worker.yaml': manifest('worker', ns, opts.git ?? 0),
    'other/readme.md': 'x\n',
  });
  const list = await newList(ctx.redis, opts.queue);
  const so = scaledObject({
    name: 'worker',
    namespace: ns,
    path: 'apps/worker.yaml',
    triggers: [opts.trigger ?? redisList(servers.REDIS_ADDRESS, list)],
    spec: opts.spec,
  });
  Object.assign((so.metadata as { annotations: Record<string, string> }).annotations, opts.annotations ?? {});
  const config = await writeConfig({
    repositories: [{ name: 'manifests', url }],
    cluster: { syncWaitSeconds: 5, ...opts.cluster },
    scaledObjects: [so],
  });
  return { ns, bare, url, config };
}

async function once(w: World, kubeconfig = servers.KUBECONFIG_PATH, extra: string[] = []) {
  const r = await runGitscale(['once', '-c', w.config, '-o', 'json', '--kubeconfig', kubeconfig, ...extra]);
  return { ...r, obj: r.stdout.trim() ? JSON.parse(r.stdout).objects[0] : undefined };
}

const head = async (bare: string) => (await git(bare, 'rev-parse', 'main')).trim();

describe('scale from zero on a real API server', () => {
  it('commits, nudges Argo CD, waits until it has the commit, then patches the scale and records an Event', async () => {
    const w = await world({ queue: 20 });
    const before = await head(w.bare);
    // repoURL spelled differently (no .git, a trailing slash): still the same repository.
    const repoURL = `${w.url.replace(/\.git$/, '')}/`;
    await createCustom(ctx.a, APP, w.ns, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'apps' },
      spec: { project: 'default', source: { repoURL, path: 'apps', targetRevision: 'main' }, destination: { namespace: w.ns } },
    });
    await createCustom(ctx.a, APP, w.ns, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'other' },
      spec: { project: 'default', source: { repoURL: w.url, path: 'other' } },
    });
    const argo = argoStandIn(ctx.a, w.ns, 'apps', w.bare, 300);
    let firstScaledAt = 0;
    const watch = setInterval(
      () =>
        void specReplicas(ctx.a, w.ns, 'worker').then((n) => {
          if (n === 4 && !firstScaledAt) firstScaledAt = Date.now();
        }),
      20,
    );
    const r = await once(w);
    clearInterval(watch);
    await argo.stop();
    expect(r.stderr).not.toMatch(/ERROR/);
    expect(r.code).toBe(0);
    expect(r.obj).toMatchObject({ current: 0, desired: 4, route: 'direct-patch+commit', live: { replicas: 0 } });
    const commit = await head(w.bare);
    expect(commit).not.toBe(before);
    expect(r.obj.commit).toBe(commit);
    expect(await show(w.bare, 'main', 'apps/worker.yaml')).toContain('replicas: 4');
    // Push before nudge: when Argo CD saw the refresh, the server already held the commit.
    expect(argo.handled).toHaveLength(1);
    expect(argo.handled[0].head).toBe(commit);
    // Nudge, wait, patch: the scale changed only after Argo CD reported the commit.
    expect(await specReplicas(ctx.a, w.ns, 'worker')).toBe(4);
    expect(firstScaledAt).toBeGreaterThanOrEqual(argo.handled[0].reportedAt);
    expect(r.obj.patch).toMatch(/patched 0→4: commit [0-9a-f]{12} landed in Git and Application .*\/apps reached it after \d+ ms/);
    // Only the Application whose path holds the file was nudged.
    expect((await getCustom(ctx.a, APP, w.ns, 'other')).metadata.annotations?.['argocd.argoproj.io/refresh']).toBeUndefined();
    const ev = (await events(ctx.a, w.ns, 'worker')).find((e) => e.reason === 'ScaledFromZero');
    expect(ev?.message).toContain(`commit ${commit.slice(0, 12)}`);
    expect(ev?.involvedObject).toMatchObject({ kind: 'Deployment', name: 'worker', namespace: w.ns });
    // The patch is gitscale's own field manager's.
    const d = await ctx.a.apps.readNamespacedDeployment({ namespace: w.ns, name: 'worker' });
    expect(d.metadata?.managedFields?.some((m) => m.manager === 'gitscale' && m.subresource === 'scale')).toBe(true);
  });

  it('patches anyway when Argo CD does not reach the commit in time, and says so', async () => {
    const w = await world({ queue: 5, cluster: { syncWaitSeconds: 1 } });
    await createCustom(ctx.a, APP, w.ns, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'stuck' },
      spec: { source: { repoURL: w.url, path: 'apps' } },
    });
    const r = await once(w);
    expect(r.code).toBe(0);
    expect(await specReplicas(ctx.a, w.ns, 'worker')).toBe(1);
    expect(r.obj.patch).toMatch(/Application .*\/stuck did not reach it within 1 s: patched anyway/);
    expect(r.stderr).toMatch(/did not reach the commit in time/);
    expect((await getCustom(ctx.a, APP, w.ns, 'stuck')).metadata.annotations?.['argocd.argoproj.io/refresh']).toBe('normal');
  });

  it('without Argo CD or Flux objects for the repository, patches right after the push', async () => {
    const w = await world({ queue: 10 });
    const r = await once(w);
    expect(r.code).toBe(0);
    expect(await specReplicas(ctx.a, w.ns, 'worker')).toBe(2);
    expect(r.obj.patch).toMatch(/no Argo CD Application or Flux GitRepository applies it: patched right after the push/);
  });

  it('gitscale.dev/direct-patch: never commits and leaves the cluster to Argo CD / Flux', async () => {
    const w = await world({ queue: 10, annotations: { 'gitscale.dev/direct-patch': 'never' } });
    const r = await once(w);
    expect(r.code).toBe(0);
    expect(r.obj).toMatchObject({ route: 'commit', desired: 2, patch: null });
    expect(await show(w.bare, 'main', 'apps/worker.yaml')).toContain('replicas: 2');
    expect(await specReplicas(ctx.a, w.ns, 'worker')).toBe(0);
  });

  it('a decision waiting for review is neither committed nor patched', async () => {
    const w = await world({ queue: 30, annotations: { 'gitscale.dev/review-above-replicas': '3' } });
    const before = await head(w.bare);
    const r = await once(w);
    expect(r.obj).toMatchObject({ route: 'pull-request', desired: 4, commit: null, patch: null });
    expect(await head(w.bare)).toBe(before);
    expect(await specReplicas(ctx.a, w.ns, 'worker')).toBe(0);
  });

  it('a push the server refuses is not followed by a patch', async () => {
    const w = await world({ queue: 10 });
    writeFileSync(join(w.bare, 'hooks', 'pre-receive'), '#!/bin/sh\necho "protected" >&2\nexit 1\n', { mode: 0o755 });
    const r = await once(w);
    expect(r.code).toBe(1);
    expect(r.obj.error).toMatch(/protected|declined/);
    expect(r.obj.patch).toBeNull();
    expect(await specReplicas(ctx.a, w.ns, 'worker')).toBe(0);
  });

  it('a push behind a pre-receive hook sleeping 10 s: exit 0, one commit, then the patch', async () => {
    const w = await world({ queue: 10 });
    const before = await head(w.bare);
    writeFileSync(join(w.bare, 'hooks', 'pre-receive'), '#!/bin/sh\ncat >/dev/null\nsleep 10\n', { mode: 0o755 });
    const r = await once(w);
    expect(r.stderr).not.toMatch(/ERROR/);
    expect(r.code).toBe(0);
    expect(r.obj).toMatchObject({ route: 'direct-patch+commit', desired: 2, error: null });
    expect((await git(w.bare, 'rev-list', '--count', `${before}..main`)).trim()).toBe('1');
    expect(r.obj.commit).toBe(await head(w.bare));
    expect(r.obj.patch).toMatch(/patched 0→2/);
    expect(await specReplicas(ctx.a, w.ns, 'worker')).toBe(2);
  });

  it('the API server unreachable: the commit still lands and the object reports the failed patch; the next tick patches to what Git holds', async () => {
    const w = await world({ queue: 10 });
    const dead = join(await tempDir('kube'), 'dead.kubeconfig');
    writeFileSync(
      dead,
      (await import('node:fs'))
        .readFileSync(servers.KUBECONFIG_PATH, 'utf8')
        .replace(servers.KUBE_URL, `https://127.0.0.1:${await freePort()}`),
    );
    const first = await once(w, dead);
    expect(first.code).toBe(1);
    expect(first.obj).toMatchObject({ route: 'direct-patch+commit', desired: 2 });
    expect(first.obj.patch).toMatch(/patch failed \(retried next tick\)/);
    expect(first.obj.errorCode).toBe('KUBE_UNREACHABLE');
    expect(first.obj.error).toMatch(/ECONNREFUSED/);
    expect(await show(w.bare, 'main', 'apps/worker.yaml')).toContain('replicas: 2');
    expect(await specReplicas(ctx.a, w.ns, 'worker')).toBe(0);
    // Next tick, API server back: Git holds 2, the workload runs 0, the trigger is still active.
    const second = await once(w);
    expect(second.code).toBe(0);
    expect(second.obj).toMatchObject({ current: 2, desired: 2, route: 'none', drift: expect.stringMatching(/live 0 ≠ Git 2/) });
    expect(second.obj.patch).toMatch(/patched 0→2: Git already holds this count/);
    expect(await specReplicas(ctx.a, w.ns, 'worker')).toBe(2);
  });
});

describe('live state feeds the engine', () => {
  it('a Value metric scales by the ready pods the cluster reports, and plan reports drift', async () => {
    // Git 4, live 4 running but only 2 ready: ceil(20 / 5 × 2 ready) = 8 (Git alone would assume 4 ready → 16).
    const w = await world({ git: 4, live: 4, queue: 20, trigger: { ...redisList(servers.REDIS_ADDRESS, 'x'), metricType: 'Value' } });
    await ctx.redis.rpush('x', ...Array.from({ length: 20 }, () => 'j'));
    try {
      await setDeploymentStatus(ctx.a, w.ns, 'worker', 4, 2);
      const r = await runGitscale(['plan', '-c', w.config, '-o', 'json', '--kubeconfig', servers.KUBECONFIG_PATH]);
      const obj = JSON.parse(r.stdout).objects[0];
      expect(obj).toMatchObject({ current: 4, desired: 8, live: { replicas: 4, statusReplicas: 4, readyReplicas: 2 }, drift: null });
      expect(obj.reason).toContain('2 ready');
      await ctx.a.apps.patchNamespacedDeploymentScale(
        { namespace: w.ns, name: 'worker', body: { spec: { replicas: 3 } } },
        (await import('@kubernetes/client-node')).setHeaderOptions('Content-Type', 'application/merge-patch+json'),
      );
      const drifted = JSON.parse(
        (await runGitscale(['plan', '-c', w.config, '-o', 'json', '--kubeconfig', servers.KUBECONFIG_PATH])).stdout,
      ).objects[0];
      expect(drifted.drift).toMatch(/live 3 ≠ Git 4/);
      const text = await runGitscale(['plan', '-c', w.config, '--kubeconfig', servers.KUBECONFIG_PATH]);
      expect(text.stdout).toMatch(/live: 3 replicas \(4 running, 2 ready\)\s+drift: live 3 ≠ Git 4/);
    } finally {
      await ctx.redis.del('x');
    }
  });
});
