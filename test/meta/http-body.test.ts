// Response bodies read up to a bound, against a real HTTP server: within it the body whole; past
// it (declared or streamed) refused, without buffering the rest; octokit-style clients get a fetch
// whose streamed body errors past the bound.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cappedFetch, readCapped } from '../../src/http-body.js';

let base = '';
const server = createServer((req, res) => {
  const n = Number(new URL(req.url!, 'http://x').searchParams.get('n'));
  if (req.url!.startsWith('/declared')) res.writeHead(200, { 'content-length': String(n) });
  else res.writeHead(200); // chunked
  res.end('y'.repeat(n));
});
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

describe('bounded bodies', () => {
  it.each(['declared', 'streamed'])('readCapped, %s: whole within the bound, null past it', async (how) => {
    expect(await readCapped(await fetch(`${base}/${how}?n=1000`), 1000)).toBe('y'.repeat(1000));
    expect(await readCapped(await fetch(`${base}/${how}?n=1001`), 1000)).toBeNull();
  });

  it.each(['declared', 'streamed'])('cappedFetch, %s: a larger answer fails with a clear error', async (how) => {
    const f = cappedFetch(fetch, 1000);
    expect(await (await f(`${base}/${how}?n=1000`)).text()).toHaveLength(1000);
    await expect(f(`${base}/${how}?n=200000`).then((r) => r.text())).rejects.toThrow(/larger than 1000 bytes: not read/);
  });
});
