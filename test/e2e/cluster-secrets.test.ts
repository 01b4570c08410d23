// Trigger credentials from the cluster (real API server, real password-protected Redis):
// TriggerAuthentication secretTargetRef / configMapTargetRef read in the object's namespace,
// ClusterTriggerAuthentication in gitscale's, files and env as the fallback; KEDA's `*FromEnv`
// resolved against the target container's env as written in Git (literal values, Secret refs).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runGitscale } from '../support/cli.js';
import { scaledObject, writeConfig } from '../support/config.js';
import { makeServedRepo } from '../support/git.js';
import { admin, newNamespace, type Admin } from '../support/kube.js';

const servers = inject('servers');
let a: Admin;
let redis: Redis;
let ns = '';
let gsNs = '';
const list = `sec-${Date.now()}`;
beforeAll(async () => {
  a = admin(servers);
  redis = new Redis(servers.REDIS_AUTH_ADDRESS, { password: servers.REDIS_AUTH_PASSWORD });
  await redis.rpush(list, ...Array.from({ length: 10 }, () => 'j'));
  ns = await newNamespace(a, 'sec');
  gsNs = await newNamespace(a, 'gs');
  await a.core.createNamespacedSecret({
    namespace: ns,
    body: { metadata: { name: 'redis-auth' }, stringData: { password: servers.REDIS_AUTH_PASSWORD } },
  });
  await a.core.createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { name: 'redis-conn' }, data: { address: servers.REDIS_AUTH_ADDRESS } },
  });
  await a.core.createNamespacedSecret({
    namespace: gsNs,
    body: { metadata: { name: 'shared-redis' }, stringData: { pw: servers.REDIS_AUTH_PASSWORD } },
  });
});
afterAll(async () => {
  await redis.del(list);
  await redis.quit();
});

const manifest = (env = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
spec:
  replicas: 0
  template:
    spec:
      containers:
        - name: worker
          image: worker:1
${env}`;

async function config(files: Record<string, string>, trigger: Record<string, unknown>, triggerAuthentications: unknown[] = []) {
  const { url } = await makeServedRepo(servers, files);
  return writeConfig({
    repositories: [{ name: 'manifests', url }],
    triggerAuthentications,
    cluster: { directPatch: false },
    scaledObjects: [scaledObject({ name: 'worker', namespace: ns, path: 'worker.yaml', triggers: [trigger] })],
  });
}

const once = async (cfg: string, kube: boolean, env: Record<string, string> = {}) => {
  const r = await runGitscale(['once', '-c', cfg, '-o', 'json', ...(kube ? ['--kubeconfig', servers.KUBECONFIG_PATH] : [])], {
    POD_NAMESPACE: gsNs,
    ...env,
  });
  return { ...r, obj: JSON.parse(r.stdout).objects[0] };
};

describe('trigger credentials from the cluster', () => {
  it('a TriggerAuthentication reads its Secret and ConfigMap from the object’s namespace', async () => {
    const cfg = await config(
      { 'worker.yaml': manifest() },
      { type: 'redis', metadata: { listName: list, listLength: '5' }, authenticationRef: { name: 'redis' } },
      [
        {
          apiVersion: 'keda.sh/v1alpha1',
          kind: 'TriggerAuthentication',
          metadata: { name: 'redis', namespace: ns },
          spec: {
            secretTargetRef: [{ parameter: 'password', name: 'redis-auth', key: 'password' }],
            configMapTargetRef: [{ parameter: 'address', name: 'redis-conn', key: 'address' }],
          },
        },
      ],
    );
    const r = await once(cfg, true);
    expect(r.obj.error).toBeNull();
    expect(r.obj).toMatchObject({ current: 0, desired: 2, route: 'commit' });
    expect(r.stdout + r.stderr).not.toContain(servers.REDIS_AUTH_PASSWORD);
    // Without a cluster the ConfigMap cannot be read: the trigger says why; nothing is scaled.
    const none = await once(cfg, false, { [`GITSCALE_SECRET_REDIS_AUTH_PASSWORD`]: servers.REDIS_AUTH_PASSWORD });
    expect(none.obj.triggers[0].error).toMatch(/configMapTargetRef redis-conn\/address is read from the cluster, and none is configured/);
    // (Git holds 2 since the run above: every trigger failed, so nothing changes.)
    expect(none.obj).toMatchObject({ current: 2, desired: 2, errorCode: 'ALL_TRIGGERS_FAILED' });
  });

  it('a ClusterTriggerAuthentication reads from gitscale’s namespace; a Secret missing there falls back to the environment', async () => {
    const auth = (secret: string, key: string) => [
      {
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ClusterTriggerAuthentication',
        metadata: { name: 'shared' },
        spec: { secretTargetRef: [{ parameter: 'password', name: secret, key }] },
      },
    ];
    const trigger = {
      type: 'redis',
      metadata: { address: servers.REDIS_AUTH_ADDRESS, listName: list, listLength: '5' },
      authenticationRef: { name: 'shared', kind: 'ClusterTriggerAuthentication' },
    };
    const fromCluster = await once(await config({ 'worker.yaml': manifest() }, trigger, auth('shared-redis', 'pw')), true);
    expect(fromCluster.obj).toMatchObject({ error: null, desired: 2 });
    const cfg = await config({ 'worker.yaml': manifest() }, trigger, auth('elsewhere', 'pw'));
    const missing = await once(cfg, true);
    expect(missing.obj.triggers[0].error).toMatch(
      new RegExp(
        `secret elsewhere/pw .* not found \\(looked in: Secret ${gsNs}/elsewhere key pw in the cluster, env GITSCALE_SECRET_ELSEWHERE_PW\\)`,
      ),
    );
    const fallback = await once(cfg, true, { GITSCALE_SECRET_ELSEWHERE_PW: servers.REDIS_AUTH_PASSWORD });
    expect(fallback.obj).toMatchObject({ error: null, desired: 2 });
  });

  it('*FromEnv resolves against the target container’s env in Git: a literal value and a Secret reference', async () => {
    const env = `          env:
            - name: REDIS_ADDR
              value: "${servers.REDIS_AUTH_ADDRESS}"
            - name: REDIS_PW
              valueFrom:
                secretKeyRef: { name: redis-auth, key: password }
`;
    const trigger = {
      type: 'redis',
      metadata: { addressFromEnv: 'REDIS_ADDR', passwordFromEnv: 'REDIS_PW', listName: list, listLength: '5' },
    };
    const cfg = await config({ 'worker.yaml': manifest(env) }, trigger);
    const v = await runGitscale(['validate', '-c', cfg]);
    expect(v.stdout).toMatch(/^ok: 1 object/m);
    expect(v.code).toBe(0);
    const r = await once(cfg, true);
    expect(r.obj).toMatchObject({ error: null, desired: 2 });
    // A variable neither gitscale nor the container has: validate names it (exit 2).
    const bad = await config({ 'worker.yaml': manifest(env) }, { ...trigger, metadata: { ...trigger.metadata, passwordFromEnv: 'NOPE' } });
    const vb = await runGitscale(['validate', '-c', bad, '-o', 'json']);
    expect(vb.code).toBe(2);
    expect(JSON.parse(vb.stdout).problems).toContainEqual(
      expect.objectContaining({
        field: 'spec.triggers[0].metadata.passwordFromEnv',
        code: 'TRIGGER_ENV_MISSING',
        message: expect.stringMatching(/'NOPE'.*nor in the env of the target container in worker\.yaml/),
      }),
    );
  });
});
