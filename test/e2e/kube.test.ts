// Smoke test of the real etcd + kube-apiserver the global setup starts (test/support/servers/kube.ts):
// no mocks, plain fetch with the admin token, trusting the apiserver's self-signed certificate.
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { beforeAll, describe, expect, inject, it } from 'vitest';

const servers = inject('servers');
const ns = `smoke-${randomBytes(4).toString('hex')}`;

async function kube(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${servers.KUBE_URL}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${servers.KUBE_TOKEN}`,
      Accept: 'application/json',
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* plain text, e.g. /readyz */
  }
  return { status: res.status, body: parsed };
}

beforeAll(async () => {
  // fetch has no per-request CA option: trust the apiserver's self-signed bundle in this worker.
  setDefaultCACertificates([...getCACertificates('default'), readFileSync(servers.KUBE_CA_FILE, 'utf8')]);
  const r = await kube('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  expect(r.status).toBe(201);
});

describe('kube-apiserver test server', () => {
  it('is ready and writes a kubeconfig for the admin user', async () => {
    const r = await kube('GET', '/readyz');
    expect(r.status).toBe(200);
    expect(r.body).toBe('ok');
    expect((await kube('GET', '/version')).body.gitVersion).toBe('v1.37.2');
    const kubeconfig = readFileSync(servers.KUBECONFIG_PATH, 'utf8');
    expect(kubeconfig).toContain(`server: ${servers.KUBE_URL}`);
    expect(kubeconfig).toContain(`token: ${servers.KUBE_TOKEN}`);
  });

  it('creates a Deployment and reads its scale subresource', async () => {
    const created = await kube('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } },
      },
    });
    expect(created.status).toBe(201);
    const scale = await kube('GET', `/apis/apps/v1/namespaces/${ns}/deployments/web/scale`);
    expect(scale.status).toBe(200);
    expect(scale.body).toMatchObject({ apiVersion: 'autoscaling/v1', kind: 'Scale', spec: { replicas: 3 } });
  });

  it('serves the Argo CD and Flux CRDs; an Application round-trips without the first-create delay', async () => {
    for (const [group, version, plural] of [
      ['argoproj.io', 'v1alpha1', 'applications'],
      ['source.toolkit.fluxcd.io', 'v1', 'gitrepositories'],
      ['kustomize.toolkit.fluxcd.io', 'v1', 'kustomizations'],
    ]) {
      expect((await kube('GET', `/apis/${group}/${version}/namespaces/${ns}/${plural}`)).status).toBe(200);
    }
    const path = `/apis/argoproj.io/v1alpha1/namespaces/${ns}/applications`;
    const spec = {
      project: 'default',
      source: { repoURL: 'https://example.invalid/repo.git', path: 'apps/web', targetRevision: 'main' },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'web' },
    };
    const t0 = Date.now();
    const created = await kube('POST', path, { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'web' }, spec });
    expect(created.status).toBe(201);
    expect(Date.now() - t0).toBeLessThan(1_500);
    const read = await kube('GET', `${path}/web`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ kind: 'Application', metadata: { name: 'web', namespace: ns }, spec });
    const status = await kube('PUT', `${path}/web/status`, { ...read.body, status: { sync: { status: 'Synced' } } });
    expect(status.status).toBe(200);
    expect(status.body.status).toEqual({ sync: { status: 'Synced' } });
  });

  it('denies a user without RBAC grants', async () => {
    const res = await fetch(`${servers.KUBE_URL}/apis/apps/v1/namespaces/${ns}/deployments/web/scale`, {
      headers: { Authorization: `Bearer ${servers.KUBE_USER_TOKEN}` },
    });
    expect(res.status).toBe(403);
    await res.text();
  });
});
