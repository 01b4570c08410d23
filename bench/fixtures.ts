// What the scale benchmarks share: a bare repository written by git fast-import, and a metrics
// endpoint that records what it was asked and when.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { run } from './args.js';

const ENV = { ...process.env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'b@x', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'b@x' };
export const g = (cwd: string, ...args: string[]) => run('git', args, { cwd, env: ENV, maxBuffer: 1 << 28 });
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const manifest = (i: number, replicas: number, rev: number) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-${i}\n  namespace: default\n  labels: { rev: "${rev}" }\nspec:\n  replicas: ${replicas}\n  selector:\n    matchLabels: { app: app-${i} }\n`;
export const pathOf = (i: number) => `apps/app-${i}/deployment.yaml`;

/** A bare repository of `files` manifests and `commits` commits, written by git fast-import. */
export async function makeRepo(bare: string, files: number, commits: number, spare: number): Promise<void> {
  await g(tmpdir(), 'init', '-q', '--bare', '-b', 'main', bare);
  const parts: string[] = [];
  const data = (s: string) => `data ${Buffer.byteLength(s)}\n${s}\n`;
  let t = 1_700_000_000;
  parts.push(`commit refs/heads/main\ncommitter bench <b@x> ${t} +0000\n${data('initial')}`);
  for (let i = 0; i < files; i++) parts.push(`M 100644 inline ${pathOf(i)}\n${data(manifest(i, 1, 0))}`);
  // History touches the last `spare` files (those no object targets), one per commit.
  for (let c = 1; c < commits; c++) {
    const i = files - 1 - (c % Math.max(1, spare));
    parts.push(
      `commit refs/heads/main\ncommitter bench <b@x> ${++t} +0000\n${data(`change ${c}`)}M 100644 inline ${pathOf(i)}\n${data(manifest(i, 1, c))}`,
    );
  }
  const child = spawn('git', ['fast-import', '--quiet'], { cwd: bare, stdio: ['pipe', 'inherit', 'inherit'] });
  const done = new Promise<void>((res, rej) =>
    child.on('exit', (code) => (code === 0 ? res() : rej(new Error(`fast-import exited ${code}`)))),
  );
  for (const p of parts) if (!child.stdin.write(p)) await new Promise((r) => child.stdin.once('drain', r));
  child.stdin.end();
  await done;
  await g(bare, 'gc', '-q', '--prune=now');
  await g(bare, 'config', 'http.receivepack', 'true');
}

/** The metrics endpoint: GET /m/<…> → {"value": V}; V is set by the benchmark. Counts the most requests in flight at once, and keeps each request's path and times. */
export async function startEndpoint(o: { recordPaths?: boolean } = {}) {
  const hits = new Map<string, number[]>();
  let value = 5;
  let inFlight = 0;
  let peak = 0;
  let spans: [number, number][] = [];
  const server = createServer((req, res) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    const start = performance.now();
    if (o.recordPaths) {
      const path = req.url ?? '/';
      if (!hits.has(path)) hits.set(path, []);
      hits.get(path)!.push(start);
    }
    res.on('close', () => {
      inFlight--;
      spans.push([start, performance.now()]);
    });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    set: (v: number) => (value = v),
    peak: () => {
      const p = peak;
      peak = 0;
      return p;
    },
    /** Requests since the last call, grouped in bursts (gaps over 300 ms): each burst's wall time. */
    bursts: () => {
      const xs = spans.sort((a, b) => a[0] - b[0]);
      spans = [];
      const out: number[] = [];
      let first = -1;
      let end = -1;
      for (const [a, b] of xs) {
        if (first < 0 || a - end > 300) {
          if (first >= 0) out.push(end - first);
          first = a;
        }
        end = Math.max(end, b);
      }
      if (first >= 0) out.push(end - first);
      return out;
    },
    /** With recordPaths: when each path was asked (performance.now()). */
    hits: () => hits,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
