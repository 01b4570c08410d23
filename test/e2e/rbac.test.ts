// config/rbac/ is exactly enough: gitscale runs as the real ServiceAccount (a token from the
// TokenRequest API) with only those roles — live read, nudges, the wait, the patch, the Event,
// leader election with shards — and removing one rule fails clearly, naming verb and resource.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startRun } from '../support/bin.js';
import { newList, runGitscale } from '../support/cli.js';
import { redisList, scaledObject, writeConfig } from '../support/config.js';
import { makeServedRepo, show } from '../support/git.js';
import { argoStandIn } from '../support/gitops.js';
import { FLUX_LABEL } from '../support/servers/flux.js';
import {
  APP,
  GITREPO,
  KS,
  admin,
  createOrReplace,
  deploymentYaml,
  createCustom,
  createDeployment,
  events,
  newNamespace,
  specReplicas,
  type Admin,
} from '../support/kube.js';
import { tempDir } from '../support/temp.js';

const servers = inject('servers');
const RBAC = join(import.meta.dirname, '../../config/rbac');
let redis: Redis;
let a: Admin;
let saKubeconfig = '';
let role: k8s.V1ClusterRole;

const apply = async (doc: k8s.KubernetesObject): Promise<void> => void (await createOrReplace(a, doc));

beforeAll(async () => {
  redis = new Redis(servers.REDIS_ADDRESS);
  a = admin(servers);
  await a.core.createNamespace({ body: { metadata: { name: 'gitscale' } } }).catch((e) => {
    if (e.code !== 409) throw e;
  });
  const docs = readdirSync(RBAC)
    .filter((f) => f !== 'kustomization.yaml')
    .flatMap((f) => parseAllDocuments(readFileSync(join(RBAC, f), 'utf8')).map((d) => d.toJS() as k8s.KubernetesObject));
  expect(docs.map((d) => d.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'ServiceAccount']);
  for (const d of docs) await apply(d);
  role = docs.find((d) => d.kind === 'ClusterRole') as k8s.V1ClusterRole;
  const token = await a.core.createNamespacedServiceAccountToken({
    namespace: 'gitscale',
    name: 'gitscale',
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  saKubeconfig = join(await tempDir('sa'), 'gitscale.kubeconfig');
  writeFileSync(
    saKubeconfig,
    readFileSync(servers.KUBECONFIG_PATH, 'utf8').replace(servers.KUBE_TOKEN, token.status!.token!).replaceAll('admin', 'gitscale-sa'),
    { mode: 0o600 },
  );
});
afterAll(async () => {
  await redis.quit();
  await apply(role);
});

const manifest = (ns: string) => deploymentYaml('worker', 0, ns);

/** Deployment `worker` at 0 in a new namespace, its manifest in a served repository, an Application and a Flux GitRepository + Kustomization applying it, and work in the queue. */
async function world(queue: number) {
  const ns = await newNamespace(a, 'rbac');
  await createDeployment(a, ns, 'worker', 0);
  // Flux (real) applies apps/ through its kustomization.yaml, which lists only a ConfigMap: the
  // Deployment is left to gitscale's patch, so every call gitscale makes is exercised.
  const { bare, url } = await makeServedRepo(servers, {
    'apps/worker.yaml': manifest(ns),
    'apps/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [config.yaml]\n',
    'apps/config.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: ${ns}\ndata: { a: b }\n`,
  });
  await createCustom(a, APP, ns, {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'apps' },
    spec: { source: { repoURL: url, path: 'apps' } },
  });
  await createCustom(a, GITREPO, ns, {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name: 'apps', labels: FLUX_LABEL },
    spec: { url, interval: '10m', ref: { branch: 'main' } },
  });
  await createCustom(a, KS, ns, {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: 'apps', labels: FLUX_LABEL },
    spec: { path: './apps', interval: '10m', prune: true, sourceRef: { kind: 'GitRepository', name: 'apps' } },
  });
  const list = await newList(redis, queue);
  const config = await writeConfig({
    repositories: [{ name: 'manifests', url }],
    // ScaledObjects from the cluster too (none there): the list and watch permissions are exercised.
    watch: { namespaces: [ns], kedaObjects: true },
    cluster: { syncWaitSeconds: 5, shards: 2, leaderElection: { leaseDurationSeconds: 4, renewDeadlineSeconds: 3, retryPeriodSeconds: 1 } },
    scaledObjects: [
      scaledObject({
        name: 'worker',
        namespace: ns,
        path: 'apps/worker.yaml',
        spec: { pollingInterval: 1 },
        triggers: [redisList(servers.REDIS_ADDRESS, list)],
      }),
    ],
  });
  return { ns, bare, config, argo: argoStandIn(a, ns, 'apps', bare) };
}

async function withoutRule(group: string, resource: string, verb: string, fn: () => Promise<void>): Promise<void> {
  const rules = role
    .rules!.map((r) =>
      r.apiGroups!.includes(group) && r.resources!.includes(resource) ? { ...r, verbs: r.verbs.filter((v) => v !== verb) } : r,
    )
    .filter((r) => r.verbs.length > 0);
  await apply({ ...role, rules } as k8s.V1ClusterRole);
  try {
    await fn();
  } finally {
    await apply(role);
  }
}

describe('config/rbac: least privilege on the real API server', () => {
  it('gitscale run works as the ServiceAccount with exactly those roles', async () => {
    const w = await world(10);
    const run = startRun(['-c', w.config, '--log-format', 'json', '--data-dir', await tempDir('data'), '--kubeconfig', saKubeconfig], {
      POD_NAMESPACE: 'gitscale',
      POD_NAME: 'rbac',
    });
    try {
      await run.waitFor((l) => l.msg === 'lease acquired: this replica writes');
      await run.waitFor((l) => l.msg === 'watching ScaledObjects');
      await run.waitFor((l) => l.msg === 'scale patched', 30_000);
    } finally {
      await run.stop();
      await w.argo.stop();
    }
    expect(run.stderr()).not.toMatch(/forbidden|KUBE_/i);
    expect(await show(w.bare, 'main', 'apps/worker.yaml')).toContain('replicas: 2');
    expect(await specReplicas(a, w.ns, 'worker')).toBe(2);
    expect(w.argo.handled.length).toBeGreaterThanOrEqual(1);
    expect((await events(a, w.ns, 'worker')).some((e) => e.reason === 'ScaledFromZero')).toBe(true);
  });

  it.each([
    { group: 'apps', resource: 'deployments/scale', verb: 'patch', want: /forbidden to patch deployments\.apps\/scale in namespace rbac-/ },
    { group: 'apps', resource: 'deployments/scale', verb: 'get', want: /forbidden to get deployments\.apps\/scale in namespace rbac-/ },
    { group: 'argoproj.io', resource: 'applications', verb: 'list', want: /forbidden to list applications\.argoproj\.io/ },
    {
      group: 'argoproj.io',
      resource: 'applications',
      verb: 'patch',
      want: /forbidden to patch applications\.argoproj\.io in namespace rbac-/,
    },
    { group: '', resource: 'events', verb: 'create', want: /forbidden to create events in namespace rbac-/ },
  ])('without $verb on $resource: a clear error naming them', async ({ group, resource, verb, want }) => {
    const w = await world(10);
    try {
      await withoutRule(group, resource, verb, async () => {
        const r = await runGitscale(['once', '-c', w.config, '-o', 'json', '--kubeconfig', saKubeconfig]);
        expect(r.stdout + r.stderr).toMatch(want);
      });
    } finally {
      await w.argo.stop();
    }
  });
});
