// The per-endpoint limit on trigger requests, over a real HTTP server that holds answers until told.
import { createServer, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitPerEndpoint } from '../../src/cli/limit.js';

let held: ServerResponse[] = [];
let inFlight = 0;
let peak = 0;
let base = '';
let other = '';
const servers = [0, 1].map(() =>
  createServer((req, res) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    res.on('close', () => inFlight--);
    if (req.url === '/slow') held.push(res);
    else res.end('ok');
  }),
);

beforeAll(async () => {
  const ports = await Promise.all(
    servers.map((s) => new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as { port: number }).port)))),
  );
  base = `http://127.0.0.1:${ports[0]}`;
  other = `http://127.0.0.1:${ports[1]}`;
});
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

const until = async (f: () => boolean) => {
  for (let i = 0; i < 500 && !f(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(f()).toBe(true);
};

describe('limitPerEndpoint', () => {
  it('keeps at most N requests in flight to one endpoint, in order, and answers all of them', async () => {
    peak = 0;
    held = [];
    const f = limitPerEndpoint(fetch, 3);
    const all = Array.from({ length: 10 }, () => f(`${base}/slow`).then((r) => r.text()));
    let arrived = 0;
    for (const expected of [3, 6, 9, 10]) {
      await until(() => arrived + held.length === expected);
      await new Promise((r) => setTimeout(r, 30));
      expect(arrived + held.length, 'no more than 3 reach the server before some end').toBe(expected);
      arrived += held.length;
      for (const r of held.splice(0)) r.end('done');
    }
    expect(await Promise.all(all)).toEqual(Array(10).fill('done'));
    expect(peak).toBe(3);
  });

  it('a slow endpoint holds only its own requests: another endpoint answers meanwhile', async () => {
    held = [];
    const f = limitPerEndpoint(fetch, 1);
    const slow = f(`${base}/slow`);
    await until(() => held.length === 1);
    expect(await (await f(`${other}/fast`)).text()).toBe('ok');
    held.splice(0).forEach((r) => r.end('late'));
    expect(await (await slow).text()).toBe('late');
  });

  it('a request that times out while waiting leaves the queue with its reason, and the next one still runs', async () => {
    held = [];
    const f = limitPerEndpoint(fetch, 1);
    const first = f(`${base}/slow`);
    await until(() => held.length === 1);
    const waiting = f(`${base}/fast`, { signal: AbortSignal.timeout(50) });
    await expect(waiting).rejects.toThrow(/timeout|aborted/i);
    const after = f(`${base}/fast`);
    held.splice(0).forEach((r) => r.end('first'));
    expect(await (await first).text()).toBe('first');
    expect(await (await after).text()).toBe('ok');
  });

  it("a request whose signal is already aborted is refused at once and takes no one else's place in the queue", async () => {
    held = [];
    const f = limitPerEndpoint(fetch, 1);
    const first = f(`${base}/slow`);
    await until(() => held.length === 1);
    const queued = f(`${base}/fast`);
    await expect(f(`${base}/fast`, { signal: AbortSignal.abort() })).rejects.toThrow(/abort/i);
    held.splice(0).forEach((r) => r.end('first'));
    expect(await (await first).text()).toBe('first');
    expect(await (await queued).text()).toBe('ok');
  });
});
