// Benchmark: gitscale at monorepo scale against native git on the same server, alternated in one run.
// A repository of --files Deployments (apps/app-<i>/deployment.yaml) with --commits of history,
// served by `git http-backend`; --objects ScaledObjects with metrics-api triggers answered by a
// local endpoint. Cases, each a spawned `gitscale once` of the built CLI (peak RSS recorded):
//   change  all objects change, one commit   vs native fetch + reset + edit N files + commit + push
//   steady  nothing changes (warm data dir)  vs native `git fetch`
//   cold    empty data dir, nothing changes  vs `git clone --depth 1`
// and CLI start (`gitscale --help`) vs `node -e 0`. Medians of --rounds; "own" = minus CLI start.
// --curve runs the growth curve instead: 500 / 5,000 / 50,000 files at --commits, and 5,000 files
// at 10,000 commits. --profile <dir> writes a CPU profile of each CLI run. Run: npm run build && npm run bench:scale [-- --files 5000 --commits 200 --objects 500 --rounds 3]
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openRemote } from '../src/git/remote.js';
import { startGitHttp } from '../test/support/servers/git-http.js';
import { arg, run } from './args.js';
import { g, makeRepo, median, pathOf, startEndpoint } from './fixtures.js';

const ROUNDS = arg('rounds', 3);
const OBJECTS = arg('objects', 500);
const CLI = join(import.meta.dirname, '../dist/cli.js');
const PROBE = process.env.BENCH_PROBE ?? join(import.meta.dirname, 'rss-probe.mjs');
// --profile <dir>: every spawned CLI run writes a CPU profile there (node --cpu-prof).
const PROFILE = [
  ...(process.argv.includes('--profile') ? ['--cpu-prof', `--cpu-prof-dir=${process.argv[process.argv.indexOf('--profile') + 1]}`] : []),
  // BENCH_NODE_FLAGS: more node flags for every spawned CLI run (e.g. --heap-prof).
  ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
];
if (!existsSync(CLI)) throw new Error(`${CLI} not found: run npm run build first`);

function configFile(dir: string, url: string, metrics: string, files: number, pollingInterval = 30): string {
  const step = Math.max(1, Math.floor((files - 1) / OBJECTS));
  const objs = Array.from({ length: OBJECTS }, (_, k) => k * step).map(
    (i) =>
      `  - apiVersion: keda.sh/v1alpha1\n    kind: ScaledObject\n    metadata: { name: app-${i}, namespace: default, annotations: { gitscale.dev/repository: apps, gitscale.dev/path: ${pathOf(i)} } }\n` +
      `    spec: { scaleTargetRef: { name: app-${i} }, minReplicaCount: 1, pollingInterval: ${pollingInterval}, triggers: [{ type: metrics-api, metadata: { url: "${metrics}/m/${i}", valueLocation: value, targetValue: "5" } }] }\n`,
  );
  const file = join(dir, `gitscale-${pollingInterval}.yaml`);
  writeFileSync(file, `repositories:\n  - { name: apps, url: ${url}, branch: main }\nscaledObjects:\n${objs.join('')}`);
  return file;
}

const targets = (files: number) => {
  const step = Math.max(1, Math.floor((files - 1) / OBJECTS));
  return Array.from({ length: OBJECTS }, (_, k) => k * step);
};

interface Timed {
  ms: number;
  rssMb: number;
}

/** One spawned CLI run; its wall time and peak RSS. Exit 0 expected. */
// Asynchronous: the git server and the metrics endpoint live in this process.
async function cli(args: string[], tmp: string): Promise<Timed> {
  const rssFile = join(tmp, `rss-${process.pid}`);
  const t0 = performance.now();
  await run(process.execPath, [...PROFILE, '--import', PROBE, CLI, ...args], {
    env: { ...process.env, GITSCALE_BENCH_RSS: rssFile },
    maxBuffer: 1 << 26,
  }).catch((e: { code?: number; stderr?: string; stdout?: string }) => {
    throw new Error(`gitscale ${args.join(' ')} exited ${e.code}\n${String(e.stderr).slice(-2000)}\n${String(e.stdout).slice(-2000)}`);
  });
  const ms = performance.now() - t0;
  return { ms, rssMb: Number(readFileSync(rssFile, 'utf8')) / 1024 };
}

