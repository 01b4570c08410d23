// Every manifest layout through `gitscale once` and the real git server: only the number changes.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { git, log, makeServedRepo, show } from '../support/git.js';
import { redisList, scaledObject, writeConfig } from '../support/config.js';
import { newList, runGitscale } from '../support/cli.js';

const servers = inject('servers');
let redis: Redis;
beforeAll(() => void (redis = new Redis(servers.REDIS_ADDRESS)));
afterAll(() => redis.quit());

const listOf = (n: number) => newList(redis, n, 'layout');

async function gitscale(command: 'once' | 'plan', config: string): Promise<{ code: number; out: string; err: string }> {
  const r = await runGitscale([command, '--config', config, '--output', 'json']);
  return { code: r.code, out: r.stdout, err: r.stderr };
}
const once = (config: string) => gitscale('once', config);

interface Layout {
  name: string;
  files: Record<string, string>;
  path: string;
  field?: string;
  kind?: string;
  /** The file that changes and its expected content (20 items / 5 → 4 replicas). */
  changed: string;
  expected: string;
  fieldInMessage: string;
}

const layouts: Layout[] = [
  {
    name: 'Argo Rollout spec.replicas',
    kind: 'Rollout',
    path: 'rollout.yaml',
    changed: 'rollout.yaml',
    fieldInMessage: 'spec.replicas',
    files: {
      'rollout.yaml':
        'apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: consumer\nspec:\n  replicas: 1 # canary\n  strategy:\n    canary: {}\n',
    },
    expected:
      'apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: consumer\nspec:\n  replicas: 4 # canary\n  strategy:\n    canary: {}\n',
  },
  {
    name: 'Kustomize replicas entry',
    path: 'overlays/prod/kustomization.yaml',
    changed: 'overlays/prod/kustomization.yaml',
    fieldInMessage: 'replicas[1].count',
    files: {
      'overlays/prod/kustomization.yaml':
        'resources:\n  - ../../base\nreplicas:\n  - name: web\n    count: 2\n  - name: consumer # autoscaled\n    count: 1\n',
    },
    expected: 'resources:\n  - ../../base\nreplicas:\n  - name: web\n    count: 2\n  - name: consumer # autoscaled\n    count: 4\n',
  },
  {
    name: 'Helm values path',
    path: 'charts/app/values-prod.yaml',
    field: 'consumer.replicaCount',
    changed: 'charts/app/values-prod.yaml',
    fieldInMessage: 'consumer.replicaCount',
    files: {
      'charts/app/values-prod.yaml':
        '# prod values\nconsumer:\n  image: example/consumer:1.2\n  replicaCount: "1" # quoted on purpose\nweb:\n  replicaCount: 3\n',
    },
    expected: '# prod values\nconsumer:\n  image: example/consumer:1.2\n  replicaCount: "4" # quoted on purpose\nweb:\n  replicaCount: 3\n',
  },
  {
    name: 'Flux HelmRelease spec.values',
    path: 'releases/consumer.yaml',
    field: 'consumer.replicaCount',
    changed: 'releases/consumer.yaml',
    fieldInMessage: 'spec.values.consumer.replicaCount',
    files: {
      'releases/consumer.yaml':
        'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: consumer\nspec:\n  chart:\n    spec: { chart: app }\n  values:\n    consumer:\n      replicaCount: 1\n',
    },
    expected:
      'apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: consumer\nspec:\n  chart:\n    spec: { chart: app }\n  values:\n    consumer:\n      replicaCount: 4\n',
  },
  {
    name: 'Argo CD Application helm.valuesObject',
    path: 'apps/consumer.yaml',
    field: 'consumer.replicaCount',
    changed: 'apps/consumer.yaml',
    fieldInMessage: 'spec.source.helm.valuesObject.consumer.replicaCount',
    files: {
      'apps/consumer.yaml':
        'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: consumer\nspec:\n  source:\n    chart: app\n    helm:\n      valuesObject:\n        consumer:\n          replicaCount: 1\n',
    },
    expected:
      'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: consumer\nspec:\n  source:\n    chart: app\n    helm:\n      valuesObject:\n        consumer:\n          replicaCount: 4\n',
  },
  {
    name: 'Argo CD Application kustomize.replicas',
    path: 'apps/consumer-kustomize.yaml',
    changed: 'apps/consumer-kustomize.yaml',
    fieldInMessage: 'spec.source.kustomize.replicas[0].count',
    files: {
      'apps/consumer-kustomize.yaml':
        'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: consumer\nspec:\n  source:\n    path: base\n    kustomize:\n      replicas:\n        - name: consumer\n          count: 1\n',
    },
    expected:
      'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: consumer\nspec:\n  source:\n    path: base\n    kustomize:\n      replicas:\n        - name: consumer\n          count: 4\n',
  },
  {
    name: 'marker comment found in a directory',
    path: 'platform',
    changed: 'platform/team-a/values.yaml',
    fieldInMessage: 'workers.replicas',
    files: {
      'platform/README.md': 'not yaml\n',
      'platform/team-b/values.yaml': 'workers:\n  replicas: 7 # {"$gitscale": "default/other"}\n',
      'platform/team-a/values.yaml': 'workers:\n  replicas: 1 # {"$gitscale": "default/consumer"}\n  size: small\n',
    },
    expected: 'workers:\n  replicas: 4 # {"$gitscale": "default/consumer"}\n  size: small\n',
  },
];

