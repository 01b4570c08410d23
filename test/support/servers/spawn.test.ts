// freePort, which every test server's start relies on: below the ephemeral range (no outgoing
// connection can take it between the probe and the bind), never one that is listened on, never
// the same one twice in a process even when asked concurrently.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from './spawn.js';

describe('freePort', () => {
  it('hands out distinct ports below the ephemeral range, concurrently', async () => {
    const ports = await Promise.all(Array.from({ length: 200 }, () => freePort()));
    expect(new Set(ports).size).toBe(200);
    for (const p of ports) {
      expect(p).toBeGreaterThanOrEqual(20_000);
      expect(p).toBeLessThan(32_768);
    }
  });

  it('never a port something listens on', async () => {
    const busy = await Promise.all(Array.from({ length: 300 }, async (_, i) => {
      const s = createServer();
      await new Promise<void>((resolve) => s.once('error', () => resolve()).listen(20_000 + i * 40, '127.0.0.1', () => resolve()));
      return s;
    }));
    try {
      const taken = new Set(busy.filter((s) => s.listening).map((s) => (s.address() as { port: number }).port));
      const ports = await Promise.all(Array.from({ length: 100 }, () => freePort()));
      expect(ports.filter((p) => taken.has(p))).toEqual([]);
    } finally {
      await Promise.all(busy.map((s) => new Promise((r) => (s.listening ? s.close(r) : r(undefined)))));
    }
  });
});
