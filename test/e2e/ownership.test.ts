// Ownership checks on the real API server: an HPA, a KEDA ScaledObject, an Argo CD Application
// ignoring /spec/replicas with RespectIgnoreDifferences, Flux's ssa: IfNotPresent — each would
// swallow gitscale's commits; validate warns (exit 0), once logs each once.
import { describe, expect, inject, it } from 'vitest';
import { runGitscale } from '../support/cli.js';
import { scaledObject, writeConfig } from '../support/config.js';
import { makeServedRepo } from '../support/git.js';
import { APP, admin, createCustom, createDeployment, newNamespace } from '../support/kube.js';

const servers = inject('servers');

describe('ownership checks', () => {
  it('validate and once warn about every other owner of the replicas, and only those', async () => {
    const a = admin(servers);
    const ns = await newNamespace(a, 'own');
    for (const name of ['busy', 'calm']) await createDeployment(a, ns, name, 1);
    await a.apps.patchNamespacedDeployment(
      { namespace: ns, name: 'busy', body: { metadata: { annotations: { 'kustomize.toolkit.fluxcd.io/ssa': 'IfNotPresent' } } } },
      (await import('@kubernetes/client-node')).setHeaderOptions('Content-Type', 'application/merge-patch+json'),
    );
    const { url } = await makeServedRepo(servers, {
      'apps/busy.yaml': `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: busy\nspec:\n  replicas: 1\n`,
      'apps/calm.yaml': `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: calm\nspec:\n  replicas: 1\n`,
    });
    const { AutoscalingV2Api } = await import('@kubernetes/client-node');
    await a.kc.makeApiClient(AutoscalingV2Api).createNamespacedHorizontalPodAutoscaler({
      namespace: ns,
      body: {
        metadata: { name: 'busy' },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'busy' },
          minReplicas: 1,
          maxReplicas: 5,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
        },
      },
    });
    await a.custom.createNamespacedCustomObject({
      group: 'keda.sh',
      version: 'v1alpha1',
      plural: 'scaledobjects',
      namespace: ns,
      body: {
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name: 'busy-keda' },
        spec: { scaleTargetRef: { name: 'busy' }, triggers: [] },
      },
    });
    await createCustom(a, APP, ns, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'apps' },
      spec: {
        source: { repoURL: url, path: 'apps' },
        ignoreDifferences: [{ group: 'apps', kind: 'Deployment', name: 'busy', jsonPointers: ['/spec/replicas'] }],
        syncPolicy: { syncOptions: ['RespectIgnoreDifferences=true'] },
      },
    });
    const trigger = {
      type: 'metrics-api',
      metadata: { url: `${servers.METRICS_URL}/own-${ns}`, valueLocation: 'depth', targetValue: '5' },
    };
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url }],
      cluster: { directPatch: false },
      scaledObjects: ['busy', 'calm'].map((name) => scaledObject({ name, namespace: ns, path: `apps/${name}.yaml`, triggers: [trigger] })),
    });
    const v = await runGitscale(['validate', '-c', config, '-o', 'json', '--kubeconfig', servers.KUBECONFIG_PATH]);
    expect(v.code).toBe(0);
    const warnings = JSON.parse(v.stdout).warnings as { object: string; code: string; message: string }[];
    expect(warnings.filter((w) => w.object === `${ns}/busy`).map((w) => w.code)).toEqual([
      'OWNERSHIP_ARGOCD_IGNORES_REPLICAS',
      'OWNERSHIP_FLUX_SSA_IF_NOT_PRESENT',
      'OWNERSHIP_HPA',
      'OWNERSHIP_KEDA',
    ]);
    expect(warnings.filter((w) => w.object === `${ns}/calm`)).toEqual([]);
    expect(warnings.find((w) => w.code === 'OWNERSHIP_HPA')?.message).toContain(`HorizontalPodAutoscaler ${ns}/busy`);

    const once = await runGitscale(['once', '-c', config, '--kubeconfig', servers.KUBECONFIG_PATH, '--log-level', 'warn']);
    const lines = once.stderr.split('\n').filter((l) => l.includes('ownership: another owner'));
    expect(lines).toHaveLength(4);
    expect(lines.every((l) => l.includes(`object=${ns}/busy`))).toBe(true);
  });
});
