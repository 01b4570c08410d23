// Merging the config file with what the cluster and the repositories hold: a ScaledObject both in
// Git (discovered) and in the cluster (Argo CD applied it) runs once, as Git has it; the cluster's
// TriggerAuthentications are each validated alone and never replace the file's.
import * as fs from 'node:fs';
import { parse, stringify } from 'yaml';
import { checkLoaded } from '../../../src/reconciler/sources/load.js';
import { validateConfig } from '../../../src/config/validate.js';
import { describe, expect, it } from 'vitest';
import { mergeClusterObjects } from '../../../src/reconciler/sources/merge.js';
import type { KubeObject } from '../../../src/cluster/index.js';

const deps = { env: {}, fs };
const trigger = (auth?: string) => ({
  type: 'redis',
  metadata: { address: 'redis:6379', listName: 'jobs' },
  ...(auth ? { authenticationRef: { name: auth } } : {}),
});
const raw = (name: string, path: string, auth?: string) => ({
  apiVersion: 'gitscale.dev/v1alpha1',
  kind: 'ScaledObject',
  metadata: { name, namespace: 'shop', annotations: { 'gitscale.dev/repository': 'm', 'gitscale.dev/path': path } },
  spec: { scaleTargetRef: { name }, triggers: [trigger(auth)] },
});
const file = stringify({
  repositories: [{ name: 'm', url: '/tmp/m', discover: true }],
  watch: { namespaces: ['shop'] },
  triggerAuthentications: [
    {
      kind: 'TriggerAuthentication',
      metadata: { name: 'shared', namespace: 'shop' },
      spec: { env: [{ parameter: 'password', name: 'FROM_FILE' }] },
    },
  ],
});
const ta = (name: string, spec: Record<string, unknown>, apiVersion = 'gitscale.dev/v1alpha1'): KubeObject => ({
  apiVersion,
  kind: 'TriggerAuthentication',
  metadata: { name, namespace: 'shop' },
  spec,
});

