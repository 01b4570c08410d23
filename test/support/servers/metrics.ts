// A tiny HTTP server whose answers tests set, for the metrics-api scaler (and any client that needs
// a canned HTTP answer from a real socket).
//   POST /__set?path=/x[&status=200][&type=application/json]   body = the answer for /x (any method)
//   GET  /__last?path=/x      → JSON { method, url, headers } of the last request to /x, or 404
//   GET  /x                   → the answer set for /x, or 404
//   /bearer/...               → 401 unless `Authorization: Bearer <METRICS_TOKEN>`; then as above
// State is keyed by path, so test files use their own paths and can run in parallel.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { Started } from './types.js';

interface Answer {
  status: number;
  type: string;
  body: string;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startMetrics(): Promise<Started> {
  const token = `tok-${randomBytes(12).toString('hex')}`;
  const answers = new Map<string, Answer>();
  const last = new Map<string, { method: string; url: string; headers: IncomingMessage['headers'] }>();
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const body = await readBody(req);
      if (url.pathname === '/__set' && req.method === 'POST') {
        const path = url.searchParams.get('path') ?? '/';
        answers.set(path, {
          status: Number(url.searchParams.get('status') ?? 200),
          type: url.searchParams.get('type') ?? 'application/json',
          body,
        });
        res.writeHead(204).end();
        return;
      }
      if (url.pathname === '/__last') {
        const seen = last.get(url.searchParams.get('path') ?? '/');
        res.writeHead(seen ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(seen ?? null));
        return;
      }
      last.set(url.pathname, { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers });
      if (url.pathname.startsWith('/bearer/') && req.headers.authorization !== `Bearer ${token}`) {
        res.writeHead(401, { 'www-authenticate': 'Bearer' }).end('unauthorized');
        return;
      }
      const a = answers.get(url.pathname);
      if (!a) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      res.writeHead(a.status, { 'content-type': a.type }).end(a.body);
    })().catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    env: { METRICS_URL: `http://127.0.0.1:${port}`, METRICS_TOKEN: token },
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
