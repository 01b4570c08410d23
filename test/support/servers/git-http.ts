// git's own smart-HTTP server: `git http-backend` (CGI) behind a small Node HTTP server.
// Repositories live under GIT_ROOT; those under GIT_ROOT/private/ require Basic auth with GIT_TOKEN.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Started } from './types.js';

const BACKEND = '/usr/lib/git-core/git-http-backend';

export async function startGitHttp(): Promise<Started> {
  if (!existsSync(BACKEND)) throw new Error(`${BACKEND} not found (install Debian's git)`);
  const root = mkdtempSync(join(tmpdir(), 'gitscale-git-'));
  mkdirSync(join(root, 'private'));
  const token = `test-${randomBytes(12).toString('hex')}`;
  const server = createServer((req, res) => handle(req, res, root, token));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    env: { GIT_HTTP_URL: `http://127.0.0.1:${port}`, GIT_ROOT: root, GIT_TOKEN: token },
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(root, { recursive: true, force: true });
    },
  };
}

function handle(req: IncomingMessage, res: ServerResponse, root: string, token: string): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  let user = '';
  if (url.pathname.startsWith('/private/')) {
    const want = 'Basic ' + Buffer.from(`x-access-token:${token}`).toString('base64');
    if (req.headers.authorization !== want) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' });
      res.end('unauthorized');
      return;
    }
    user = 'x-access-token';
  }
  const child = spawn(BACKEND, [], {
    env: {
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: req.method ?? 'GET',
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
      REMOTE_USER: user,
      REMOTE_ADDR: '127.0.0.1',
      HTTP_CONTENT_ENCODING: String(req.headers['content-encoding'] ?? ''),
      PATH: process.env.PATH ?? '/usr/bin:/bin',
    },
  });
  req.pipe(child.stdin);
  let head = Buffer.alloc(0);
  let headersDone = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const sep = head.indexOf('\r\n\r\n');
    if (sep < 0) return;
    headersDone = true;
    let status = 200;
    for (const line of head.subarray(0, sep).toString('latin1').split('\r\n')) {
      const i = line.indexOf(':');
      const name = line.slice(0, i).trim();
      const value = line.slice(i + 1).trim();
      if (name.toLowerCase() === 'status') status = parseInt(value, 10);
      else res.setHeader(name, value);
    }
    res.writeHead(status);
    res.write(head.subarray(sep + 4));
  });
  child.stdout.on('end', () => res.end());
  child.on('error', () => {
    res.writeHead(500);
    res.end();
  });
}
