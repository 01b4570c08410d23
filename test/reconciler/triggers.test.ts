// Sampling an object's triggers: in parallel, a timeout each, failures as typed errors per trigger.
import { CLUSTER_DEFAULTS } from '../../src/config/cluster.js';
import * as fs from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Config, ObjectConfig, TriggerConfig } from '../../src/config/types.js';
import { createTriggerPool } from '../../src/reconciler/triggers/pool.js';
import { scalerDeps } from '../../src/cli/scaler-clients.js';

const servers = inject('servers');
let silent: Server;
let silentPort = 0;
const sockets = new Set<Socket>();
beforeAll(async () => {
  // Accepts connections and never answers: a hung metrics endpoint.
  silent = createServer((s) => void sockets.add(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  silentPort = (silent.address() as { port: number }).port;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => silent.close(() => r()));
});

const obj = (triggers: TriggerConfig[]): ObjectConfig => ({
  key: 'default/a',
  namespace: 'default',
  name: 'a',
  repository: 'm',
  path: 'a.yaml',
  annotations: {},
  review: {},
  directPatch: true,
  target: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'a' },
  spec: { pollingInterval: 30, cooldownPeriod: 300, initialCooldownPeriod: 0, minReplicaCount: 0, maxReplicaCount: 100 },
  triggers,
});
const config = { file: '/c.yaml', repositories: [], objects: [], triggerAuthentications: [], cluster: CLUSTER_DEFAULTS } as Config;
const pool = (timeoutMs = 5000) => createTriggerPool(config, { env: {}, fs, scalerDeps: scalerDeps(), timeoutMs });

describe('trigger pool', () => {
  it('samples every trigger; a hung one times out alone with SCALER_TIMEOUT', async () => {
    const redis = new Redis(servers.REDIS_ADDRESS);
    await redis.rpush('pool-list', 'a', 'b', 'c');
    await redis.quit();
    const p = pool(300);
    const started = Date.now();
    const out = await p.sample(
      obj([
        { type: 'redis', name: 'list', metadata: { address: servers.REDIS_ADDRESS, listName: 'pool-list' }, metricType: 'AverageValue' },
        {
          type: 'metrics-api',
          name: 'hung',
          metadata: { url: `http://127.0.0.1:${silentPort}/m`, valueLocation: 'v', targetValue: '1' },
          metricType: 'AverageValue',
        },
      ]),
    );
    expect(Date.now() - started).toBeLessThan(3000);
    expect(out[0]).toMatchObject({ name: 'list', target: 5, unit: 'items', sample: { ok: true, value: 3, active: true } });
    expect(out[1].sample).toMatchObject({ ok: false, code: 'SCALER_TIMEOUT' });
    expect((out[1].sample as { error: string }).error).toContain("trigger 'hung'");
    await p.close();
  });

  it("a connection failure is that trigger's error, and the scaler is rebuilt on the next tick", async () => {
    const p = pool();
    const o = obj([{ type: 'redis', name: 'down', metadata: { address: '127.0.0.1:1', listName: 'x' }, metricType: 'AverageValue' }]);
    const first = await p.sample(o);
    expect(first[0].sample).toMatchObject({ ok: false, code: 'SCALER_CONNECTION_REFUSED' });
    const second = await p.sample(o);
    expect(second[0].sample).toMatchObject({ ok: false, code: 'SCALER_CONNECTION_REFUSED' });
    await p.close();
  });

  it("a secret that cannot be resolved is the trigger's error, not a crash", async () => {
    const cfg = {
      ...config,
      triggerAuthentications: [
        {
          kind: 'TriggerAuthentication',
          name: 'pg',
          namespace: 'default',
          env: [],
          secretTargetRef: [{ parameter: 'password', name: 'pg', key: 'pw' }],
          configMapTargetRef: [],
        },
      ],
    } as Config;
    const p = createTriggerPool(cfg, { env: {}, fs, scalerDeps: scalerDeps(), timeoutMs: 1000 });
    const out = await p.sample(
      obj([
        {
          type: 'postgresql',
          name: 'pg',
          authenticationRef: { name: 'pg', kind: 'TriggerAuthentication' },
          metadata: { query: 'select 1', targetQueryValue: '1', host: 'h', port: '1', userName: 'u', dbName: 'd', sslmode: 'disable' },
          metricType: 'AverageValue',
        },
      ]),
    );
    expect(out[0].sample).toMatchObject({ ok: false, code: 'SCALER_AUTH_UNRESOLVED' });
    expect((out[0].sample as { error: string }).error).toMatch(/GITSCALE_SECRET_PG_PW/);
    await p.close();
  });
});
