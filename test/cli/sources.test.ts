// Merging the config file with what the cluster and the repositories hold: a ScaledObject both in
// Git (discovered) and in the cluster (Argo CD applied it) runs once, as Git has it; the cluster's
// TriggerAuthentications are each validated alone and never replace the file's.
import * as fs from 'node:fs';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { mergeClusterObjects } from '../../src/cli/sources.js';
import type { KubeObject } from '../../src/cluster/index.js';

const deps = { env: {}, fs };
const trigger = (auth?: string) => ({ type: 'redis', metadata: { address: 'redis:6379', listName: 'jobs' }, ...(auth ? { authenticationRef: { name: auth } } : {}) });
const raw = (name: string, path: string, auth?: string) => ({
  apiVersion: 'gitscale.dev/v1alpha1', kind: 'ScaledObject',
  metadata: { name, namespace: 'shop', annotations: { 'gitscale.dev/repository': 'm', 'gitscale.dev/path': path } },
  spec: { scaleTargetRef: { name }, triggers: [trigger(auth)] },
});
const file = stringify({ repositories: [{ name: 'm', url: '/tmp/m', discover: true }], watch: { namespaces: ['shop'] }, triggerAuthentications: [{ kind: 'TriggerAuthentication', metadata: { name: 'shared', namespace: 'shop' }, spec: { env: [{ parameter: 'password', name: 'FROM_FILE' }] } }] });
const ta = (name: string, spec: Record<string, unknown>, apiVersion = 'gitscale.dev/v1alpha1'): KubeObject => ({ apiVersion, kind: 'TriggerAuthentication', metadata: { name, namespace: 'shop' }, spec });

describe('mergeClusterObjects', () => {
  it('one found in Git and applied to the cluster runs once, as Git has it', () => {
    const inCluster = { ...raw('web', 'cluster/web.yaml'), metadata: { ...raw('web', 'x').metadata, uid: 'u1' } } as KubeObject;
    const r = mergeClusterObjects(file, '/etc/gitscale.yaml', { scaledObjects: [inCluster, raw('solo', 'apps/solo.yaml') as KubeObject], triggerAuthentications: [] }, deps, [{ objects: [{ repository: 'm', path: 'apps/web/so.yaml', raw: raw('web', 'apps/web/deploy.yaml') }], problems: [] }]);
    expect(r.problems).toEqual([]);
    expect(r.config!.objects.map((o) => [o.key, o.path])).toEqual([['shop/web', 'apps/web/deploy.yaml'], ['shop/solo', 'apps/solo.yaml']]);
  });

  it('a discovered object with a bad field is refused naming its file in the repository', () => {
    const bad = { ...raw('bad', 'apps/bad.yaml'), spec: { scaleTargetRef: { name: 'bad' }, minReplicaCount: -1, triggers: [trigger()] } };
    const r = mergeClusterObjects(file, '/etc/gitscale.yaml', { scaledObjects: [], triggerAuthentications: [] }, deps, [{ objects: [{ repository: 'm', path: 'apps/bad/so.yaml', raw: bad }], problems: [] }]);
    expect(r.discoveredProblems).toEqual([expect.objectContaining({ object: 'shop/bad', file: 'apps/bad/so.yaml in repository m', field: 'spec.minReplicaCount' })]);
    expect(r.config!.objects).toEqual([]);
  });

  it("cluster TriggerAuthentications: usable ones join, an unsupported source is refused alone, the file's and gitscale.dev's come first", () => {
    const r = mergeClusterObjects(file, '/etc/gitscale.yaml', {
      scaledObjects: [raw('a', 'a.yaml', 'from-cluster'), raw('b', 'b.yaml', 'vault'), raw('c', 'c.yaml', 'shared')] as KubeObject[],
      triggerAuthentications: [
        ta('from-cluster', { env: [{ parameter: 'password', name: 'GITSCALE_DEV' }] }),
        ta('shared', { env: [{ parameter: 'password', name: 'FROM_CLUSTER' }] }),
        ta('vault', { hashiCorpVault: { address: 'https://vault' } }),
        ta('from-cluster', { env: [{ parameter: 'password', name: 'KEDA_SH' }] }, 'keda.sh/v1alpha1'),
      ],
    }, deps);
    expect(r.authProblems).toEqual([{ object: 'TriggerAuthentication shop/vault', file: 'gitscale.dev/v1alpha1 in the cluster', field: 'spec.hashiCorpVault', code: 'CONFIG_UNSUPPORTED', message: expect.stringContaining('not supported yet') }]);
    expect(r.shadowed).toEqual(['TriggerAuthentication shop/shared (gitscale.dev/v1alpha1)', 'TriggerAuthentication shop/from-cluster (keda.sh/v1alpha1)']);
    expect(r.problems).toEqual([expect.objectContaining({ object: 'shop/b', code: 'CONFIG_UNKNOWN_AUTH' })]);
    expect(r.config!.objects.map((o) => o.key)).toEqual(['shop/a', 'shop/c']);
    expect(r.config!.triggerAuthentications.map((a) => [a.name, a.env[0].name])).toEqual([['shared', 'FROM_FILE'], ['from-cluster', 'GITSCALE_DEV']]);
  });
});
