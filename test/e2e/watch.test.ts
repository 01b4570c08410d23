// ScaledObjects from the cluster (`watch:`): a gitscale.dev ScaledObject created with the API is
// picked up by a running `gitscale run` (built) and its decision committed; an invalid one is
// refused and named while the others keep working; keda.sh objects are ignored unless enabled;
// deleting the object stops it. Status and `kubectl get gso` columns for idle, erroring with
// fallback, and paused objects.
import { describe, expect, inject, it } from 'vitest';
import { startRun } from '../support/bin.js';
import { newList } from '../support/cli.js';
import { redisList, writeConfig } from '../support/config.js';
import { git, log, makeServedRepo } from '../support/git.js';
import { deploymentYaml, events, newNamespace, printed, redisAndAdmin } from '../support/kube.js';
import { tempDir } from '../support/temp.js';

const servers = inject('servers');
const ctx = redisAndAdmin(servers);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const GSO = { group: 'gitscale.dev', version: 'v1alpha1', plural: 'scaledobjects' };
const KEDA = { group: 'keda.sh', version: 'v1alpha1', plural: 'scaledobjects' };
const so = (apiVersion: string, name: string, list: string, trigger?: Record<string, unknown>) => ({
  apiVersion,
  kind: 'ScaledObject',
  metadata: { name, annotations: { 'gitscale.dev/repository': 'manifests', 'gitscale.dev/path': `apps/${name}.yaml` } },
  spec: { scaleTargetRef: { name }, pollingInterval: 1, triggers: [trigger ?? redisList(servers.REDIS_ADDRESS, list)] },
});

