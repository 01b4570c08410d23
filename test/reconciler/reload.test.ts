// A config reload as data (configChanges), and what the reconciler keeps across one: an unchanged
// object keeps its HPA state (its scale-down window runs on), a changed one starts afresh.
import * as fs from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { clients } from '../../src/cli/clients.js';
import { loadConfig } from '../../src/reconciler/sources/load.js';
import type { Config } from '../../src/config/types.js';
import { silentLogger } from '../../src/log.js';
import { createReconciler } from '../../src/reconciler/runtime/reconciler.js';
import { configChanges } from '../../src/reconciler/runtime/reload.js';
import { newList } from '../support/cli.js';
import { deployment, redisList, scaledObject, writeConfig } from '../support/config.js';
import { makeLocalRepo } from '../support/git.js';
import { tempDir } from '../support/temp.js';
import { scalerDeps } from '../../src/cli/scaler-clients.js';

const servers = inject('servers');
let redis: Redis;
beforeAll(() => void (redis = new Redis(servers.REDIS_ADDRESS)));
afterAll(async () => void (await redis.quit()));

async function load(doc: Record<string, unknown>): Promise<Config> {
  const loaded = await loadConfig(await writeConfig(doc), { env: {}, fs });
  expect(loaded.problems).toEqual([]);
  return loaded.config!;
}

const repo = (url: string, branch = 'main') => ({ name: 'manifests', url, branch });
const obj = (name: string, list: string, spec: Record<string, unknown> = {}) =>
  scaledObject({ name, path: `${name}.yaml`, spec, triggers: [redisList(servers.REDIS_ADDRESS, list)] });

describe('configChanges', () => {
  it.each([
    {
      name: 'nothing',
      next: { objs: ['a', 'b'] },
      want: { added: [], removed: [], changed: [], repositories: [], triggerAuthentications: false },
    },
    { name: 'an object added', next: { objs: ['a', 'b', 'c'] }, want: { added: ['default/c'], removed: [], changed: [] } },
    { name: 'an object removed', next: { objs: ['a'] }, want: { removed: ['default/b'], added: [], changed: [] } },
    { name: 'an object changed', next: { objs: ['a', 'b'], poll: 7 }, want: { changed: ['default/b'], added: [], removed: [] } },
    { name: 'a repository changed', next: { objs: ['a', 'b'], branch: 'other' }, want: { repositories: ['manifests'] } },
  ])('$name', async ({ next, want }) => {
    const dir = await makeLocalRepo({ 'a.yaml': deployment('a', 1) }, 'main');
    const before = await load({ repositories: [repo(dir)], scaledObjects: [obj('a', 'la'), obj('b', 'lb')] });
    const after = await load({
      repositories: [repo(dir, next.branch)],
      scaledObjects: next.objs.map((n) => obj(n, `l${n}`, n === 'b' && next.poll ? { pollingInterval: next.poll } : {})),
    });
    expect(configChanges(before, after)).toMatchObject(want);
  });
});

describe('reconciler.reload', () => {
  async function scenario(changeA: boolean): Promise<number | null> {
    const list = await newList(redis, 20);
    const dir = await makeLocalRepo({ 'a.yaml': deployment('a', 4) });
    const config = await load({ repositories: [repo(dir)], scaledObjects: [obj('a', list)] });
    let now = 1_000_000;
    const deps = { fs, clock: { now: () => now }, log: silentLogger, env: {}, scalerDeps: scalerDeps() };
    const rec = createReconciler(config, {
      ...deps,
      clients: clients({ ...deps, fetch: globalThis.fetch, dataDir: await tempDir('data') }),
    });
    try {
      expect((await rec.tick())[0].desired).toBe(4); // recommendation 4 recorded at t0
      await redis.del(list);
      await redis.rpush(list, 'x', 'y', 'z', 'w', 'v'); // 5 items: 1 replica wanted
      now += 10_000;
      expect((await rec.tick())[0].desired).toBe(4); // held by the 300 s scale-down window
      now += 285_000;
      const next = await load({ repositories: [repo(dir)], scaledObjects: [obj('a', list, changeA ? { pollingInterval: 15 } : {})] });
      await rec.reload(next);
      now += 10_000; // 305 s after the first recommendation
      return (await rec.tick())[0].desired;
    } finally {
      await rec.close();
    }
  }

  it('an unchanged object keeps its window: the scale-down lands when the window has passed', async () => {
    expect(await scenario(false)).toBe(1);
  });

  it('a changed object starts afresh (bootstrapped as after a restart): the scale-down waits again', async () => {
    expect(await scenario(true)).toBe(4);
  });
});