async function timedAsync(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

/**
 * `gitscale run` polling every object each second with nothing to change: the mean tick of the
 * repository from its own gitscale_tick_duration_seconds histogram (over TICKS seconds from the
 * second tick), the
 * trigger I/O of those ticks as the endpoint saw it (first request to last answer), and peak RSS.
 */
async function steadyRun(
  config: string,
  data: string,
  tmp: string,
  endpoint: Awaited<ReturnType<typeof startEndpoint>>,
): Promise<{ tickMs: number; ioMs: number; rssMb: number }> {
  const TICKS = 10;
  const rssFile = join(tmp, `rss-run-${process.pid}`);
  const child = spawn(
    process.execPath,
    [...PROFILE, '--import', PROBE, CLI, 'run', '-c', config, '--data-dir', data, '--listen', '127.0.0.1:0', '--log-format', 'json'],
    { env: { ...process.env, GITSCALE_BENCH_RSS: rssFile }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const wait = async <T>(f: () => Promise<T | null> | T | null): Promise<T> => {
    for (let i = 0; i < 120; i++) {
      const v = await f();
      if (v !== null) return v;
      await new Promise((r) => setTimeout(r, 1000));
    }
    throw new Error(`gitscale run: timed out\n${stderr.slice(-2000)}`);
  };
  try {
    const address = await wait(() => /"address":"([^"]+)"[^\n]*"msg":"serving"/.exec(stderr)?.[1] ?? null);
    const histogram = async () => {
      const text = await (await fetch(`http://${address}/metrics`)).text();
      const num = (name: string) =>
        Number(new RegExp(`^gitscale_tick_duration_seconds_${name}\\{repository="apps"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
      return { sum: num('sum'), count: num('count') };
    };
    // Scraped once a second until the second tick, then not until the end: a scrape renders every
    // object's series (as Prometheus would every 15–30 s), which would weigh on what is measured.
    const start = await wait(async () => ((await histogram()).count >= 2 ? histogram() : null));
    endpoint.bursts();
    await new Promise((r) => setTimeout(r, TICKS * 1000 + 500));
    const end = await histogram();
    const io = endpoint.bursts();
    const ticks = end.count - start.count;
    return { tickMs: ((end.sum - start.sum) / ticks) * 1000, ioMs: median(io), rssMb: NaN };
  } finally {
    child.kill('SIGTERM');
    // eslint-disable-next-line no-unsafe-finally -- a bad exit explains a failed measurement better than its own error
    if ((await exited) !== 0) throw new Error(`gitscale run exited badly\n${stderr.slice(-2000)}`);
  }
}

const head = async (bare: string) => (await g(bare, 'rev-parse', 'main')).stdout.trim();

interface Figures {
  files: number;
  commits: number;
  change: Timed;
  changeNative: number;
  steady: Timed;
  steadyNative: number;
  cold: Timed;
  coldNative: number;
  peak: number;
  run: { tickMs: number; ioMs: number; rssMb: number };
  git: { write: number; native: number; clone: number; nativeClone: number; noCheckout: number };
}

/** Native git on its warm clone: fetch + reset + every target `from` → 1 replica + commit + push. */
async function nativeBackToOne(nativeDir: string, files: number, from: number, round: number): Promise<void> {
  await g(nativeDir, 'fetch', '-q', 'origin', 'main');
  await g(nativeDir, 'reset', '-q', '--hard', 'origin/main');
  for (const i of targets(files)) {
    const p = join(nativeDir, pathOf(i));
    writeFileSync(p, readFileSync(p, 'utf8').replace(`replicas: ${from}\n`, 'replicas: 1\n'));
  }
  await g(nativeDir, 'commit', '-q', '-am', `back to 1 (${round})`);
  await g(nativeDir, 'push', '-q', 'origin', 'main');
}

/**
 * The git layer alone, in this process: gitscale's workspace fetching, editing every target
 * (1 → 2..4, a string replace as native does) in one commit and pushing it, against native git
 * doing fetch + reset + the same edits back to 1 + commit + push; and a first sync into an empty
 * directory against `git clone --depth 1`. Alternated, medians.
 */
async function gitOnly(url: string, tmp: string, files: number): Promise<Figures['git']> {
  const writes: number[] = [],
    natives: number[] = [],
    clones: number[] = [],
    nativeClones: number[] = [],
    bareClones: number[] = [];
  const nativeDir = join(tmp, 'native-git');
  await g(tmp, 'clone', '-q', '--single-branch', '-b', 'main', url, nativeDir);
  const ws = openRemote({ repository: 'apps', url, branch: 'main', dir: join(tmp, 'ws-git'), fs, clock: { now: Date.now } });
  await ws.sync();
  for (let round = 0; round < ROUNDS; round++) {
    const k = 2 + (round % 3);
    writes.push(
      await timedAsync(async () => {
        await ws.sync();
        await ws.write(
          async (read) => {
            const out: Record<string, string> = {};
            for (const i of targets(files)) out[pathOf(i)] = (await read(pathOf(i)))!.replace('replicas: 1\n', `replicas: ${k}\n`);
            return { files: out, message: `all to ${k}` };
          },
          { name: 'gitscale', email: 'g@x' },
        );
      }),
    );
    natives.push(await timedAsync(() => nativeBackToOne(nativeDir, files, k, round)));
    const fresh = openRemote({ repository: 'apps', url, branch: 'main', dir: join(tmp, `ws-cold-${round}`), fs, clock: { now: Date.now } });
    clones.push(await timedAsync(() => fresh.sync()));
    const shallow = join(tmp, `git-shallow-${round}`);
    nativeClones.push(await timedAsync(() => g(tmp, 'clone', '-q', '--depth', '1', '--single-branch', '-b', 'main', url, shallow)));
    rmSync(shallow, { recursive: true, force: true });
    // What gitscale's first sync does: no working tree.
    bareClones.push(
      await timedAsync(() => g(tmp, 'clone', '-q', '--depth', '1', '--no-checkout', '--single-branch', '-b', 'main', url, shallow)),
    );
    rmSync(shallow, { recursive: true, force: true });
    rmSync(join(tmp, `ws-cold-${round}`), { recursive: true, force: true });
  }
  return {
    write: median(writes),
    native: median(natives),
    clone: median(clones),
    nativeClone: median(nativeClones),
    noCheckout: median(bareClones),
  };
}

async function measure(files: number, commits: number): Promise<Figures> {
  const server = await startGitHttp();
  const endpoint = await startEndpoint();
  const tmp = mkdtempSync(join(tmpdir(), 'bench-scale-'));
  try {
    const bare = join(server.env.GIT_ROOT, 'apps.git');
    await makeRepo(bare, files, commits, files - OBJECTS);
    const url = `${server.env.GIT_HTTP_URL}/apps.git`;
    const config = configFile(tmp, url, endpoint.url, files);
    const data = join(tmp, 'data');
    const nativeDir = join(tmp, 'native');
    await g(tmp, 'clone', '-q', '--single-branch', '-b', 'main', url, nativeDir);
    // Warm gitscale's data dir (its first clone) outside the measurement; 1 replica = nothing to change.
    endpoint.set(5);
    await cli(['once', '-c', config, '--data-dir', data], tmp);
    const change: Timed[] = [],
      steady: Timed[] = [],
      cold: Timed[] = [];
    const changeNative: number[] = [],
      steadyNative: number[] = [],
      coldNative: number[] = [];
    let peak = 0;
    let current = 1;
    for (let round = 0; round < ROUNDS; round++) {
      // gitscale: every target 1 → 2..4 in one commit.
      current = 2 + (round % 3);
      endpoint.set(5 * current);
      const before = await head(bare);
      change.push(await cli(['once', '-c', config, '--data-dir', data], tmp));
      peak = Math.max(peak, endpoint.peak());
      const changed = (await g(bare, 'diff', '--name-only', before, 'main')).stdout.trim().split('\n').filter(Boolean).length;
      const count = Number((await g(bare, 'rev-list', '--count', `${before}..main`)).stdout.trim());
      if (changed !== OBJECTS || count !== 1)
        throw new Error(`change round ${round}: expected ${OBJECTS} files in 1 commit, found ${changed} files in ${count} commits`);
      // Steady: same metrics, warm data dir: no write.
      const settled = await head(bare);
      steady.push(await cli(['once', '-c', config, '--data-dir', data], tmp));
      await g(nativeDir, 'fetch', '-q', 'origin', 'main');
      steadyNative.push(await timedAsync(() => g(nativeDir, 'fetch', '-q', 'origin', 'main')));
      // Cold: an empty data dir, nothing to change.
      const coldData = join(tmp, `cold-${round}`);
      cold.push(await cli(['once', '-c', config, '--data-dir', coldData], tmp));
      rmSync(coldData, { recursive: true, force: true });
      const shallow = join(tmp, `shallow-${round}`);
      coldNative.push(await timedAsync(() => g(tmp, 'clone', '-q', '--depth', '1', '--single-branch', '-b', 'main', url, shallow)));
      rmSync(shallow, { recursive: true, force: true });
      if ((await head(bare)) !== settled) throw new Error(`round ${round}: a steady or cold run wrote a commit`);
      // Native: every target back to 1 replica (a real change of N files), pushed.
      changeNative.push(await timedAsync(() => nativeBackToOne(nativeDir, files, current, round)));
    }
    // The last native round left every target at 1 replica: the metric says 1 too.
    endpoint.set(5);
    const settledHead = await head(bare);
    const run = await steadyRun(configFile(tmp, url, endpoint.url, files, 1), data, tmp, endpoint);
    run.rssMb = Number(readFileSync(join(tmp, `rss-run-${process.pid}`), 'utf8')) / 1024;
    if ((await head(bare)) !== settledHead) throw new Error('gitscale run wrote a commit with nothing to change');
    const git = await gitOnly(url, tmp, files);
    const pick = (xs: Timed[]): Timed => ({ ms: median(xs.map((x) => x.ms)), rssMb: Math.max(...xs.map((x) => x.rssMb)) });
    return {
      files,
      commits,
      change: pick(change),
      changeNative: median(changeNative),
      steady: pick(steady),
      steadyNative: median(steadyNative),
      cold: pick(cold),
      coldNative: median(coldNative),
      peak,
      run,
      git,
    };
  } finally {
    await endpoint.stop();
    await server.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

function report(f: Figures, help: number): void {
  const own = (t: Timed) => `${(t.ms - help).toFixed(0)} ms own`;
  console.log(`\n${f.files} files, ${f.commits} commits, ${OBJECTS} objects, medians of ${ROUNDS} (RSS: the peak)`);
  console.log(
    `  change (${OBJECTS} files, 1 commit)  gitscale ${f.change.ms.toFixed(0).padStart(6)} ms (${own(f.change)})  ${f.change.rssMb.toFixed(0)} MB | native fetch+reset+edit+commit+push ${f.changeNative.toFixed(0)} ms | ratio ${(f.change.ms / f.changeNative).toFixed(2)}`,
  );
  console.log(
    `  steady (nothing to change)       gitscale ${f.steady.ms.toFixed(0).padStart(6)} ms (${own(f.steady)})  ${f.steady.rssMb.toFixed(0)} MB | native git fetch ${f.steadyNative.toFixed(0)} ms`,
  );
  console.log(
    `  cold (empty data dir)            gitscale ${f.cold.ms.toFixed(0).padStart(6)} ms (${own(f.cold)})  ${f.cold.rssMb.toFixed(0)} MB | native clone --depth 1 ${f.coldNative.toFixed(0)} ms | ratio ${(f.cold.ms / f.coldNative).toFixed(2)}`,
  );
  console.log(
    `  run, steady tick (every object polled each second)  ${f.run.tickMs.toFixed(0)} ms per tick, of which trigger I/O ${f.run.ioMs.toFixed(0)} ms → ${(f.run.tickMs - f.run.ioMs).toFixed(0)} ms own  ${f.run.rssMb.toFixed(0)} MB`,
  );
  console.log(
    `  git layer alone, ${OBJECTS} files in 1 commit: gitscale fetch+edit+commit+push ${f.git.write.toFixed(0)} ms | native ${f.git.native.toFixed(0)} ms | ratio ${(f.git.write / f.git.native).toFixed(2)}`,
  );
  console.log(
    `  git layer alone, first sync: gitscale ${f.git.clone.toFixed(0)} ms | native clone --depth 1 ${f.git.nativeClone.toFixed(0)} ms (ratio ${(f.git.clone / f.git.nativeClone).toFixed(2)}), with --no-checkout ${f.git.noCheckout.toFixed(0)} ms (ratio ${(f.git.clone / f.git.noCheckout).toFixed(2)})`,
  );
  console.log(`  most metric requests in flight at once: ${f.peak}`);
}

async function main(): Promise<void> {
  const floor = median(Array.from({ length: 7 }, () => timedSync(['-e', '0'])));
  const help = median(Array.from({ length: 7 }, () => timedSync([CLI, '--help'])));
  console.log(`CLI start: gitscale --help ${help.toFixed(0)} ms | node -e 0 ${floor.toFixed(0)} ms`);
  const shapes: [number, number][] = process.argv.includes('--curve')
    ? [
        [500, arg('commits', 200)],
        [5000, arg('commits', 200)],
        [50000, arg('commits', 200)],
        [5000, 10000],
      ]
    : [[arg('files', 5000), arg('commits', 200)]];
  const all: Figures[] = [];
  for (const [files, commits] of shapes) {
    const f = await measure(files, commits);
    report(f, help);
    all.push(f);
  }
  if (all.length > 1) {
    console.log('\ngrowth (files, commits → change / steady / cold ms, peak RSS MB)');
    for (const f of all)
      console.log(
        `  ${String(f.files).padStart(6)} files ${String(f.commits).padStart(6)} commits → ${f.change.ms.toFixed(0)} / ${f.steady.ms.toFixed(0)} / ${f.cold.ms.toFixed(0)} ms, ${Math.max(f.change.rssMb, f.steady.rssMb, f.cold.rssMb).toFixed(0)} MB`,
      );
  }
}

function timedSync(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}`);
  return performance.now() - t0;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