describe('mergeClusterObjects', () => {
  it('one found in Git and applied to the cluster runs once, as Git has it', () => {
    const inCluster = { ...raw('web', 'cluster/web.yaml'), metadata: { ...raw('web', 'x').metadata, uid: 'u1' } } as KubeObject;
    const r = mergeClusterObjects(
      file,
      '/etc/gitscale.yaml',
      { scaledObjects: [inCluster, raw('solo', 'apps/solo.yaml')], triggerAuthentications: [] },
      deps,
      [
        {
          objects: [{ repository: 'm', path: 'apps/web/so.yaml', raw: raw('web', 'apps/web/deploy.yaml') }],
          triggerAuthentications: [],
          problems: [],
        },
      ],
    );
    expect(r.problems).toEqual([]);
    expect(r.config!.objects.map((o) => [o.key, o.path])).toEqual([
      ['shop/web', 'apps/web/deploy.yaml'],
      ['shop/solo', 'apps/solo.yaml'],
    ]);
    // Both are the cluster's ScaledObjects too: the tick writes their status and Events there.
    expect(r.config!.objects.map((o) => o.origin)).toEqual([
      { apiVersion: 'gitscale.dev/v1alpha1', namespace: 'shop', name: 'web', uid: 'u1' },
      { apiVersion: 'gitscale.dev/v1alpha1', namespace: 'shop', name: 'solo' },
    ]);
  });

  it('an object of the config file has no origin, even when the cluster holds one of its name (that one is refused and says so on its own)', () => {
    const withListed = stringify({ ...(parse(file) as Record<string, unknown>), scaledObjects: [raw('web', 'apps/web.yaml')] });
    const r = mergeClusterObjects(
      withListed,
      '/etc/gitscale.yaml',
      { scaledObjects: [raw('web', 'cluster/web.yaml')], triggerAuthentications: [] },
      deps,
    );
    expect(r.config!.objects.map((o) => [o.key, o.path, o.origin])).toEqual([['shop/web', 'apps/web.yaml', undefined]]);
  });

  it('a discovered object with a bad field is refused naming its file in the repository', () => {
    const bad = { ...raw('bad', 'apps/bad.yaml'), spec: { scaleTargetRef: { name: 'bad' }, minReplicaCount: -1, triggers: [trigger()] } };
    const r = mergeClusterObjects(file, '/etc/gitscale.yaml', { scaledObjects: [], triggerAuthentications: [] }, deps, [
      { objects: [{ repository: 'm', path: 'apps/bad/so.yaml', raw: bad }], triggerAuthentications: [], problems: [] },
    ]);
    expect(r.discoveredProblems).toEqual([
      expect.objectContaining({ object: 'shop/bad', file: 'apps/bad/so.yaml in repository m', field: 'spec.minReplicaCount' }),
    ]);
    expect(r.config!.objects).toEqual([]);
  });

  it("cluster TriggerAuthentications: usable ones join, an unsupported source is refused alone, the file's and gitscale.dev's come first", () => {
    const r = mergeClusterObjects(
      file,
      '/etc/gitscale.yaml',
      {
        scaledObjects: [raw('a', 'a.yaml', 'from-cluster'), raw('b', 'b.yaml', 'vault'), raw('c', 'c.yaml', 'shared')] as KubeObject[],
        triggerAuthentications: [
          ta('from-cluster', { env: [{ parameter: 'password', name: 'GITSCALE_DEV' }] }),
          ta('shared', { env: [{ parameter: 'password', name: 'FROM_CLUSTER' }] }),
          ta('vault', { hashiCorpVault: { address: 'https://vault' } }),
          ta('from-cluster', { env: [{ parameter: 'password', name: 'KEDA_SH' }] }, 'keda.sh/v1alpha1'),
        ],
      },
      deps,
    );
    expect(r.authProblems).toEqual([
      {
        object: 'TriggerAuthentication shop/vault',
        file: 'gitscale.dev/v1alpha1 in the cluster',
        field: 'spec.hashiCorpVault',
        code: 'CONFIG_UNSUPPORTED',
        message: expect.stringContaining('not supported yet'),
      },
    ]);
    expect(r.shadowed).toEqual([
      'TriggerAuthentication shop/shared (gitscale.dev/v1alpha1)',
      'TriggerAuthentication shop/from-cluster (keda.sh/v1alpha1)',
    ]);
    // Its TriggerAuthentication exists, refused: that is what the ScaledObject is told.
    expect(r.problems).toEqual([
      expect.objectContaining({
        object: 'shop/b',
        code: 'CONFIG_AUTH_REFUSED',
        message: expect.stringContaining(
          "TriggerAuthentication 'vault' cannot be used: the one in gitscale.dev/v1alpha1 in the cluster is refused (spec.hashiCorpVault:",
        ),
      }),
    ]);
    expect(r.config!.objects.map((o) => o.key)).toEqual(['shop/a', 'shop/c']);
    expect(r.config!.triggerAuthentications.map((a) => [a.name, a.env[0].name])).toEqual([
      ['shared', 'FROM_FILE'],
      ['from-cluster', 'GITSCALE_DEV'],
    ]);
  });

  it("TriggerAuthentications committed in Git: used as the cluster's are; the file's and the cluster's come first; a broken one is refused naming its file", () => {
    const git = (name: string, spec: Record<string, unknown>, path: string, namespace = 'shop') => ({
      repository: 'm',
      path,
      raw: { apiVersion: 'keda.sh/v1alpha1', kind: 'TriggerAuthentication', metadata: { name, namespace }, spec },
    });
    const env = (name: string) => ({ env: [{ parameter: 'password', name }] });
    const found = [
      {
        objects: ['a', 'b', 'c', 'd', 'e'].map((n) => ({
          repository: 'm',
          path: `apps/${n}.yaml`,
          raw: raw(n, `apps/${n}/deploy.yaml`, { a: 'in-git', b: 'shared', c: 'in-both', d: 'vault', e: 'elsewhere' }[n]),
        })),
        triggerAuthentications: [
          git('in-git', env('FROM_GIT'), 'apps/a.yaml'),
          git('shared', env('FROM_GIT'), 'apps/b.yaml'),
          // Argo CD applied it unchanged: the cluster's is used, and nothing is said.
          git('in-both', env('SAME'), 'apps/c.yaml'),
          git('vault', { hashiCorpVault: { address: 'https://vault' } }, 'apps/d.yaml'),
          git('elsewhere', env('X'), 'apps/e.yaml', 'other'),
        ],
        problems: [],
      },
    ];
    const r = mergeClusterObjects(
      file,
      '/etc/gitscale.yaml',
      { scaledObjects: [], triggerAuthentications: [ta('in-both', env('SAME'))] },
      deps,
      found,
    );
    expect(r.config!.triggerAuthentications.map((a) => [a.name, a.env[0]?.name])).toEqual([
      ['shared', 'FROM_FILE'],
      ['in-both', 'SAME'],
      ['in-git', 'FROM_GIT'],
      ['elsewhere', 'X'],
    ]);
    expect(r.config!.objects.map((o) => o.key)).toEqual(['shop/a', 'shop/b', 'shop/c']);
    expect(r.discoveredProblems).toEqual([
      {
        object: 'TriggerAuthentication shop/vault',
        file: 'apps/d.yaml in repository m',
        field: 'spec.hashiCorpVault',
        code: 'CONFIG_UNSUPPORTED',
        message: expect.stringContaining('not supported yet'),
      },
      // It is defined, beside the object: the cause is its refusal, not that it is missing.
      {
        object: 'shop/d',
        file: 'apps/d.yaml in repository m',
        field: 'spec.triggers[0].authenticationRef.name',
        code: 'CONFIG_AUTH_REFUSED',
        message: expect.stringMatching(
          /^TriggerAuthentication 'vault' cannot be used: the one in apps\/d\.yaml in repository m is refused \(spec\.hashiCorpVault: .*not supported yet/,
        ),
      },
      {
        object: 'shop/e',
        file: 'apps/e.yaml in repository m',
        field: 'spec.triggers[0].authenticationRef.name',
        code: 'CONFIG_UNKNOWN_AUTH',
        message:
          "TriggerAuthentication 'elsewhere' is not defined in namespace 'shop' (one of that name exists in namespace other, but KEDA reads it from the ScaledObject's own namespace); define it in the config's triggerAuthentications:, in the cluster (with watch:), or beside the ScaledObject in a discover: true repository",
      },
    ]);
    expect(r.discoveredWarnings).toEqual([
      {
        object: 'TriggerAuthentication shop/shared',
        file: 'apps/b.yaml in repository m',
        field: 'metadata.name',
        code: 'AUTH_SHADOWED',
        message: "ignored: the one in the config file comes first (the config file's, then the cluster's, then the repositories' by path)",
      },
    ]);
    expect(r.shadowed).toEqual([]);
  });

  it('a discovered object gets the warnings the same object gets in the config file, naming its file in the repository', () => {
    const warned = {
      ...raw('w', 'apps/w/deploy.yaml'),
      spec: {
        scaleTargetRef: { name: 'w' },
        triggers: [{ type: 'redis', metadata: { address: 'redis:6379', listName: 'jobs', listLength: 5, listLenght: '5' } }],
      },
    };
    const inFile = mergeClusterObjects(
      stringify({ repositories: [{ name: 'm', url: '/tmp/m' }], scaledObjects: [warned] }),
      '/etc/gitscale.yaml',
      { scaledObjects: [], triggerAuthentications: [] },
      deps,
    );
    const found = mergeClusterObjects(file, '/etc/gitscale.yaml', { scaledObjects: [], triggerAuthentications: [] }, deps, [
      { objects: [{ repository: 'm', path: 'apps/w.yaml', raw: warned }], triggerAuthentications: [], problems: [] },
    ]);
    const fromFile = checkLoaded(
      validateConfig(parse(stringify({ repositories: [{ name: 'm', url: '/tmp/m' }], scaledObjects: [warned] })), '/etc/gitscale.yaml'),
      deps,
    ).warnings;
    expect(inFile.config!.objects).toHaveLength(1);
    expect(fromFile.map((w) => w.field)).toEqual(['spec.triggers[0].metadata.listLength', 'spec.triggers[0].metadata']);
    expect(found.discoveredWarnings).toEqual(fromFile.map((w) => ({ ...w, file: 'apps/w.yaml in repository m' })));
  });

  it('a ClusterTriggerAuthentication committed in Git serves a ScaledObject of any namespace that names its kind', () => {
    const cta = {
      repository: 'm',
      path: 'platform/auth.yaml',
      raw: {
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ClusterTriggerAuthentication',
        metadata: { name: 'shared-redis' },
        spec: { env: [{ parameter: 'password', name: 'REDIS_PW' }] },
      },
    };
    const so = raw('web', 'apps/web/deploy.yaml');
    (so.spec.triggers[0] as Record<string, unknown>).authenticationRef = { name: 'shared-redis', kind: 'ClusterTriggerAuthentication' };
    const r = mergeClusterObjects(file, '/etc/gitscale.yaml', { scaledObjects: [], triggerAuthentications: [] }, deps, [
      { objects: [{ repository: 'm', path: 'apps/web.yaml', raw: so }], triggerAuthentications: [cta], problems: [] },
    ]);
    expect(r.discoveredProblems).toEqual([]);
    expect(r.config!.objects.map((o) => [o.key, o.triggers[0].authenticationRef])).toEqual([
      ['shop/web', { name: 'shared-redis', kind: 'ClusterTriggerAuthentication' }],
    ]);
    expect(r.config!.triggerAuthentications.map((a) => [a.kind, a.name, a.namespace])).toEqual([
      ['TriggerAuthentication', 'shared', 'shop'],
      ['ClusterTriggerAuthentication', 'shared-redis', ''],
    ]);
  });
});