describe('ScaledObjects from the cluster', () => {
  it('created with the API: picked up and committed; an invalid one refused alone; keda.sh ignored unless enabled; deleted: stopped', async () => {
    const ns = await newNamespace(ctx.a, 'watch');
    const { bare, url } = await makeServedRepo(
      servers,
      Object.fromEntries(['w1', 'w2', 'w3'].map((n) => [`apps/${n}.yaml`, deploymentYaml(n, 0)])),
    );
    const [l1, l2] = [await newList(ctx.redis, 10), await newList(ctx.redis, 10)];
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url }],
      watch: { namespaces: [ns] },
      cluster: { leaderElection: { enabled: false }, directPatch: false },
    });
    const run = startRun([
      '-c',
      config,
      '--log-format',
      'json',
      '--kubeconfig',
      servers.KUBECONFIG_PATH,
      '--data-dir',
      await tempDir('data'),
    ]);
    try {
      await run.waitFor((l) => l.msg === 'watching ScaledObjects');
      await ctx.a.custom.createNamespacedCustomObject({ ...GSO, namespace: ns, body: so('gitscale.dev/v1alpha1', 'w1', l1) });
      await run.waitFor((l) => l.msg === 'commit' && String(l.subject).includes(`${ns}/w1 0→2`), 20_000);

      // keda.sh objects are KEDA's business unless watch.kedaObjects; an invalid gso is refused alone.
      await ctx.a.custom.createNamespacedCustomObject({ ...KEDA, namespace: ns, body: so('keda.sh/v1alpha1', 'w2', l2) });
      await ctx.a.custom.createNamespacedCustomObject({
        ...GSO,
        namespace: ns,
        body: so('gitscale.dev/v1alpha1', 'w3', '', { type: 'nope', metadata: {} }),
      });
      const refused = await run.waitFor((l) => l.msg === 'ScaledObject from the cluster refused', 10_000);
      expect(refused).toMatchObject({ object: `${ns}/w3`, code: 'UNKNOWN_TRIGGER_TYPE' });
      await ctx.redis.rpush(l1, ...Array.from({ length: 10 }, () => 'x'));
      await run.waitFor((l) => l.msg === 'commit' && String(l.subject).includes(`${ns}/w1 2→4`), 20_000);
      expect(run.lines().filter((l) => l.msg === 'commit' && /w2|w3/.test(String(l.subject)))).toEqual([]);

      // Status a person reads (kubectl get gso): w1 ready and active at Git's count, w3 not ready, saying why.
      const status = async (name: string) => (await ctx.a.custom.getNamespacedCustomObject({ ...GSO, namespace: ns, name })).status ?? {};
      const head = (await git(bare, 'rev-parse', 'main')).trim();
      let s1: any = {};
      for (let i = 0; i < 50 && s1.lastCommit?.sha !== head; i++, await sleep(100)) s1 = await status('w1');
      expect(s1).toMatchObject({ gitReplicas: 4, desiredReplicas: 4, lastCommit: { sha: head } });
      expect(s1.conditions.map((c: { type: string; status: string }) => `${c.type}=${c.status}`)).toEqual([
        'Ready=True',
        'Active=True',
        'Fallback=False',
        'Paused=False',
      ]);
      const s3 = await status('w3');
      expect(s3.conditions[0]).toMatchObject({ type: 'Ready', status: 'False', reason: 'UNKNOWN_TRIGGER_TYPE' });
      expect(s3.conditions[0].message).toMatch(/unknown trigger type 'nope'/);
      // Events: one per commit on w1; one warning on w3, however often it is refused again.
      const committed = (await events(ctx.a, ns, 'w1')).filter((e) => e.reason === 'Committed').map((e) => e.message);
      expect(committed).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^replicas 0 → 2 committed to Git \(commit [0-9a-f]{12}\)$/),
          `replicas 2 → 4 committed to Git (commit ${head.slice(0, 12)})`,
        ]),
      );
      expect(committed).toHaveLength(2);
      const failed = (await events(ctx.a, ns, 'w3')).filter((e) => e.reason === 'Failed');
      expect(failed).toHaveLength(1);
      expect(failed[0]).toMatchObject({ type: 'Warning', involvedObject: { kind: 'ScaledObject', apiVersion: 'gitscale.dev/v1alpha1' } });

      // Deleted: stopped.
      await ctx.a.custom.deleteNamespacedCustomObject({ ...GSO, namespace: ns, name: 'w1' });
      await run.waitFor(
        (l) => l.msg === 'config reloaded' && Array.isArray(l.removed) && (l.removed as string[]).includes(`${ns}/w1`),
        10_000,
      );
      const before = (await log(bare)).length;
      await ctx.redis.rpush(l1, ...Array.from({ length: 20 }, () => 'x'));
      await sleep(3000);
      expect((await log(bare)).length).toBe(before);
    } finally {
      expect((await run.stop()).code).toBe(0);
    }
  });

  it('status and printer columns: idle, erroring with fallback (health Failing, Fallback=True), paused', async () => {
    const ns = await newNamespace(ctx.a, 'status');
    const { bare, url } = await makeServedRepo(
      servers,
      Object.fromEntries(['idle', 'broken', 'held'].map((n) => [`apps/${n}.yaml`, deploymentYaml(n, n === 'idle' ? 0 : 1)])),
    );
    const [quiet, busy] = [await newList(ctx.redis, 0), await newList(ctx.redis, 30)];
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url }],
      watch: { namespaces: [ns] },
      cluster: { leaderElection: { enabled: false }, directPatch: false },
    });
    const run = startRun([
      '-c',
      config,
      '--log-format',
      'json',
      '--kubeconfig',
      servers.KUBECONFIG_PATH,
      '--data-dir',
      await tempDir('data'),
    ]);
    const status = async (name: string): Promise<any> =>
      (await ctx.a.custom.getNamespacedCustomObject({ ...GSO, namespace: ns, name })).status ?? {};
    const conditions = (s: any) =>
      Object.fromEntries(
        (s.conditions ?? []).map((c: { type: string; status: string; reason: string }) => [c.type, `${c.status}/${c.reason}`]),
      );
    const until = async (name: string, ok: (s: any) => boolean) => {
      let s: any = {};
      for (let i = 0; i < 150 && !ok(s); i++, await sleep(100)) s = await status(name);
      return s;
    };
    try {
      await run.waitFor((l) => l.msg === 'watching ScaledObjects');
      await ctx.a.custom.createNamespacedCustomObject({ ...GSO, namespace: ns, body: so('gitscale.dev/v1alpha1', 'idle', quiet) });
      // A Redis nobody listens on: every sample fails; past failureThreshold 1 the fallback stands in (3 replicas).
      const broken = so('gitscale.dev/v1alpha1', 'broken', busy, { ...redisList('127.0.0.1:1', busy), name: 'jobs' });
      await ctx.a.custom.createNamespacedCustomObject({
        ...GSO,
        namespace: ns,
        body: { ...broken, spec: { ...broken.spec, fallback: { failureThreshold: 1, replicas: 3 } } },
      });
      const held = so('gitscale.dev/v1alpha1', 'held', busy);
      await ctx.a.custom.createNamespacedCustomObject({
        ...GSO,
        namespace: ns,
        body: {
          ...held,
          metadata: { ...held.metadata, annotations: { ...held.metadata.annotations, 'autoscaling.keda.sh/paused': 'true' } },
        },
      });

      const idle = await until('idle', (s) => s.gitReplicas === 0 && conditions(s).Active === 'False/ScalerNotActive');
      expect(conditions(idle)).toEqual({
        Ready: 'True/ScaledObjectReady',
        Active: 'False/ScalerNotActive',
        Fallback: 'False/NoFallbackFound',
        Paused: 'False/ScaledObjectUnpaused',
      });
      expect(idle).toMatchObject({ gitReplicas: 0, desiredReplicas: 0, health: { 's0-redis': { numberOfFailures: 0, status: 'Happy' } } });
      expect(idle.lastActiveTime).toBeUndefined();

      const falling = await until('broken', (s) => s.desiredReplicas === 3 && conditions(s).Fallback === 'True/FallbackExists');
      expect(conditions(falling)).toMatchObject({
        Ready: 'True/ScaledObjectReady',
        Active: 'True/ScalerActive',
        Fallback: 'True/FallbackExists',
      });
      expect(falling.health['s0-jobs']).toMatchObject({ status: 'Failing' });
      expect(falling.health['s0-jobs'].numberOfFailures).toBeGreaterThan(1);
      expect(falling.conditions.find((c: { type: string }) => c.type === 'Fallback').message).toMatch(/falling back.*: s0-jobs$/);
      await run.waitFor((l) => l.msg === 'commit' && String(l.subject).includes(`${ns}/broken 1→3`), 20_000);

      const paused = await until('held', (s) => conditions(s).Paused === 'True/ScaledObjectPaused');
      expect(paused).toMatchObject({ gitReplicas: 1, desiredReplicas: 1 });
      expect(run.lines().filter((l) => l.msg === 'commit' && String(l.subject).includes('/held'))).toEqual([]);

      // What `kubectl get gso` prints for them.
      const rows = Object.fromEntries(
        (await printed(servers, `/apis/gitscale.dev/v1alpha1/namespaces/${ns}/scaledobjects`)).map((r) => [r.Name, r]),
      );
      expect(rows.idle).toMatchObject({ Target: 'idle', Git: 0, Desired: 0, Ready: 'True', Active: 'False' });
      expect(rows.held).toMatchObject({ Target: 'held', Git: 1, Desired: 1, Ready: 'True', Active: 'True' });
      const head = (await git(bare, 'rev-parse', 'main')).trim();
      const after = await until('broken', (s) => s.lastCommit?.sha === head);
      expect(after.gitReplicas).toBe(3);
      expect(
        (await printed(servers, `/apis/gitscale.dev/v1alpha1/namespaces/${ns}/scaledobjects`)).find((r) => r.Name === 'broken'),
      ).toMatchObject({ Git: 3, Desired: 3, Ready: 'True', Active: 'True' });
    } finally {
      expect((await run.stop()).code).toBe(0);
    }
  });

  it("watch.kedaObjects: keda.sh ScaledObjects with gitscale.dev/repository run (with a keda.sh TriggerAuthentication), status on them; those without the annotation stay KEDA's", async () => {
    const ns = await newNamespace(ctx.a, 'keda');
    const { url } = await makeServedRepo(servers, Object.fromEntries(['k1', 'k2'].map((n) => [`apps/${n}.yaml`, deploymentYaml(n, 0)])));
    const [l1, l2] = [await newList(ctx.redis, 10), await newList(ctx.redis, 10)];
    await ctx.a.custom.createNamespacedCustomObject({
      group: 'keda.sh',
      version: 'v1alpha1',
      plural: 'triggerauthentications',
      namespace: ns,
      body: {
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'TriggerAuthentication',
        metadata: { name: 'redis' },
        spec: { env: [{ parameter: 'address', name: 'KEDA_TEST_REDIS' }] },
      },
    });
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url }],
      watch: { namespaces: [ns], kedaObjects: true },
      cluster: { leaderElection: { enabled: false }, directPatch: false },
    });
    const run = startRun(
      ['-c', config, '--log-format', 'json', '--kubeconfig', servers.KUBECONFIG_PATH, '--data-dir', await tempDir('data')],
      { KEDA_TEST_REDIS: servers.REDIS_ADDRESS },
    );
    try {
      await run.waitFor((l) => l.msg === 'watching ScaledObjects');
      const k1 = so('keda.sh/v1alpha1', 'k1', l1, {
        type: 'redis',
        metadata: { listName: l1, listLength: '5' },
        authenticationRef: { name: 'redis' },
      });
      await ctx.a.custom.createNamespacedCustomObject({ ...KEDA, namespace: ns, body: k1 });
      // KEDA's own object (no gitscale.dev/repository): never gitscale's, even with kedaObjects.
      const k2 = so('keda.sh/v1alpha1', 'k2', l2);
      await ctx.a.custom.createNamespacedCustomObject({ ...KEDA, namespace: ns, body: { ...k2, metadata: { name: 'k2' } } });
      await run.waitFor((l) => l.msg === 'commit' && String(l.subject).includes(`${ns}/k1 0→2`), 20_000);
      let st: any = {};
      for (let i = 0; i < 50 && st.gitReplicas !== 2; i++, await sleep(100))
        st = (await ctx.a.custom.getNamespacedCustomObject({ ...KEDA, namespace: ns, name: 'k1' })).status ?? {};
      expect(st).toMatchObject({ gitReplicas: 2, desiredReplicas: 2 });
      await sleep(1500);
      expect(run.lines().filter((l) => l.msg === 'commit' && String(l.subject).includes('/k2'))).toEqual([]);
      expect((await ctx.a.custom.getNamespacedCustomObject({ ...KEDA, namespace: ns, name: 'k2' })).status).toBeUndefined();
    } finally {
      expect((await run.stop()).code).toBe(0);
    }
  });
});
