// Discovery's pure parts: what a file declares, which files define a workload, and the default
// gitscale.dev/path (own directory first, then the whole tree; ambiguity names the candidates).
import { describe, expect, it } from 'vitest';
import { MANIFEST_LIMITS } from '../../src/yaml-limits.js';
import { choosePath, filesDefining, indexFile, isYamlFile } from '../../src/manifests/discover.js';

const so = (apiVersion: string, name: string) =>
  `apiVersion: ${apiVersion}\nkind: ScaledObject\nmetadata:\n  name: ${name}\nspec:\n  scaleTargetRef:\n    name: ${name}\n  triggers: []\n`;

describe('indexFile', () => {
  it('finds ScaledObjects of either apiVersion and indexes every other object', () => {
    const text = [
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  replicas: 1\n',
      so('keda.sh/v1alpha1', 'web'),
      so('gitscale.dev/v1alpha1', 'api'),
      so('example.com/v1', 'other'),
    ].join('---\n');
    const f = indexFile('apps/web.yaml', text);
    expect(f.scaledObjects.map((s) => [s.index, (s.raw.metadata as { name: string }).name, s.raw.apiVersion])).toEqual([
      [1, 'web', 'keda.sh/v1alpha1'],
      [2, 'api', 'gitscale.dev/v1alpha1'],
    ]);
    expect(f.objects).toEqual([
      { kind: 'Deployment', name: 'web', namespace: 'shop' },
      { kind: 'ScaledObject', name: 'other' },
    ]);
  });

  it("keeps a TriggerAuthentication's kind, name, namespace and spec only, and never a Secret's data", () => {
    const text = [
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: votes-db-secret\n  namespace: my-project\ntype: Opaque\ndata:\n  redis_password: YWRtaW4=\n',
      'apiVersion: keda.sh/v1alpha1\nkind: TriggerAuthentication\nmetadata:\n  name: auth\n  namespace: my-project\n  labels: { a: b }\nspec:\n  secretTargetRef:\n  - { parameter: password, name: votes-db-secret, key: redis_password }\n',
      'apiVersion: gitscale.dev/v1alpha1\nkind: ClusterTriggerAuthentication\nmetadata:\n  name: shared\nspec:\n  env: []\n',
      'apiVersion: example.com/v1\nkind: TriggerAuthentication\nmetadata:\n  name: not-keda\n',
    ].join('---\n');
    const f = indexFile('apps/votes.yaml', text);
    expect(f.triggerAuthentications).toEqual([
      {
        path: 'apps/votes.yaml',
        index: 1,
        raw: {
          apiVersion: 'keda.sh/v1alpha1',
          kind: 'TriggerAuthentication',
          metadata: { name: 'auth', namespace: 'my-project' },
          spec: { secretTargetRef: [{ parameter: 'password', name: 'votes-db-secret', key: 'redis_password' }] },
        },
      },
      {
        path: 'apps/votes.yaml',
        index: 2,
        raw: {
          apiVersion: 'gitscale.dev/v1alpha1',
          kind: 'ClusterTriggerAuthentication',
          metadata: { name: 'shared', namespace: undefined },
          spec: { env: [] },
        },
      },
    ]);
    expect(JSON.stringify(f)).not.toContain('YWRtaW4=');
    expect(f.objects[0]).toEqual({ kind: 'Secret', name: 'votes-db-secret', namespace: 'my-project' });
  });

  it('a file that is not YAML, or too large, declares nothing', () => {
    expect(indexFile('a.yaml', 'key: [unclosed\n')).toEqual({ path: 'a.yaml', scaledObjects: [], triggerAuthentications: [], objects: [] });
    expect(indexFile('big.yaml', so('keda.sh/v1alpha1', 'x') + '#'.repeat(MANIFEST_LIMITS.maxBytes))).toMatchObject({ scaledObjects: [] });
    // A repository's maxManifestBytes raises it.
    expect(
      indexFile('big.yaml', so('keda.sh/v1alpha1', 'x') + '#'.repeat(MANIFEST_LIMITS.maxBytes), 2 * MANIFEST_LIMITS.maxBytes).scaledObjects,
    ).toHaveLength(1);
    expect(isYamlFile('a/b.yml')).toBe(true);
    expect(isYamlFile('a/b.json')).toBe(false);
  });
});

describe('filesDefining and choosePath', () => {
  const files = [
    indexFile('apps/web/deploy.yaml', 'kind: Deployment\nmetadata:\n  name: web\n'),
    indexFile('apps/web/so.yaml', so('keda.sh/v1alpha1', 'web')),
    indexFile('legacy/web.yaml', 'kind: Deployment\nmetadata:\n  name: web\n  namespace: old\n'),
    indexFile('apps/api/a.yaml', 'kind: Deployment\nmetadata:\n  name: api\n'),
    indexFile('apps/api/b.yaml', 'kind: Deployment\nmetadata:\n  name: api\n'),
    indexFile('apps/api/sts.yaml', 'kind: StatefulSet\nmetadata:\n  name: api\n'),
  ];

  it('a namespace on both sides must match; kind and name always', () => {
    expect(filesDefining(files, 'Deployment', 'web', undefined)).toEqual(['apps/web/deploy.yaml', 'legacy/web.yaml']);
    expect(filesDefining(files, 'Deployment', 'web', 'shop')).toEqual(['apps/web/deploy.yaml']);
    expect(filesDefining(files, 'StatefulSet', 'api', undefined)).toEqual(['apps/api/sts.yaml']);
  });

  it('the ScaledObject’s own directory first, then the whole tree; ambiguity and absence are errors naming what to set', () => {
    expect(choosePath('apps/web/so.yaml', 'Deployment web', ['apps/web/deploy.yaml', 'legacy/web.yaml'])).toEqual({
      ok: true,
      path: 'apps/web/deploy.yaml',
    });
    expect(choosePath('scaling/web.yaml', 'Deployment web', ['legacy/web.yaml'])).toEqual({ ok: true, path: 'legacy/web.yaml' });
    expect(choosePath('scaling/web.yaml', 'Deployment web', ['legacy/web.yaml', 'apps/web/deploy.yaml'])).toEqual({
      ok: false,
      code: 'DISCOVER_AMBIGUOUS',
      message:
        '2 files in the repository define Deployment web: apps/web/deploy.yaml, legacy/web.yaml; set gitscale.dev/path to one of them',
    });
    expect(choosePath('apps/api/so.yaml', 'Deployment api', ['apps/api/b.yaml', 'apps/api/a.yaml'])).toMatchObject({
      ok: false,
      code: 'DISCOVER_AMBIGUOUS',
      message: expect.stringMatching(/^2 files in apps\/api\/ define Deployment api: apps\/api\/a.yaml, apps\/api\/b.yaml;/),
    });
    expect(choosePath('so.yaml', 'Deployment gone', [])).toEqual({
      ok: false,
      code: 'DISCOVER_NO_WORKLOAD',
      message: 'no file in the repository defines Deployment gone: set gitscale.dev/path',
    });
  });
});
