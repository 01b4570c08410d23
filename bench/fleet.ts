// Benchmark: one `gitscale run` process with --objects ScaledObjects spread over --repos
// repositories (each --files manifests, served by git http-backend), every object polling a
// metrics-api trigger every --interval seconds, for --seconds. Prints how late polls were (the
// largest gap between two polls of one object, against its pollingInterval), how long until every
// object had been polled once, and peak RSS. Nothing changes, so nothing is written (checked).
// Run: npm run build && npm run bench:fleet [-- --repos 100 --objects 10000 --files 200 --interval 30 --seconds 95]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startGitHttp } from '../test/support/servers/git-http.js';
import { arg } from './args.js';
import { g, makeRepo, pathOf, startEndpoint } from './fixtures.js';

const REPOS = arg('repos', 100);
const OBJECTS = arg('objects', 10_000);
const FILES = arg('files', 200);
const INTERVAL = arg('interval', 30);
const SECONDS = arg('seconds', 95);
const CLI = join(import.meta.dirname, '../dist/cli.js');
const PROBE = process.env.BENCH_PROBE ?? join(import.meta.dirname, 'rss-probe.mjs');
const perRepo = Math.ceil(OBJECTS / REPOS);

async function main(): Promise<void> {
  if (perRepo > FILES) throw new Error(`--files must be at least objects per repository (${perRepo})`);
  const server = await startGitHttp();
  const endpoint = await startEndpoint({ recordPaths: true });
  const tmp = mkdtempSync(join(tmpdir(), 'bench-fleet-'));
  try {
    const repos: string[] = [];
    for (let r = 0; r < REPOS; r++) {
      await makeRepo(join(server.env.GIT_ROOT, `r${r}.git`), FILES, 1, 0);
      repos.push(`  - { name: r${r}, url: ${server.env.GIT_HTTP_URL}/r${r}.git, branch: main }\n`);
    }
    const objs: string[] = [];
    for (let n = 0; n < OBJECTS; n++) {
      const r = n % REPOS;
      const i = Math.floor(n / REPOS);
      objs.push(
        `  - apiVersion: keda.sh/v1alpha1\n    kind: ScaledObject\n    metadata: { name: app-${i}-r${r}, namespace: default, annotations: { gitscale.dev/repository: r${r}, gitscale.dev/path: ${pathOf(i)} } }\n` +
          `    spec: { scaleTargetRef: { name: app-${i} }, minReplicaCount: 1, pollingInterval: ${INTERVAL}, triggers: [{ type: metrics-api, metadata: { url: "${endpoint.url}/m/${r}/${i}", valueLocation: value, targetValue: "5" } }] }\n`,
      );
    }
    const config = join(tmp, 'gitscale.yaml');
    writeFileSync(config, `repositories:\n${repos.join('')}scaledObjects:\n${objs.join('')}`);
    const heads = await Promise.all(
      Array.from({ length: REPOS }, (_, r) => g(join(server.env.GIT_ROOT, `r${r}.git`), 'rev-parse', 'main').then((x) => x.stdout)),
    );
    endpoint.set(5);
    const rssFile = join(tmp, 'rss');
    const t0 = performance.now();
    const child = spawn(
      process.execPath,
      ['--import', PROBE, CLI, 'run', '-c', config, '--data-dir', join(tmp, 'data'), '--listen', 'off', '--log-format', 'json'],
      { env: { ...process.env, GITSCALE_BENCH_RSS: rssFile }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let errors = 0;
    let tail = '';
    child.stderr.on('data', (d: Buffer) => {
      const text = d.toString();
      tail = (tail + text).slice(-4000);
      errors += (text.match(/"level":"error"/g) ?? []).length;
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    child.kill('SIGTERM');
    if ((await exited) !== 0) throw new Error(`gitscale run exited badly\n${tail}`);
    const hits = endpoint.hits();
    const polled = [...hits.values()];
    const firstAll = Math.max(...polled.map((xs) => xs[0])) - t0;
    const gaps = polled.flatMap((xs) => xs.slice(1).map((x, k) => x - xs[k]));
    gaps.sort((a, b) => a - b);
    const twice = polled.filter((xs) => xs.length >= 2).length;
    const after = await Promise.all(
      Array.from({ length: REPOS }, (_, r) => g(join(server.env.GIT_ROOT, `r${r}.git`), 'rev-parse', 'main').then((x) => x.stdout)),
    );
    if (after.some((h, r) => h !== heads[r])) throw new Error('a repository got a commit with nothing to change');
    console.log(
      `${OBJECTS} objects over ${REPOS} repositories (${FILES} files each), pollingInterval ${INTERVAL} s, one run process for ${SECONDS} s`,
    );
    console.log(`  objects polled: ${hits.size} of ${OBJECTS}; polled at least twice: ${twice}; error log lines: ${errors}`);
    console.log(`  every object polled once within ${(firstAll / 1000).toFixed(1)} s of start (CLI start, config, 100 clones included)`);
    console.log(
      `  gap between two polls of one object: median ${(gaps[Math.floor(gaps.length / 2)] / 1000).toFixed(2)} s, p99 ${(gaps[Math.floor(gaps.length * 0.99)] / 1000).toFixed(2)} s, max ${(gaps[gaps.length - 1] / 1000).toFixed(2)} s (pollingInterval ${INTERVAL} s; the heartbeat turns each second)`,
    );
    // After the first interval (the start polls everything at once): how evenly polls fall per second.
    const perSecond = new Map<number, number>();
    for (const xs of polled)
      for (const x of xs)
        if (x - t0 > (INTERVAL + 15) * 1000) perSecond.set(Math.floor(x / 1000), (perSecond.get(Math.floor(x / 1000)) ?? 0) + 1);
    const counts = [...perSecond.values()];
    if (counts.length)
      console.log(
        `  polls per second after the first interval: mean ${(counts.reduce((a, b) => a + b, 0) / counts.length).toFixed(0)}, busiest second ${Math.max(...counts)} (${OBJECTS} objects / ${INTERVAL} s = ${(OBJECTS / INTERVAL).toFixed(0)} if perfectly even)`,
      );
    console.log(`  peak RSS ${(Number(readFileSync(rssFile, 'utf8')) / 1024).toFixed(0)} MB`);
  } finally {
    await endpoint.stop();
    await server.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
