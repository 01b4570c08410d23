// With Flux's real source-controller and kustomize-controller (test/support/servers/flux.ts): Flux
// applies the manifest repository to the real API server; a scale from zero is committed,
// GitRepository and Kustomization are nudged, gitscale waits until the artifact and the
// Kustomization's attempted revision are the commit, then patches. Flux then applies the new
// revision, agrees with the patch, and the workload never flaps back to 0.
import { describe, expect, inject, it } from 'vitest';
import { newList, runGitscale } from '../support/cli.js';
import { redisList, scaledObject, writeConfig } from '../support/config.js';
import { git, makeServedRepo, show } from '../support/git.js';
import { GITREPO, KS, deploymentYaml, createCustom, getCustom, newNamespace, redisAndAdmin } from '../support/kube.js';
import { FLUX_LABEL } from '../support/servers/flux.js';

const servers = inject('servers');
const ctx = redisAndAdmin(servers);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const manifest = (replicas: number) => deploymentYaml('worker', replicas);

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, ms = 30_000): Promise<T> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
  }
  throw new Error(`${what}: not within ${ms} ms`);
}

describe('scale from zero with real Flux controllers', () => {
  it('commit → nudge → Flux reaches the commit → patch; Flux applies the same count and nothing flaps', async () => {
    const ns = await newNamespace(ctx.a, 'flux');
    const { bare, url } = await makeServedRepo(servers, { 'apps/worker.yaml': manifest(0), 'other/readme.md': 'x\n' });
    await createCustom(ctx.a, GITREPO, ns, {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: 'apps', labels: FLUX_LABEL },
      spec: { url, interval: '10m', ref: { branch: 'main' } },
    });
    await createCustom(ctx.a, KS, ns, {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: 'apps', labels: FLUX_LABEL },
      spec: { path: './apps', interval: '10m', prune: true, targetNamespace: ns, sourceRef: { kind: 'GitRepository', name: 'apps' } },
    });
    const initial = (await git(bare, 'rev-parse', 'main')).trim();
    // Flux creates the Deployment from Git, at 0.
    await until('Flux applied the first revision', async () =>
      String((await getCustom(ctx.a, KS, ns, 'apps')).status?.lastAppliedRevision ?? '').includes(initial),
    );
    expect((await ctx.a.apps.readNamespacedDeployment({ namespace: ns, name: 'worker' })).spec?.replicas).toBe(0);

    const list = await newList(ctx.redis, 20);
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url }],
      cluster: { syncWaitSeconds: 10 },
      scaledObjects: [
        scaledObject({ name: 'worker', namespace: ns, path: 'apps/worker.yaml', triggers: [redisList(servers.REDIS_ADDRESS, list)] }),
      ],
    });
    // Every spec.replicas the cluster shows, from now until well after Flux applied the new revision.
    const seen: number[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const n = (await ctx.a.apps.readNamespacedDeploymentScale({ namespace: ns, name: 'worker' })).spec?.replicas ?? 0;
        if (seen.at(-1) !== n) seen.push(n);
        await sleep(10);
      }
    })();
    const r = await runGitscale(['once', '-c', config, '-o', 'json', '--kubeconfig', servers.KUBECONFIG_PATH]);
    const obj = JSON.parse(r.stdout).objects[0];
    const commit = (await git(bare, 'rev-parse', 'main')).trim();
    await until('Flux applied the commit', async () =>
      String((await getCustom(ctx.a, KS, ns, 'apps')).status?.lastAppliedRevision ?? '').includes(commit),
    );
    await sleep(2000);
    watching = false;
    await watcher;

    expect(r.code).toBe(0);
    expect(obj).toMatchObject({ route: 'direct-patch+commit', current: 0, desired: 4, commit });
    expect(await show(bare, 'main', 'apps/worker.yaml')).toContain('replicas: 4');
    // gitscale waits until the Kustomization attempted the commit; by then Flux has often applied 4
    // itself (the compare-and-set then finds 4 and leaves it), or is applying it: either way the
    // patch comes after the GitRepository and the Kustomization reached the commit.
    const reachedIt = `commit ${commit.slice(0, 12)} landed in Git and GitRepository ${ns}/apps, Kustomization ${ns}/apps reached it after \\d+ ms`;
    expect(obj.patch).toMatch(
      new RegExp(
        `^(patched 0→4: ${reachedIt}|not needed: the workload already runs 4 \\(Argo CD / Flux applied the commit first; ${reachedIt}\\))$`,
      ),
    );
    expect(seen).toEqual([0, 4]);
    const repo = await getCustom(ctx.a, GITREPO, ns, 'apps');
    expect(repo.status.artifact.revision).toBe(`main@sha1:${commit}`);
    expect(repo.metadata.annotations['reconcile.fluxcd.io/requestedAt']).toBeTruthy();
  });
});
