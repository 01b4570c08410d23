// config/default (the Kustomize install) rendered with the real kustomize (built from the Go
// module proxy) and given to the real API server: every object is accepted (server-side dry run;
// the CRDs for real), `kubectl get gso` shows the columns a person reads, the Deployment keeps its
// lock-down, the RBAC is config/rbac's (what the least-privilege test proves), and the shipped
// sample config loads.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { parse, parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/reconciler/sources/load.js';
import { admin, createOrReplace, newNamespace, printed, type Admin } from '../support/kube.js';

const run = promisify(execFile);
const servers = inject('servers');
const ROOT = join(import.meta.dirname, '../..');
let a: Admin;
let objects: k8s.KubernetesObjectApi;
let docs: k8s.KubernetesObject[] = [];

beforeAll(async () => {
  a = admin(servers);
  objects = k8s.KubernetesObjectApi.makeApiClient(a.kc);
  const { stdout: bin } = await run('bash', [join(ROOT, 'scripts/servers/build-kustomize.sh')], { timeout: 20 * 60_000 });
  const { stdout } = await run(bin.trim().split('\n').pop()!, ['build', join(ROOT, 'config/default')], { maxBuffer: 1 << 24 });
  docs = parseAllDocuments(stdout).map((d) => d.toJS() as k8s.KubernetesObject);
}, 20 * 60_000);

const byKind = (kind: string) => docs.filter((d) => d.kind === kind);

describe('config/default (Kustomize)', () => {
  it('renders the namespace, the three CRDs, the RBAC, the config, the Service and the Deployment', () => {
    expect(docs.map((d) => `${d.kind}/${d.metadata?.name}`).sort()).toEqual([
      'ClusterRole/gitscale',
      'ClusterRoleBinding/gitscale',
      'ConfigMap/gitscale-config',
      'CustomResourceDefinition/clustertriggerauthentications.gitscale.dev',
      'CustomResourceDefinition/scaledobjects.gitscale.dev',
      'CustomResourceDefinition/triggerauthentications.gitscale.dev',
      'Deployment/gitscale',
      'Namespace/gitscale',
      'Role/gitscale-leader-election',
      'RoleBinding/gitscale-leader-election',
      'Service/gitscale-metrics',
      'ServiceAccount/gitscale',
    ]);
  });

  it('the API server accepts every object (CRDs installed, the rest as a server-side dry run)', async () => {
    await a.core.createNamespace({ body: { metadata: { name: 'gitscale' } } }).catch((e) => {
      if (e.code !== 409) throw e;
    });
    for (const d of byKind('CustomResourceDefinition')) {
      await objects.create(d).catch((e) => {
        if (!(e instanceof k8s.ApiException && e.code === 409)) throw e;
      });
    }
    for (const d of docs.filter((x) => x.kind !== 'CustomResourceDefinition' && x.kind !== 'Namespace')) {
      // A dry run is judged in full (schema, admission), then discarded: the RBAC tests own the real roles.
      const created = await createOrReplace(a, d, true);
      expect(created.kind).toBe(d.kind);
    }
  });

  it('the Deployment is locked down and probed', () => {
    const dep = byKind('Deployment')[0] as k8s.V1Deployment;
    const pod = dep.spec!.template.spec!;
    const c = pod.containers[0];
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(c.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(c.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(c.args).toEqual(expect.arrayContaining(['--listen', '0.0.0.0:8080']));
    expect(pod.serviceAccountName).toBe('gitscale');
    expect(c.volumeMounts?.map((m) => m.mountPath).sort()).toEqual(['/data', '/etc/gitscale', '/tmp']);
  });

  it('grants exactly config/rbac', () => {
    const want = parse(fs.readFileSync(join(ROOT, 'config/rbac/cluster-role.yaml'), 'utf8'));
    expect((byKind('ClusterRole')[0] as k8s.V1ClusterRole).rules).toEqual(want.rules);
  });

  it('the shipped config loads without a problem', async () => {
    const cm = byKind('ConfigMap')[0] as k8s.V1ConfigMap;
    const file = join(ROOT, 'config/manager/gitscale.yaml');
    expect(cm.data?.['gitscale.yaml']).toBe(fs.readFileSync(file, 'utf8'));
    const r = await loadConfig(file, { env: { GIT_TOKEN: 't' }, fs });
    expect(r.problems).toEqual([]);
    expect(r.config?.objects).toEqual([]);
    expect(r.config?.watch).toEqual({ namespaces: ['*'], kedaObjects: false });
  });

  it('kubectl get gso shows target, min, max, Git, desired, ready, active, PR and age', async () => {
    const ns = await newNamespace(a, 'gso');
    const r = { group: 'gitscale.dev', version: 'v1alpha1', plural: 'scaledobjects' };
    for (let i = 0; i < 50; i++) {
      try {
        await a.custom.listNamespacedCustomObject({ ...r, namespace: ns });
        break;
      } catch {
        await new Promise((res) => setTimeout(res, 100));
      }
    }
    await a.custom.createNamespacedCustomObject({
      ...r,
      namespace: ns,
      body: {
        apiVersion: 'gitscale.dev/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name: 'consumer' },
        spec: {
          scaleTargetRef: { name: 'worker' },
          minReplicaCount: 0,
          maxReplicaCount: 10,
          triggers: [{ type: 'redis', metadata: { listName: 'jobs' } }],
        },
      },
    });
    await a.custom.patchNamespacedCustomObjectStatus(
      {
        ...r,
        namespace: ns,
        name: 'consumer',
        body: {
          status: {
            gitReplicas: 2,
            desiredReplicas: 4,
            pullRequest: 'https://git.example.com/pr/7',
            conditions: [
              { type: 'Ready', status: 'True' },
              { type: 'Active', status: 'True' },
            ],
          },
        },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    // What kubectl asks for: the server-side Table with the CRD's printer columns.
    const rows = await printed(servers, `/apis/gitscale.dev/v1alpha1/namespaces/${ns}/scaledobjects`);
    expect(Object.keys(rows[0])).toEqual(['Name', 'Target', 'Min', 'Max', 'Git', 'Desired', 'Ready', 'Active', 'PR', 'Age']);
    expect(Object.values(rows[0]).slice(0, 9)).toEqual(['consumer', 'worker', 0, 10, 2, 4, 'True', 'True', 'https://git.example.com/pr/7']);
    // KEDA's spec, unchanged, is what the schema takes: a bad one is refused by the API server.
    await expect(
      a.custom.createNamespacedCustomObject({
        ...r,
        namespace: ns,
        body: {
          apiVersion: 'gitscale.dev/v1alpha1',
          kind: 'ScaledObject',
          metadata: { name: 'bad' },
          spec: { scaleTargetRef: { name: 'w' }, triggers: [{ type: 'redis', metadata: { listLength: 5 } }] },
        },
      }),
    ).rejects.toThrow(/422|Invalid/);
  });
});
