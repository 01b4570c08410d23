// What `gitscale run` serves: /metrics (Prometheus text), /healthz (the process lives and its
// loop turns) and /readyz (config loaded and, for the repositories this replica writes, their
// first tick done; a standby is ready; the objects that cannot run listed after `ok`, and 503 when
// none can). Plain node:http, GET and HEAD only.
import { createServer, type Server } from 'node:http';

export interface Probe {
  ok: boolean;
  /** Why not, for a person reading the probe's body. */
  reason?: string;
  /** Ready, with lines worth reading after `ok` (objects that cannot run, on /readyz). */
  detail?: string[];
}

export interface ServeDeps {
  metrics(): Promise<string>;
  contentType: string;
  healthz(): Probe;
  readyz(): Probe;
}

export interface Serving {
  /** host:port actually bound (a port 0 request gets one from the system). */
  address: string;
  close(): Promise<void>;
}

/** `host:port` (IPv6 in brackets); throws on anything else. */
export function parseListen(s: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d{1,5})$/.exec(s.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new Error(`'${s}' is not host:port (e.g. 127.0.0.1:9090, 0.0.0.0:8080, [::1]:9090)`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

export async function serve(listen: { host: string; port: number }, d: ServeDeps): Promise<Serving> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    const probe = (p: Probe) => {
      res.writeHead(p.ok ? 200 : 503, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(req.method === 'HEAD' ? undefined : p.ok ? ['ok', ...(p.detail ?? [])].join('\n') + '\n' : `${p.reason ?? 'not ok'}\n`);
    };
    if (path === '/healthz' || path === '/livez') return probe(d.healthz());
    if (path === '/readyz') return probe(d.readyz());
    if (path === '/metrics') {
      d.metrics().then(
        (text) => {
          res.writeHead(200, { 'Content-Type': d.contentType });
          res.end(req.method === 'HEAD' ? undefined : text);
        },
        (e: unknown) => {
          res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`metrics: ${(e as Error).message}\n`);
        },
      );
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found: /metrics, /healthz, /readyz\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address();
  const address = typeof a === 'object' && a ? `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}` : String(a);
  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
