// The run server: /metrics, /healthz and /readyz on a real socket, and --listen's syntax.
import { describe, expect, it } from 'vitest';
import { parseListen, serve, type Probe } from '../../src/server/http.js';

describe('parseListen', () => {
  it.each([
    { s: '127.0.0.1:9090', want: { host: '127.0.0.1', port: 9090 } },
    { s: '0.0.0.0:8080', want: { host: '0.0.0.0', port: 8080 } },
    { s: '[::1]:0', want: { host: '::1', port: 0 } },
    { s: 'localhost:9090', want: { host: 'localhost', port: 9090 } },
  ])('$s', ({ s, want }) => expect(parseListen(s)).toEqual(want));

  it.each(['9090', '127.0.0.1', '127.0.0.1:99999', ':9090', 'host:port'])('%s is refused', (s) => {
    expect(() => parseListen(s)).toThrow(/is not host:port/);
  });
});

describe('serve', () => {
  it('answers the three paths, 404 elsewhere, 405 for a POST; probes say why they fail', async () => {
    let health: Probe = { ok: true };
    let ready: Probe = { ok: false, reason: 'first tick not done yet: apps' };
    const s = await serve(
      { host: '127.0.0.1', port: 0 },
      {
        metrics: async () => 'up 1\n',
        contentType: 'text/plain; version=0.0.4; charset=utf-8',
        healthz: () => health,
        readyz: () => ready,
      },
    );
    try {
      const base = `http://${s.address}`;
      const m = await fetch(`${base}/metrics`);
      expect([m.status, m.headers.get('content-type'), await m.text()]).toEqual([
        200,
        'text/plain; version=0.0.4; charset=utf-8',
        'up 1\n',
      ]);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const r = await fetch(`${base}/readyz`);
      expect([r.status, await r.text()]).toEqual([503, 'first tick not done yet: apps\n']);
      ready = { ok: true, detail: ['cannot run: default/b (MANIFEST_FILE_NOT_FOUND, apps:b.yaml): gone'] };
      const partly = await fetch(`${base}/readyz`);
      expect([partly.status, await partly.text()]).toEqual([
        200,
        'ok\ncannot run: default/b (MANIFEST_FILE_NOT_FOUND, apps:b.yaml): gone\n',
      ]);
      ready = { ok: true };
      health = { ok: false, reason: 'stuck' };
      const r2 = await fetch(`${base}/readyz`);
      expect([r2.status, await r2.text()]).toEqual([200, 'ok\n']);
      expect((await fetch(`${base}/healthz`)).status).toBe(503);
      expect((await fetch(`${base}/nope`)).status).toBe(404);
      expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
      expect((await fetch(`${base}/metrics`, { method: 'HEAD' })).status).toBe(200);
    } finally {
      await s.close();
    }
  });

  it('a taken port is an error, not a silent nothing', async () => {
    const first = await serve(
      { host: '127.0.0.1', port: 0 },
      { metrics: async () => '', contentType: 'text/plain', healthz: () => ({ ok: true }), readyz: () => ({ ok: true }) },
    );
    try {
      const port = Number(first.address.split(':').pop());
      await expect(
        serve(
          { host: '127.0.0.1', port },
          { metrics: async () => '', contentType: 'text/plain', healthz: () => ({ ok: true }), readyz: () => ({ ok: true }) },
        ),
      ).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});
