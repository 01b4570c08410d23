// A kustomization without a replicas entry, whose overlay patch sets the count (issue 23): plan and
// once report the count the rendered manifests carry (8, not 1), the commit adds the entry, and the
// real kustomize renders the decision; a count gitscale cannot follow (a remote base) refuses the
// object and writes nothing.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { git, log, makeServedRepo, show, writeTree } from '../support/git.js';
import { redisList, scaledObject, writeConfig } from '../support/config.js';
import { newList, runGitscale } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

const run = promisify(execFile);
const servers = inject('servers');
const ROOT = join(import.meta.dirname, '../..');
let redis: Redis;
let kustomize: string;
beforeAll(async () => {
  redis = new Redis(servers.REDIS_ADDRESS);
  const { stdout } = await run('bash', [join(ROOT, 'scripts/servers/build-kustomize.sh')], { timeout: 20 * 60_000 });
  kustomize = stdout.trim().split('\n').pop()!;
}, 20 * 60_000);
afterAll(() => redis.quit());

const deployment =
  'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: consumer\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: consumer}\n  template:\n    metadata:\n      labels: {app: consumer}\n    spec:\n      containers:\n        - name: consumer\n          image: busybox\n';
const overlay =
  'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\npatches:\n  - path: replicas.yaml\n';
const files = {
  'base/kustomization.yaml': 'resources:\n  - deployment.yaml\n',
  'base/deployment.yaml': deployment,
  'overlays/prod/kustomization.yaml': overlay,
  'overlays/prod/replicas.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: consumer\nspec:\n  replicas: 8\n',
};

async function rendered(bare: string): Promise<number> {
  const dir = await tempDir('kustomize-render');
  for (const p of Object.keys(files)) await writeTree(dir, { [p]: await show(bare, 'main', p) });
  const { stdout } = await run(kustomize, ['build', join(dir, 'overlays/prod')]);
  const d = parseAllDocuments(stdout)
    .map((x) => x.toJS())
    .find((o) => o.kind === 'Deployment');
  return d.spec.replicas;
}

// A scale-down lands in the first tick (without this, the HPA's 300 s window holds 8 after a start).
const downNow = { advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } } } };

const json = async (cmd: 'plan' | 'once', config: string) => {
  const r = await runGitscale([cmd, '--config', config, '--output', 'json']);
  return { code: r.code, obj: JSON.parse(r.stdout).objects[0], err: r.stderr };
};

describe('a kustomize overlay whose patch sets the count', () => {
  it('plan and once say 8 → 4, the commit adds the entry, and kustomize renders 4', async () => {
    const list = await newList(redis, 20, 'overlay');
    const { bare, url } = await makeServedRepo(servers, files);
    expect(await rendered(bare)).toBe(8);
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url }],
      scaledObjects: [
        scaledObject({
          name: 'consumer',
          path: 'overlays/prod/kustomization.yaml',
          spec: downNow,
          triggers: [redisList(servers.REDIS_ADDRESS, list)],
        }),
      ],
    });
    const planned = await json('plan', config);
    expect(planned.obj).toMatchObject({ current: 8, desired: 4, route: 'commit', file: 'overlays/prod/kustomization.yaml' });
    const done = await json('once', config);
    expect(done.code).toBe(0);
    expect(done.obj).toMatchObject({ current: 8, desired: 4, route: 'commit' });
    expect(await log(bare)).toEqual(['scale default/consumer 8→4 (redis: 20 items / 5)', 'initial']);
    expect(await show(bare, 'main', 'overlays/prod/kustomization.yaml')).toBe(`${overlay}replicas:\n  - name: consumer\n    count: 4\n`);
    expect(await rendered(bare)).toBe(4);
  });

  it('a decision of 1 is written (the rendered count is 8, not 1)', async () => {
    const list = await newList(redis, 3, 'overlay-one');
    const { bare, url } = await makeServedRepo(servers, files);
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url }],
      scaledObjects: [
        scaledObject({
          name: 'consumer',
          path: 'overlays/prod/kustomization.yaml',
          spec: downNow,
          triggers: [redisList(servers.REDIS_ADDRESS, list)],
        }),
      ],
    });
    const done = await json('once', config);
    expect(done.code).toBe(0);
    expect(done.obj).toMatchObject({ current: 8, desired: 1 });
    expect(await log(bare)).toEqual(['scale default/consumer 8→1 (redis: 3 items / 5)', 'initial']);
    expect(await rendered(bare)).toBe(1);
  });

  it('a count gitscale cannot follow (a remote base) refuses the object in validate, plan and once, and writes nothing', async () => {
    const list = await newList(redis, 20, 'overlay-remote');
    const remote = { 'overlays/prod/kustomization.yaml': 'resources:\n  - https://github.com/example/apps//base?ref=v1.2.0\n' };
    const { bare, url } = await makeServedRepo(servers, remote);
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url }],
      scaledObjects: [
        scaledObject({
          name: 'consumer',
          path: 'overlays/prod/kustomization.yaml',
          spec: downNow,
          triggers: [redisList(servers.REDIS_ADDRESS, list)],
        }),
      ],
    });
    const done = await json('once', config);
    expect(done.code).toBe(1);
    expect(done.obj.errorCode).toBe('REPLICAS_UNKNOWN');
    expect(done.obj.error).toMatch(
      /overlays\/prod\/kustomization\.yaml has no replicas entry for consumer.*is remote.*add replicas: \[\{name: consumer, count: <the count it runs now>\}\]/,
    );
    expect((await json('plan', config)).obj.errorCode).toBe('REPLICAS_UNKNOWN');
    const v = await runGitscale(['validate', '--config', config, '--output', 'json']);
    expect(v.code).toBe(2);
    expect(v.stdout).toContain('REPLICAS_UNKNOWN');
    expect(await log(bare)).toEqual(['initial']);
    expect(await git(bare, 'rev-list', '--count', 'main')).toBe('1\n');
  });

  it('gitscale.dev/path at the base Deployment (no replicas) that the overlay patches: REPLICAS_OVERRIDDEN, nothing written', async () => {
    const list = await newList(redis, 20, 'overlay-base');
    const noCount = { ...files, 'base/deployment.yaml': deployment.replace('  replicas: 2\n', '') };
    const { bare, url } = await makeServedRepo(servers, noCount);
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url }],
      scaledObjects: [scaledObject({ name: 'consumer', path: 'base/deployment.yaml', triggers: [redisList(servers.REDIS_ADDRESS, list)] })],
    });
    const done = await json('once', config);
    expect(done.code).toBe(1);
    expect(done.obj).toMatchObject({ errorCode: 'REPLICAS_OVERRIDDEN', current: null });
    expect(done.obj.error).toContain('overlays/prod/kustomization.yaml sets 8');
    expect(await log(bare)).toEqual(['initial']);
  });
});
