// `gitscale run` (the built CLI) living with its config and saying why: each failing trigger's own
// cause logged once (repeats counted, at debug), its recovery logged; the config reloaded on a file
// change and on SIGHUP, a bad reload refused with the old config still running; no valid object
// → exit 2.
import { writeFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { gitscale, startRun } from '../support/bin.js';
import { newList } from '../support/cli.js';
import { deployment, redisList, scaledObject, writeConfig } from '../support/config.js';
import { log, makeLocalRepo } from '../support/git.js';
import { tempDir } from '../support/temp.js';

const servers = inject('servers');
let redis: Redis;
beforeAll(() => void (redis = new Redis(servers.REDIS_ADDRESS)));
afterAll(async () => void (await redis.quit()));

async function answer(path: string, status: number, body: string): Promise<void> {
  const r = await fetch(`${servers.METRICS_URL}/__set?path=${encodeURIComponent(path)}&status=${status}`, { method: 'POST', body });
  expect(r.status).toBe(204);
}

const metricsApi = (path: string) => ({
  type: 'metrics-api',
  metadata: { url: `${servers.METRICS_URL}${path}`, valueLocation: 'depth', targetValue: '5' },
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('gitscale run (built): logs that say why', () => {
  it("logs a failing trigger's cause once, counts repeats at debug, and logs the recovery", async () => {
    const path = `/run-logs-${Date.now()}`;
    await answer(path, 500, 'boom');
    const dir = await makeLocalRepo({ 'a.yaml': deployment('a', 1) });
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url: dir }],
      scaledObjects: [scaledObject({ name: 'a', path: 'a.yaml', spec: { pollingInterval: 1 }, triggers: [metricsApi(path)] })],
    });
    const run = startRun(['-c', config, '--log-format', 'json', '--log-level', 'debug', '--data-dir', await tempDir('data')]);
    const failedLine = await run.waitFor((l) => l.msg === 'trigger failed' && l.level === 'error');
    expect(failedLine).toMatchObject({ object: 'default/a', trigger: 0, type: 'metrics-api' });
    expect(String(failedLine.error)).toMatch(/HTTP 500/);
    await run.waitFor((l) => l.msg === 'trigger failed' && l.level === 'debug' && l.repeats === 2);
    await answer(path, 200, JSON.stringify({ depth: 5 }));
    const recovered = await run.waitFor((l) => l.msg === 'trigger recovered');
    expect(recovered).toMatchObject({ object: 'default/a', trigger: 0, type: 'metrics-api', level: 'info' });
    await sleep(1500);
    expect((await run.stop()).code).toBe(0);
    const lines = run.lines();
    const above = (l: Record<string, unknown>) => l.level !== 'debug';
    // Three or more failing polls, one error line for the trigger and one for the object.
    expect(lines.filter((l) => l.msg === 'trigger failed' && above(l))).toHaveLength(1);
    expect(lines.filter((l) => l.msg === 'object failed' && above(l))).toHaveLength(1);
    // Healthy again and nothing to change: the no-op decisions are debug lines only.
    expect(lines.filter((l) => l.msg === 'decision' && l.level === 'debug').length).toBeGreaterThan(0);
    expect(lines.filter((l) => l.msg === 'decision' && above(l))).toHaveLength(0);
  });

  it('at the default level, repeats and no-op decisions stay out of the log', async () => {
    const path = `/run-quiet-${Date.now()}`;
    await answer(path, 500, 'down');
    const dir = await makeLocalRepo({ 'a.yaml': deployment('a', 1) });
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url: dir }],
      scaledObjects: [scaledObject({ name: 'a', path: 'a.yaml', spec: { pollingInterval: 1 }, triggers: [metricsApi(path)] })],
    });
    const run = startRun(['-c', config, '--log-format', 'json', '--data-dir', await tempDir('data')]);
    await run.waitFor((l) => l.msg === 'trigger failed');
    await sleep(3000);
    await run.stop();
    expect(run.lines().filter((l) => l.level === 'debug')).toEqual([]);
    expect(run.lines().filter((l) => l.msg === 'trigger failed')).toHaveLength(1);
  });
});

describe('gitscale run (built): lives with its config', () => {
  it('reloads on a file change and on SIGHUP; a bad reload keeps the running config', async () => {
    const [la, lb] = [await newList(redis, 10), await newList(redis, 15)];
    const dir = await makeLocalRepo({ 'a.yaml': deployment('a', 0), 'b.yaml': deployment('b', 0) });
    const a = scaledObject({ name: 'a', path: 'a.yaml', spec: { pollingInterval: 1 }, triggers: [redisList(servers.REDIS_ADDRESS, la)] });
    const b = scaledObject({ name: 'b', path: 'b.yaml', spec: { pollingInterval: 1 }, triggers: [redisList(servers.REDIS_ADDRESS, lb)] });
    const repositories = [{ name: 'manifests', url: dir }];
    const config = await writeConfig({ repositories, scaledObjects: [a] });
    const run = startRun(['-c', config, '--log-format', 'json', '--data-dir', await tempDir('data')]);
    await run.waitFor((l) => l.msg === 'commit' && String(l.subject).includes('default/a 0→2'));

    // A broken file: refused, named, and `a` keeps running.
    writeFileSync(config, 'repositories: [\n');
    const refused = await run.waitFor((l) => l.msg === 'config reload refused: keeping the running config');
    expect(refused).toMatchObject({ trigger: 'file changed', file: config });
    await redis.rpush(la, ...Array.from({ length: 10 }, () => 'x'));
    await run.waitFor((l) => l.msg === 'commit' && String(l.subject).includes('default/a 2→4'));

    // A valid change: b is added at the next tick, a is unchanged.
    writeFileSync(config, stringify({ repositories, scaledObjects: [a, b] }));
    const reloaded = await run.waitFor((l) => l.msg === 'config reloaded');
    expect(reloaded).toMatchObject({ trigger: 'file changed', added: ['default/b'], objects: 2 });
    expect(reloaded.changed).toBeUndefined();
    await run.waitFor((l) => l.msg === 'commit' && String(l.subject).includes('default/b 0→3'));

    // SIGHUP re-reads even an unchanged file.
    run.child.kill('SIGHUP');
    expect(await run.waitFor((l) => l.msg === 'config reloaded: nothing changed')).toMatchObject({ trigger: 'SIGHUP' });
    expect((await run.stop()).code).toBe(0);
    expect(await log(dir)).toEqual([
      'scale default/b 0→3 (redis: 15 items / 5)',
      'scale default/a 2→4 (redis: 20 items / 5)',
      'scale default/a 0→2 (redis: 10 items / 5)',
      'initial',
    ]);
  });

  it('exits 2 when the config has no valid object, instead of idling', async () => {
    const dir = await makeLocalRepo({ 'a.yaml': deployment('a', 0) });
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url: dir }],
      scaledObjects: [scaledObject({ name: 'a', path: 'a.yaml', triggers: [{ type: 'nope', metadata: {} }] })],
    });
    const r = await gitscale(['run', '-c', config, '--data-dir', await tempDir('data')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nothing to run: the config has no valid ScaledObject');
    expect(r.stderr).toMatch(/unknown trigger type 'nope'/);
  });
});
