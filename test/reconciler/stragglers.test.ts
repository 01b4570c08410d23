// A slow trigger delays only its own object (run's --decide-within): the tick writes what was
// decided in time, the slow object is decided at a later tick from the sample still in flight (the
// slow endpoint is not asked twice), and once/plan (no deadline) still wait for every trigger.
import * as fs from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clients } from '../../src/cli/clients.js';
import { loadConfig } from '../../src/reconciler/sources/load.js';
import { scalerDeps } from '../../src/cli/scaler-clients.js';
import { silentLogger } from '../../src/log.js';
import { createReconciler } from '../../src/reconciler/runtime/reconciler.js';
import { deployment, scaledObject, writeConfig } from '../support/config.js';
import { git, makeLocalRepo } from '../support/git.js';
import { tempDir } from '../support/temp.js';

let base = '';
let slowAsked = 0;
let held: ServerResponse[] = [];
const server = createServer((req, res) => {
  if (req.url === '/fast') return void res.end(JSON.stringify({ v: 20 }));
  slowAsked++;
  held.push(res); // answered when the test releases it
});
const release = () => {
  for (const res of held) res.end(JSON.stringify({ v: 15 }));
  held = [];
};
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  release();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

async function setup(decideWithinMs?: number, onAnswered?: (key: string) => void) {
  slowAsked = 0;
  const dir = await makeLocalRepo({ 'a.yaml': deployment('a', 1), 'b.yaml': deployment('b', 1) });
  const trigger = (path: string) => ({ type: 'metrics-api', metadata: { url: `${base}${path}`, valueLocation: 'v', targetValue: '5' } });
  const loaded = await loadConfig(
    await writeConfig({
      repositories: [{ name: 'manifests', url: dir }],
      scaledObjects: [
        scaledObject({ name: 'a', path: 'a.yaml', triggers: [trigger('/fast')] }),
        scaledObject({ name: 'b', path: 'b.yaml', triggers: [trigger('/slow')] }),
      ],
    }),
    { env: {}, fs },
  );
  expect(loaded.problems).toEqual([]);
  const deps = { fs, clock: { now: Date.now }, log: silentLogger, env: {}, scalerDeps: scalerDeps() };
  const rec = createReconciler(loaded.config!, {
    ...deps,
    decideWithinMs,
    onAnswered,
    triggerTimeoutMs: 30_000,
    clients: clients({ ...deps, fetch: globalThis.fetch, dataDir: await tempDir('data') }),
  });
  return { dir, rec };
}

describe('a slow trigger delays only its own object', () => {
  it('run: the fast object is committed now, the slow one at the next tick from the same request', async () => {
    const answered: string[] = [];
    const { dir, rec } = await setup(300, (key) => answered.push(key));
    try {
      const [a, b] = await rec.tick();
      // The tick came back while the slow endpoint still held its answer.
      expect(held).toHaveLength(1);
      expect(a).toMatchObject({ key: 'default/a', desired: 4, error: null });
      expect(a.commit).toMatch(/^[0-9a-f]{40}$/);
      expect(b).toMatchObject({ key: 'default/b', desired: null, commit: null, error: null });
      expect(b.reason).toMatch(/decided at a later tick/);
      expect((await git(dir, 'log', '--format=%s')).trim().split('\n')).toEqual(['scale default/a 1→4 (metrics-api: 20 / 5)', 'initial']);
      // Still slow at the next tick: deferred again, and the endpoint is not asked a second time.
      const [, b2] = await rec.tick();
      expect(b2.reason).toMatch(/decided at a later tick/);
      expect(slowAsked).toBe(1);
      expect(answered).toEqual([]);
      release();
      // The run loop hears of the answer (and wakes the object rather than waiting for its next poll).
      await new Promise((r) => setTimeout(r, 50));
      expect(answered).toEqual(['default/b']);
      const [, b3] = await rec.tick();
      expect(b3).toMatchObject({ desired: 3, error: null });
      expect(b3.commit).toMatch(/^[0-9a-f]{40}$/);
      expect(slowAsked).toBe(1);
      expect((await git(dir, 'log', '--format=%s')).trim().split('\n')[0]).toBe('scale default/b 1→3 (metrics-api: 15 / 5)');
      // And afterwards b is sampled afresh each tick.
      setTimeout(release, 50);
      await rec.tick();
      expect(slowAsked).toBe(2);
    } finally {
      release();
      await rec.close();
    }
  });

  it('once (no deadline): the tick waits for every trigger and writes both in one commit', async () => {
    const { dir, rec } = await setup(undefined);
    try {
      setTimeout(release, 400);
      const [a, b] = await rec.tick();
      expect(a).toMatchObject({ desired: 4, error: null });
      expect(b, JSON.stringify(b)).toMatchObject({ desired: 3, error: null });
      expect(a.commit).toBe(b.commit);
      expect((await git(dir, 'log', '--format=%s')).trim().split('\n')).toHaveLength(2);
    } finally {
      release();
      await rec.close();
    }
  });
});
