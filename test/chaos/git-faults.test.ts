// Faults between gitscale and its git server (git http-backend behind a relay the test controls):
// a push whose acknowledgement is lost, receive-pack answering 500, the server gone and back on
// the same port, a pre-receive hook slower than the whole bound of a push. Whatever happens, nothing is lost or written twice, and the decision lands once
// the server is healthy again.
import * as fs from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { clients } from '../../src/cli/clients.js';
import { loadConfig } from '../../src/reconciler/sources/load.js';
import { scalerDeps } from '../../src/cli/scaler-clients.js';
import type { GitBounds } from '../../src/git/bounds.js';
import { silentLogger } from '../../src/log.js';
import { createReconciler, type Reconciler } from '../../src/reconciler/runtime/reconciler.js';
import { deployment, scaledObject, writeConfig } from '../support/config.js';
import { git, log, makeServedRepo, show } from '../support/git.js';
import { tempDir } from '../support/temp.js';

const servers = inject('servers');

type Mode = 'pass' | 'drop-push-answer' | 'push-500';

/** A relay in front of git http-backend whose behaviour the test sets; `down()`/`up()` stop and restart it on the same port. */
async function relay() {
  let mode: Mode = 'pass';
  let server: Server | undefined;
  let port = 0;
  const upstream = new URL(servers.GIT_HTTP_URL);
  const listen = async () => {
    server = createServer((req, res) => {
      const push = req.url!.includes('git-receive-pack') && req.method === 'POST';
      if (push && mode === 'push-500') {
        req.resume();
        res.writeHead(500);
        return void res.end('receive-pack is having a bad day');
      }
      const fwd = request(
        { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
        (up) => {
          if (push && mode === 'drop-push-answer') {
            // The server took the push; its answer never reaches gitscale.
            up.resume();
            up.on('end', () => res.destroy());
            return;
          }
          res.writeHead(up.statusCode!, up.headers);
          up.pipe(res);
        },
      );
      fwd.on('error', () => res.destroy());
      req.pipe(fwd);
    });
    await new Promise<void>((r) => server!.listen(port, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  };
  await listen();
  return {
    url: (name: string) => `http://127.0.0.1:${port}/${name}`,
    set: (m: Mode) => void (mode = m),
    down: async () => {
      server!.closeAllConnections();
      await new Promise((r) => server!.close(r));
    },
    up: listen,
  };
}

let open: Reconciler[] = [];
afterEach(async () => {
  await Promise.all(open.map((r) => r.close()));
  open = [];
});

/** A repository served through a relay, one object whose metric asks for 3 replicas, and a reconciler over it. */
async function setup(gitBounds?: GitBounds) {
  const r = await relay();
  const { bare, name } = await makeServedRepo(servers, { 'c.yaml': deployment('c', 1) });
  const setMetric = async (v: number) =>
    void (await fetch(`${servers.METRICS_URL}/__set?path=/faults-${name}`, { method: 'POST', body: JSON.stringify({ v }) }));
  await setMetric(15);
  const loaded = await loadConfig(
    await writeConfig({
      repositories: [{ name: 'manifests', url: r.url(name) }],
      scaledObjects: [
        scaledObject({
          name: 'c',
          path: 'c.yaml',
          triggers: [
            { type: 'metrics-api', metadata: { url: `${servers.METRICS_URL}/faults-${name}`, valueLocation: 'v', targetValue: '5' } },
          ],
        }),
      ],
    }),
    { env: {}, fs },
  );
  expect(loaded.problems).toEqual([]);
  const deps = { fs, clock: { now: Date.now }, log: silentLogger, env: {}, scalerDeps: scalerDeps() };
  const rec = createReconciler(loaded.config!, {
    ...deps,
    clients: clients({ ...deps, fetch: globalThis.fetch, dataDir: await tempDir('faults-data'), gitBounds }),
  });
  open.push(rec);
  return { r, bare, rec, setMetric };
}

describe('git faults', () => {
  it('a push whose answer is lost: the commit is on the server once, and the next tick does not write it again', async () => {
    const { r, bare, rec } = await setup();
    r.set('drop-push-answer');
    const [first] = await rec.tick();
    expect(first.error).toMatch(/push/i);
    expect(first.commit).toBeNull();
    // It did land: the server has it, once.
    expect(await log(bare)).toEqual(['scale default/c 1→3 (metrics-api: 15 / 5)', 'initial']);
    r.set('pass');
    const [second] = await rec.tick();
    expect(second).toMatchObject({ error: null, current: 3, desired: 3, route: 'none' });
    expect(await log(bare)).toHaveLength(2);
    await git(bare, 'fsck', '--strict');
  });

  it('receive-pack answering 500: a clear error, nothing on the server; once it heals the decision lands once', async () => {
    const { r, bare, rec } = await setup();
    r.set('push-500');
    const [first] = await rec.tick();
    expect(first.error).toMatch(/500|push/i);
    expect(await log(bare)).toEqual(['initial']);
    r.set('pass');
    const [second] = await rec.tick();
    expect(second.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(await log(bare)).toEqual(['scale default/c 1→3 (metrics-api: 15 / 5)', 'initial']);
    expect(await show(bare, 'main', 'c.yaml')).toContain('replicas: 3');
  });

  it('the git server gone and back on the same port: GIT_UNREACHABLE meanwhile, then the waiting decision lands once', async () => {
    const { r, bare, rec, setMetric } = await setup();
    await rec.tick(); // lands 1→3
    await setMetric(20);
    await r.down();
    const [gone] = await rec.tick();
    expect(gone.errorCode).toBe('GIT_UNREACHABLE');
    expect(await log(bare)).toHaveLength(2);
    await r.up();
    const [back] = await rec.tick();
    expect(back).toMatchObject({ error: null, current: 3, desired: 4 });
    expect(back.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(await log(bare)).toEqual(['scale default/c 3→4 (metrics-api: 20 / 5)', 'scale default/c 1→3 (metrics-api: 15 / 5)', 'initial']);
    await git(bare, 'fsck', '--strict');
  });

  it('a pre-receive hook slower than the whole bound: GIT_PUSH_TIMEOUT (not "aborted"); the push lands and the next tick writes nothing twice', async () => {
    const { bare, rec } = await setup({ connectMs: 5000, idleMs: 30_000, totalMs: 2000 });
    fs.writeFileSync(join(bare, 'hooks', 'pre-receive'), '#!/bin/sh\ncat >/dev/null\nsleep 5\n', { mode: 0o755 });
    const [first] = await rec.tick();
    expect(first.errorCode).toBe('GIT_PUSH_TIMEOUT');
    expect(first.error).toMatch(/no whole answer from 127\.0\.0\.1:\d+ within 2 s; it may have landed/);
    expect(first.commit).toBeNull();
    for (const end = Date.now() + 30_000; (await log(bare)).length < 2 && Date.now() < end;) await new Promise((r) => setTimeout(r, 200));
    expect(await log(bare)).toEqual(['scale default/c 1→3 (metrics-api: 15 / 5)', 'initial']);
    const [second] = await rec.tick();
    expect(second).toMatchObject({ error: null, current: 3, desired: 3, route: 'none' });
    expect(await log(bare)).toHaveLength(2);
    await git(bare, 'fsck', '--strict');
  });
});
