// The API server goes away in the middle of a tick (while gitscale waits for Argo CD to reach the
// pushed commit): the commit has landed, the patch fails with a clear error on the object, nothing
// crashes. A private API server, so the one the other tests share stays up.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { newList, runGitscale } from '../support/cli.js';
import { redisList, scaledObject, writeConfig } from '../support/config.js';
import { makeServedRepo, show } from '../support/git.js';
import { APP, admin, createCustom, createDeployment, newNamespace } from '../support/kube.js';
import { startKube } from '../support/servers/kube.js';
import type { Started } from '../support/servers/types.js';

const servers = inject('servers');
let redis: Redis;
let kube: Started;
beforeAll(async () => {
  redis = new Redis(servers.REDIS_ADDRESS);
  kube = await startKube({ flux: false });
}, 180_000);
afterAll(async () => {
  await redis.quit();
  await kube.stop();
});

describe('the API server stops mid-tick', () => {
  it('the commit lands, the patch fails on the object alone, no crash', async () => {
    const a = admin(kube.env);
    const ns = await newNamespace(a, 'down');
    await createDeployment(a, ns, 'worker', 0);
    const { bare, url } = await makeServedRepo(servers, {
      'apps/worker.yaml': `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: worker\nspec:\n  replicas: 0\n`,
    });
    // An Application nobody answers: gitscale waits for it (up to 20 s) after the push.
    await createCustom(a, APP, ns, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'apps' },
      spec: { source: { repoURL: url, path: 'apps' } },
    });
    const list = await newList(redis, 10);
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url }],
      cluster: { syncWaitSeconds: 20 },
      scaledObjects: [
        scaledObject({ name: 'worker', namespace: ns, path: 'apps/worker.yaml', triggers: [redisList(servers.REDIS_ADDRESS, list)] }),
      ],
    });
    const running = runGitscale(['once', '-c', config, '-o', 'json', '--kubeconfig', kube.env.KUBECONFIG_PATH]);
    // Once the commit is on the server, gitscale is waiting for Argo CD: stop the API server now.
    for (let i = 0; i < 200 && !(await show(bare, 'main', 'apps/worker.yaml')).includes('replicas: 2'); i++)
      await new Promise((r) => setTimeout(r, 50));
    await kube.stop();
    const r = await running;
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/internal error/);
    const obj = JSON.parse(r.stdout).objects[0];
    expect(obj).toMatchObject({ route: 'direct-patch+commit', current: 0, desired: 2 });
    expect(obj.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(obj.errorCode).toMatch(/^KUBE_(UNREACHABLE|TIMEOUT)$/);
    expect(obj.patch).toMatch(/patch failed \(retried next tick\)/);
    expect(await show(bare, 'main', 'apps/worker.yaml')).toContain('replicas: 2');
  });
});