describe('manifest layouts end to end (real git server)', () => {
  it.each(layouts)('$name', async (l) => {
    const list = await listOf(20);
    const { bare, url } = await makeServedRepo(servers, l.files);
    const obj = scaledObject({ name: 'consumer', path: l.path, triggers: [redisList(servers.REDIS_ADDRESS, list)] });
    if (l.kind) (obj.spec as { scaleTargetRef: Record<string, string> }).scaleTargetRef.kind = l.kind;
    if (l.field) (obj.metadata as { annotations: Record<string, string> }).annotations['gitscale.dev/field'] = l.field;
    const config = await writeConfig({ repositories: [{ name: 'manifests', url }], scaledObjects: [obj] });
    const planned = JSON.parse((await gitscale('plan', config)).out).objects[0];
    expect(planned).toMatchObject({ file: l.changed, current: 1, desired: 4, route: 'commit' });
    expect(planned.diff).toContain(`--- a/${l.changed}\n+++ b/${l.changed}\n`);
    expect(await log(bare)).toEqual(['initial']);
    const r = await once(config);
    expect(r.err).not.toMatch(/ERROR/);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.out).objects[0];
    expect(plan).toMatchObject({ file: l.changed, current: 1, desired: 4, route: 'commit' });
    expect(await show(bare, 'main', l.changed)).toBe(l.expected);
    for (const [path, text] of Object.entries(l.files)) if (path !== l.changed) expect(await show(bare, 'main', path)).toBe(text);
    expect(await log(bare)).toEqual(['scale default/consumer 1→4 (redis: 20 items / 5)', 'initial']);
    const body = await git(bare, 'log', '-1', '--format=%B', 'main');
    expect(body).toContain(`- default/consumer (${l.changed} ${l.fieldInMessage}): 1 → 4`);
  });

  it('a marker in two files is refused naming both', async () => {
    const list = await listOf(20);
    const { bare, url } = await makeServedRepo(servers, {
      'd/a.yaml': 'replicas: 1 # {"$gitscale": "default/consumer"}\n',
      'd/b.yaml': 'replicas: 2 # {"$gitscale": "default/consumer"}\n',
    });
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url }],
      scaledObjects: [scaledObject({ name: 'consumer', path: 'd', triggers: [redisList(servers.REDIS_ADDRESS, list)] })],
    });
    const r = await once(config);
    expect(r.code).toBe(1);
    const plan = JSON.parse(r.out).objects[0];
    expect(plan.errorCode).toBe('MARKER_AMBIGUOUS');
    expect(plan.error).toMatch(/d\/a\.yaml, d\/b\.yaml/);
    expect(await log(bare)).toEqual(['initial']);
  });

  it('a Helm values key that does not exist is refused, never invented', async () => {
    const list = await listOf(20);
    const { bare, url } = await makeServedRepo(servers, { 'values.yaml': 'consumer:\n  image: x\n' });
    const obj = scaledObject({ name: 'consumer', path: 'values.yaml', triggers: [redisList(servers.REDIS_ADDRESS, list)] });
    (obj.metadata as { annotations: Record<string, string> }).annotations['gitscale.dev/field'] = 'consumer.replicaCount';
    const config = await writeConfig({ repositories: [{ name: 'manifests', url }], scaledObjects: [obj] });
    const r = await once(config);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).objects[0].errorCode).toBe('FIELD_NOT_FOUND');
    expect(await show(bare, 'main', 'values.yaml')).toBe('consumer:\n  image: x\n');
  });
});
