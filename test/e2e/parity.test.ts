// Fallback, scalingModifiers and pause through `gitscale once` against real Redis and a local repo.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseTrailers } from '../../src/git/message.js';
import { git, log, makeLocalRepo } from '../support/git.js';
import { deployment, redisList, scaledObject, writeConfig } from '../support/config.js';
import { newList, runGitscale } from '../support/cli.js';

const servers = inject('servers');
let redis: Redis;
beforeAll(() => void (redis = new Redis(servers.REDIS_ADDRESS)));
afterAll(() => redis.quit());

const list = (n: number) => newList(redis, n, 'parity');

async function once(config: string, extra: string[] = []): Promise<{ code: number; out: string; err: string }> {
  const r = await runGitscale(['once', '--config', config, ...extra]);
  return { code: r.code, out: r.stdout, err: r.stderr };
}

describe('KEDA parity end to end', () => {
  it('scalingModifiers: the composite decides, and the commit says so', async () => {
    const a = await list(12);
    const b = await list(18);
    const dir = await makeLocalRepo({ 'x.yaml': deployment('x', 0) });
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url: dir }],
      scaledObjects: [
        scaledObject({
          name: 'x',
          path: 'x.yaml',
          triggers: [
            { ...redisList(servers.REDIS_ADDRESS, a), name: 'a' },
            { ...redisList(servers.REDIS_ADDRESS, b), name: 'b' },
          ],
          spec: { advanced: { scalingModifiers: { formula: 'a + b', target: '10' } } },
        }),
      ],
    });
    const r = await once(config);
    expect(r.code).toBe(0);
    expect(await log(dir)).toEqual(['scale default/x 0→3 (scalingModifiers a + b: 30 / 10)', 'initial']);
    const trailers = parseTrailers(await git(dir, 'log', '-1', '--format=%B'))[0].trailers;
    expect(trailers).toContainEqual(['Gitscale-Composite', 'a + b value=30 target=10']);
  });

  it('fallback: a trigger whose server is down stands in with fallback.replicas (threshold 0)', async () => {
    const dir = await makeLocalRepo({ 'x.yaml': deployment('x', 1) });
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url: dir }],
      scaledObjects: [
        scaledObject({
          name: 'x',
          path: 'x.yaml',
          triggers: [redisList('127.0.0.1:1', 'q')],
          spec: { fallback: { failureThreshold: 0, replicas: 3 } },
        }),
      ],
    });
    const r = await once(config, ['--output', 'json']);
    const plan = JSON.parse(r.out).objects[0];
    expect(plan).toMatchObject({ current: 1, desired: 3, route: 'commit' });
    expect(plan.reason).toMatch(/redis failed 1 times \(> failureThreshold 0\): fallback to 3 replicas/);
    expect(plan.triggers[0]).toMatchObject({ value: 15, active: true, error: null });
    expect(await log(dir)).toEqual(['scale default/x 1→3 (redis: 15 items / 5)', 'initial']);
  });

  it('paused-replicas: Git gets that count whatever the metric says', async () => {
    const q = await list(50);
    const dir = await makeLocalRepo({ 'x.yaml': deployment('x', 4) });
    const obj = scaledObject({ name: 'x', path: 'x.yaml', triggers: [redisList(servers.REDIS_ADDRESS, q)] });
    (obj.metadata as { annotations: Record<string, string> }).annotations['autoscaling.keda.sh/paused-replicas'] = '2';
    const config = await writeConfig({ repositories: [{ name: 'manifests', url: dir }], scaledObjects: [obj] });
    expect((await once(config)).code).toBe(0);
    expect(await log(dir)).toEqual(['scale default/x 4→2 (autoscaling.keda.sh/paused-replicas: 2)', 'initial']);
  });

  it('validate reports a formula error with its position', async () => {
    const dir = await makeLocalRepo({ 'x.yaml': deployment('x', 1) });
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url: dir }],
      scaledObjects: [
        scaledObject({
          name: 'x',
          path: 'x.yaml',
          triggers: [{ ...redisList('r:1', 'q'), name: 'queue' }],
          spec: { advanced: { scalingModifiers: { formula: 'queue * 2 + lag', target: '5' } } },
        }),
      ],
    });
    const r = await runGitscale(['validate', '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("spec.advanced.scalingModifiers.formula: unknown name 'lag' at column 13");
  });
});
