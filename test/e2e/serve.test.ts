// `gitscale run` (built) serves /metrics, /healthz and /readyz: /readyz turns ready after the first
// tick, the commit counter moves as commits land, the trigger's KEDA metrics carry its value.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startRun } from '../support/bin.js';
import { newList } from '../support/cli.js';
import { deployment, redisList, scaledObject, writeConfig } from '../support/config.js';
import { makeLocalRepo } from '../support/git.js';
import { tempDir } from '../support/temp.js';

const servers = inject('servers');
let redis: Redis;
beforeAll(() => void (redis = new Redis(servers.REDIS_ADDRESS)));
afterAll(async () => void (await redis.quit()));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('gitscale run serves', () => {
  it('/readyz after the first tick, /healthz while the loop turns, /metrics moving with commits', async () => {
    const list = await newList(redis, 10);
    const dir = await makeLocalRepo({ 'a.yaml': deployment('a', 0) });
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url: dir }],
      scaledObjects: [
        scaledObject({ name: 'a', path: 'a.yaml', spec: { pollingInterval: 1 }, triggers: [redisList(servers.REDIS_ADDRESS, list)] }),
      ],
    });
    const run = startRun(['-c', config, '--log-format', 'json', '--data-dir', await tempDir('data')]);
    try {
      const serving = await run.waitFor((l) => l.msg === 'serving');
      const base = `http://${serving.address}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      await run.waitFor((l) => l.msg === 'commit' && String(l.subject).includes('0→2'));
      let ready = 0;
      for (let i = 0; i < 50 && ready !== 200; i++, await sleep(100)) ready = (await fetch(`${base}/readyz`)).status;
      expect(ready).toBe(200);
      const before = await (await fetch(`${base}/metrics`)).text();
      expect(before).toContain('gitscale_commits_total{repository="manifests"} 1');
      expect(before).toMatch(
        /keda_scaler_metrics_value\{namespace="default",metric="s0-redis",scaledObject="a",scaler="redis",triggerIndex="0",type="scaledobject"\} 10/,
      );
      expect(before).toMatch(/keda_scaler_active\{[^}]*scaledObject="a"[^}]*\} 1/);
      expect(before).toMatch(/gitscale_tick_duration_seconds_count\{repository="manifests"\} [1-9]/);
      await redis.rpush(list, ...Array.from({ length: 10 }, () => 'x'));
      await run.waitFor((l) => l.msg === 'commit' && String(l.subject).includes('2→4'));
      const after = await (await fetch(`${base}/metrics`)).text();
      expect(after).toContain('gitscale_commits_total{repository="manifests"} 2');
    } finally {
      expect((await run.stop()).code).toBe(0);
    }
  });

  it('a taken --listen address is a clear error, exit 2', async () => {
    const dir = await makeLocalRepo({ 'a.yaml': deployment('a', 0) });
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url: dir }],
      scaledObjects: [scaledObject({ name: 'a', path: 'a.yaml', triggers: [redisList(servers.REDIS_ADDRESS, 'x')] })],
    });
    const first = startRun(['-c', config, '--log-format', 'json', '--data-dir', await tempDir('data')]);
    try {
      const { address } = await first.waitFor((l) => l.msg === 'serving');
      const second = startRun(['-c', config, '--log-format', 'json', '--listen', String(address), '--data-dir', await tempDir('data')]);
      const r = await second.exited;
      expect(r.code).toBe(2);
      const line = JSON.parse(
        r.stderr
          .trim()
          .split('\n')
          .find((l) => l.includes('cannot serve'))!,
      );
      expect(line).toMatchObject({
        level: 'error',
        msg: expect.stringMatching(/^cannot serve \/metrics, \/healthz, \/readyz/),
        error: expect.stringContaining('EADDRINUSE'),
      });
    } finally {
      await first.stop();
    }
  });
});
