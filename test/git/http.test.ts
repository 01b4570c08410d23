// The bounded HTTP client under smart HTTP, against real servers on loopback that answer slowly,
// trickle, stall, cut their answer short or redirect: each bound ends a request with its own clear
// error, and a server that keeps talking is waited for.
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_GIT_BOUNDS, GitTimeoutError, type GitBounds } from '../../src/git/bounds.js';
import { gitHttp } from '../../src/git/http.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const open: { close: () => Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function serve(handler: Handler): Promise<string> {
  const server = createHttpServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  open.push({
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  });
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** A TCP server that accepts and never says a word (a TLS handshake to it never completes). */
async function silentTcp(): Promise<number> {
  const sockets: Socket[] = [];
  const server: TcpServer = createTcpServer((s) => void sockets.push(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  open.push({
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  });
  return (server.address() as { port: number }).port;
}

async function text(bounds: GitBounds, url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const res = await gitHttp(bounds).request({ url, method: 'GET', headers });
  const chunks: Buffer[] = [];
  for await (const c of res.body!) chunks.push(Buffer.from(c));
  return { status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') };
}

/** Writes `byte` every `everyMs` until `count` writes (then ends), or forever without a count. */
const trickle =
  (everyMs: number, count?: number): Handler =>
  (_req, res) => {
    res.writeHead(200);
    let n = 0;
    const t = setInterval(() => {
      if (count !== undefined && n++ >= count) {
        clearInterval(t);
        return void res.end();
      }
      res.write('.');
    }, everyMs);
    res.on('close', () => clearInterval(t));
  };

describe('gitHttp bounds', () => {
  it('waits for a server that keeps talking longer than the silence bound, in all', async () => {
    const url = await serve(trickle(100, 15));
    const got = await text({ connectMs: 1000, idleMs: 500, totalMs: 10_000 }, url);
    expect(got).toEqual({ status: 200, body: '.'.repeat(15) });
  });

  it("with the default bounds, waits for a server silent for 6 s before it answers (Node's default agent dropped the socket at 5 s)", async () => {
    const url = await serve((_req, res) => void setTimeout(() => res.end('late but whole'), 6000));
    expect(await text(DEFAULT_GIT_BOUNDS, url)).toEqual({ status: 200, body: 'late but whole' });
  });

  it.each<{ name: string; handler: Handler; want: RegExp }>([
    { name: 'silent before its answer', handler: () => {}, want: /sent nothing for 400 ms/ },
    { name: 'silent after its headers', handler: (_req, res) => void res.writeHead(200).flushHeaders(), want: /sent nothing for 400 ms/ },
  ])('a server $name: the silence bound, as a GitTimeoutError naming host and time', async ({ handler, want }) => {
    const url = await serve(handler);
    const err = await text({ connectMs: 1000, idleMs: 400, totalMs: 10_000 }, url).catch((e) => e);
    expect(err).toBeInstanceOf(GitTimeoutError);
    expect(err.bound).toBe('idleMs');
    expect(err.message).toMatch(want);
    expect(err.message).toContain(new URL(url).host);
  });

  it('a server that talks without end: the whole bound, not the silence bound', async () => {
    const url = await serve(trickle(50));
    const err = await text({ connectMs: 1000, idleMs: 400, totalMs: 900 }, url).catch((e) => e);
    expect(err).toBeInstanceOf(GitTimeoutError);
    expect(err.bound).toBe('totalMs');
    expect(err.message).toMatch(/no whole answer from 127\.0\.0\.1:\d+ within 900 ms/);
  });

  it('a TLS handshake that never completes: the connection bound', async () => {
    const port = await silentTcp();
    const err = await text({ connectMs: 300, idleMs: 5000, totalMs: 10_000 }, `https://127.0.0.1:${port}/r.git/info/refs`).catch((e) => e);
    expect(err).toBeInstanceOf(GitTimeoutError);
    expect(err.bound).toBe('connectMs');
    expect(err.message).toBe(`no connection to 127.0.0.1:${port} within 300 ms`);
  });

  it('an answer cut short says so (not "aborted")', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('0123456789', () => setTimeout(() => res.destroy(), 50));
    });
    const err = await text({ connectMs: 1000, idleMs: 5000, totalMs: 10_000 }, url).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/closed the connection before its answer was complete/);
  });

  it('follows a redirect of a GET; the token goes along only to the same origin', async () => {
    const seen: { where: string; auth?: string }[] = [];
    const other = await serve((req, res) => {
      seen.push({ where: 'other', auth: req.headers.authorization });
      res.end('moved here');
    });
    const first = await serve((req, res) => {
      seen.push({ where: req.url!, auth: req.headers.authorization });
      if (req.url === '/a') return void res.writeHead(302, { location: '/b' }).end();
      if (req.url === '/b') return void res.writeHead(301, { location: `${other}/c` }).end();
      res.end('?');
    });
    const got = await text({ connectMs: 1000, idleMs: 1000, totalMs: 5000 }, `${first}/a`, { Authorization: 'Basic c2VjcmV0' });
    expect(got).toEqual({ status: 200, body: 'moved here' });
    expect(seen).toEqual([
      { where: '/a', auth: 'Basic c2VjcmV0' },
      { where: '/b', auth: 'Basic c2VjcmV0' },
      { where: 'other', auth: undefined },
    ]);
  });

  it('a POST follows a 307 with its body, and not a 302 (which would turn it into a GET)', async () => {
    const bodies: string[] = [];
    const url = await serve((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        bodies.push(`${req.method} ${req.url} ${body}`);
        if (req.url === '/temp') return void res.writeHead(307, { location: '/there' }).end();
        if (req.url === '/found') return void res.writeHead(302, { location: '/there' }).end();
        res.end('took it');
      });
    });
    const post = (path: string) =>
      gitHttp({ connectMs: 1000, idleMs: 1000, totalMs: 5000 }).request({
        url: `${url}${path}`,
        method: 'POST',
        body: [new Uint8Array(Buffer.from('pack'))][Symbol.iterator]() as never,
      });
    for (const [path, status] of [
      ['/temp', 200],
      ['/found', 302],
    ] as const) {
      const res = await post(path);
      for await (const _ of res.body!);
      expect(res.statusCode, path).toBe(status);
    }
    expect(bodies).toEqual(['POST /temp pack', 'POST /there pack', 'POST /found pack']);
  });
});
