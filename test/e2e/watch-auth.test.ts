// TriggerAuthentications from the cluster (`watch:`): a gitscale.dev TriggerAuthentication whose
// secretTargetRef names a Secret in its namespace, and a ClusterTriggerAuthentication, used by
// ScaledObjects from the cluster; one KEDA source gitscale does not read yet is refused, naming
// the field, and only the ScaledObject that names it stops; deleting a TriggerAuthentication
// stops its ScaledObjects at once, saying why in their status.
import { describe, expect, inject, it } from 'vitest';
import { startRun } from '../support/bin.js';
import { newList } from '../support/cli.js';
import { writeConfig } from '../support/config.js';
import { makeServedRepo } from '../support/git.js';
import { deploymentYaml, newNamespace, redisAndAdmin } from '../support/kube.js';
import { tempDir } from '../support/temp.js';

const servers = inject('servers');
const ctx = redisAndAdmin(servers);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const r = (plural: string) => ({ group: 'gitscale.dev', version: 'v1alpha1', plural });
const so = (name: string, list: string, auth: { name: string; kind?: string }) => ({
  apiVersion: 'gitscale.dev/v1alpha1',
  kind: 'ScaledObject',
  metadata: { name, annotations: { 'gitscale.dev/repository': 'manifests', 'gitscale.dev/path': `apps/${name}.yaml` } },
  spec: {
    scaleTargetRef: { name },
    pollingInterval: 1,
    triggers: [{ type: 'redis', metadata: { listName: list, listLength: '5' }, authenticationRef: auth }],
  },
});

describe('TriggerAuthentications from the cluster', () => {
  it('a namespaced one (Secret in its namespace) and a cluster one are used; an unsupported source is refused alone; deleted: its objects stop, saying why', async () => {
    const ns = await newNamespace(ctx.a, 'auth');
    const cta = `${ns}-env`;
    const { url } = await makeServedRepo(
      servers,
      Object.fromEntries(['s1', 's2', 's3'].map((n) => [`apps/${n}.yaml`, deploymentYaml(n, 0)])),
    );
    const [l1, l2, l3] = [await newList(ctx.redis, 10), await newList(ctx.redis, 10), await newList(ctx.redis, 10)];
    await ctx.a.core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'redis-conn' }, stringData: { address: servers.REDIS_ADDRESS } },
    });
    await ctx.a.custom.createNamespacedCustomObject({
      ...r('triggerauthentications'),
      namespace: ns,
      body: {
        apiVersion: 'gitscale.dev/v1alpha1',
        kind: 'TriggerAuthentication',
        metadata: { name: 'by-secret' },
        spec: { secretTargetRef: [{ parameter: 'address', name: 'redis-conn', key: 'address' }] },
      },
    });
    await ctx.a.custom.createClusterCustomObject({
      ...r('clustertriggerauthentications'),
      body: {
        apiVersion: 'gitscale.dev/v1alpha1',
        kind: 'ClusterTriggerAuthentication',
        metadata: { name: cta },
        spec: { env: [{ parameter: 'address', name: 'TEST_REDIS_ADDRESS' }] },
      },
    });
    await ctx.a.custom.createNamespacedCustomObject({
      ...r('triggerauthentications'),
      namespace: ns,
      body: {
        apiVersion: 'gitscale.dev/v1alpha1',
        kind: 'TriggerAuthentication',
        metadata: { name: 'vaulted' },
        spec: { hashiCorpVault: { address: 'https://vault:8200', authentication: 'token', credential: { token: 'x' }, secrets: [] } },
      },
    });

    const config = await writeConfig({
      repositories: [{ name: 'manifests', url }],
      watch: { namespaces: [ns] },
      cluster: { leaderElection: { enabled: false }, directPatch: false },
    });
    const run = startRun(
      ['-c', config, '--log-format', 'json', '--kubeconfig', servers.KUBECONFIG_PATH, '--data-dir', await tempDir('data')],
      { TEST_REDIS_ADDRESS: servers.REDIS_ADDRESS },
    );
    try {
      await run.waitFor((l) => l.msg === 'watching ScaledObjects');
      await ctx.a.custom.createNamespacedCustomObject({ ...r('scaledobjects'), namespace: ns, body: so('s1', l1, { name: 'by-secret' }) });
      await ctx.a.custom.createNamespacedCustomObject({
        ...r('scaledobjects'),
        namespace: ns,
        body: so('s2', l2, { name: cta, kind: 'ClusterTriggerAuthentication' }),
      });
      await ctx.a.custom.createNamespacedCustomObject({ ...r('scaledobjects'), namespace: ns, body: so('s3', l3, { name: 'vaulted' }) });
      await run.waitFor((l) => l.msg === 'commit' && String(l.subject).includes(`${ns}/s1 0→2`), 20_000);
      await run.waitFor((l) => l.msg === 'commit' && String(l.subject).includes(`${ns}/s2 0→2`), 20_000);

      const refusedAuth = await run.waitFor((l) => l.msg === 'TriggerAuthentication from the cluster refused');
      expect(refusedAuth).toMatchObject({
        object: `TriggerAuthentication ${ns}/vaulted`,
        field: 'spec.hashiCorpVault',
        code: 'CONFIG_UNSUPPORTED',
      });
      // It exists, refused: once the watch has brought it, that is the cause the ScaledObject is given
      // (before, it is not there yet, and the object is told so).
      const refused = await run.waitFor(
        (l) => l.msg === 'ScaledObject from the cluster refused' && l.object === `${ns}/s3` && l.code === 'CONFIG_AUTH_REFUSED',
      );
      expect(refused).toMatchObject({
        code: 'CONFIG_AUTH_REFUSED',
        field: 'spec.triggers[0].authenticationRef.name',
        error: expect.stringContaining(
          `TriggerAuthentication 'vaulted' cannot be used: the one in gitscale.dev/v1alpha1 in the cluster is refused (spec.hashiCorpVault:`,
        ),
      });
      expect(run.lines().filter((l) => l.msg === 'commit' && String(l.subject).includes(`${ns}/s3`))).toEqual([]);
      // The Secret's value never reaches the log.
      expect(run.stderr()).not.toContain(`"address":"${servers.REDIS_ADDRESS}"`);

      // Deleted: the ScaledObject that named it is refused from then on, and says so where kubectl shows it.
      await ctx.a.custom.deleteNamespacedCustomObject({ ...r('triggerauthentications'), namespace: ns, name: 'by-secret' });
      await run.waitFor((l) => l.msg === 'ScaledObject from the cluster refused' && l.object === `${ns}/s1`, 10_000);
      let ready: any;
      for (let i = 0; i < 50 && ready?.status !== 'False'; i++, await sleep(100)) {
        const s = (await ctx.a.custom.getNamespacedCustomObject({ ...r('scaledobjects'), namespace: ns, name: 's1' })).status;
        ready = s?.conditions?.find((c: { type: string }) => c.type === 'Ready');
      }
      expect(ready).toMatchObject({ status: 'False', reason: 'CONFIG_UNKNOWN_AUTH' });
      expect(ready.message).toMatch(/TriggerAuthentication 'by-secret' is not defined/);
    } finally {
      expect((await run.stop()).code).toBe(0);
      await ctx.a.custom.deleteClusterCustomObject({ ...r('clustertriggerauthentications'), name: cta });
    }
  });
});
