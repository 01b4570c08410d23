// Test-side access to the real kube-apiserver of the global setup, as its admin: namespaces,
// Deployments (with status set through the status subresource, since no controller-manager
// runs), Argo CD Applications and Flux objects, Events.
import * as k8s from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as tls from 'node:tls';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { createKube } from '../../src/cluster/kube.js';
import type { Kube } from '../../src/cluster/index.js';

export interface Admin {
  kc: k8s.KubeConfig;
  kube: Kube;
  apps: k8s.AppsV1Api;
  core: k8s.CoreV1Api;
  custom: k8s.CustomObjectsApi;
}

export function admin(servers: Record<string, string>, path = servers.KUBECONFIG_PATH): Admin {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(path);
  return {
    kc,
    kube: createKube(kc, { identity: 'test' }),
    apps: kc.makeApiClient(k8s.AppsV1Api),
    core: kc.makeApiClient(k8s.CoreV1Api),
    custom: kc.makeApiClient(k8s.CustomObjectsApi),
  };
}

export async function newNamespace(a: Admin, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await a.core.createNamespace({ body: { metadata: { name } } });
  return name;
}

export async function createDeployment(a: Admin, namespace: string, name: string, replicas: number): Promise<void> {
  await a.apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name },
      spec: {
        replicas,
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: 'worker:1' }] } },
      },
    },
  });
}

/** What a controller-manager would report: replicas running and ready. */
export async function setDeploymentStatus(a: Admin, namespace: string, name: string, replicas: number, ready: number): Promise<void> {
  await a.apps.patchNamespacedDeploymentStatus(
    { namespace, name, body: { status: { replicas, readyReplicas: ready, availableReplicas: ready } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
}

export async function specReplicas(a: Admin, namespace: string, name: string): Promise<number> {
  return (await a.apps.readNamespacedDeploymentScale({ namespace, name })).spec?.replicas ?? 0;
}

export async function events(a: Admin, namespace: string, name: string): Promise<k8s.CoreV1Event[]> {
  const list = await a.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
  return list.items;
}

export const APP = { group: 'argoproj.io', version: 'v1alpha1', plural: 'applications' };
export const GITREPO = { group: 'source.toolkit.fluxcd.io', version: 'v1', plural: 'gitrepositories' };
export const KS = { group: 'kustomize.toolkit.fluxcd.io', version: 'v1', plural: 'kustomizations' };

export async function createCustom(a: Admin, r: typeof APP, namespace: string, body: Record<string, unknown>): Promise<any> {
  return a.custom.createNamespacedCustomObject({ ...r, namespace, body });
}

export async function getCustom(a: Admin, r: typeof APP, namespace: string, name: string): Promise<any> {
  return a.custom.getNamespacedCustomObject({ ...r, namespace, name });
}

export async function patchCustomStatus(
  a: Admin,
  r: typeof APP,
  namespace: string,
  name: string,
  status: Record<string, unknown>,
): Promise<void> {
  await a.custom.patchNamespacedCustomObjectStatus(
    { ...r, namespace, name, body: { status } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
}

export async function patchCustomMeta(
  a: Admin,
  r: typeof APP,
  namespace: string,
  name: string,
  annotations: Record<string, string | null>,
): Promise<void> {
  await a.custom.patchNamespacedCustomObject(
    { ...r, namespace, name, body: { metadata: { annotations } } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
}

/** A Deployment manifest the API server accepts (selector, template), as it would sit in Git. */
export function deploymentYaml(name: string, replicas: number, namespace?: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
${namespace ? `  namespace: ${namespace}\n` : ''}spec:
  replicas: ${replicas}
  selector:
    matchLabels: { app: ${name} }
  template:
    metadata:
      labels: { app: ${name} }
    spec:
      containers: [{ name: ${name}, image: "${name}:1" }]
`;
}

/** A test file's Redis connection and API-server admin, opened before its tests and closed after. */
export function redisAndAdmin(servers: Record<string, string>): { redis: Redis; a: Admin } {
  const ctx = {} as { redis: Redis; a: Admin };
  beforeAll(() => {
    ctx.redis = new Redis(servers.REDIS_ADDRESS);
    ctx.a = admin(servers);
  });
  afterAll(async () => void (await ctx.redis.quit()));
  return ctx;
}

/**
 * Creates `doc`, or replaces the one already there (as `kubectl apply` would end up); `dryRun`:
 * judged in full by the API server (schema, admission), then discarded. Errors name the object.
 */
export async function createOrReplace(a: Admin, doc: k8s.KubernetesObject, dryRun = false): Promise<k8s.KubernetesObject> {
  const objects = k8s.KubernetesObjectApi.makeApiClient(a.kc);
  const dr = dryRun ? 'All' : undefined;
  try {
    return await objects.create(doc, undefined, dr);
  } catch (e) {
    if (!(e instanceof k8s.ApiException && e.code === 409))
      throw new Error(`${doc.kind}/${doc.metadata?.name}: ${(e as Error).message.slice(0, 400)}`);
    const resourceVersion = (await objects.read(doc as never)).metadata?.resourceVersion;
    return objects.replace({ ...doc, metadata: { ...doc.metadata, resourceVersion } }, undefined, dr);
  }
}

/** What `kubectl get` prints: the API server's Table for a list, with the CRD's printer columns ({column: cell} per row). */
export async function printed(servers: Record<string, string>, path: string): Promise<Record<string, unknown>[]> {
  tls.setDefaultCACertificates([...new Set([...tls.getCACertificates('default'), readFileSync(servers.KUBE_CA_FILE, 'utf8')])]);
  const res = await fetch(`${servers.KUBE_URL}${path}`, {
    headers: { Authorization: `Bearer ${servers.KUBE_TOKEN}`, Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
  });
  if (!res.ok) throw new Error(`GET ${path} as Table: ${res.status} ${await res.text()}`);
  const table = (await res.json()) as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
  return table.rows.map((r) => Object.fromEntries(table.columnDefinitions.map((c, i) => [c.name, r.cells[i]])));
}
