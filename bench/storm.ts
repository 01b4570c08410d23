// Benchmark: decisions landed under contention. gitscale's workspace commits a decision every
// ~300 ms to a 20-object repository served by `git http-backend`, first alone (the baseline), then
// while three people push to the same branch every ~50 ms (native git, rebasing when refused).
// Prints decisions landed per second, decision-to-landed latency (median, worst), attempts, and the
// people's commits per second. Run: npm run bench:storm [-- --seconds 20 --seed 1]
import * as fs from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openRemote } from '../src/git/remote.js';
import { makeServedRepo } from '../test/support/git.js';
import { startGitHttp } from '../test/support/servers/git-http.js';
import { person, seeded, sleep } from '../test/support/storm.js';
import { removeTempDirs, tempDir } from '../test/support/temp.js';
import { arg } from './args.js';
import { median } from './fixtures.js';

const SECONDS = arg('seconds', 20);
const SEED = arg('seed', 1);

interface Phase {
  decisions: { latency: number; attempts: number }[];
  humans: number;
  ms: number;
}

async function phase(env: Record<string, string>, people: number, seed: number): Promise<Phase> {
  const files = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`apps/app-${i}.yaml`, 'replicas: 1\n']));
  const { url } = await makeServedRepo(env, { ...files, 'alice.txt': '-\n', 'bob.txt': '-\n', 'carol.txt': '-\n' });
  const random = seeded(seed);
  const ws = openRemote({
    repository: 'storm',
    url,
    branch: 'main',
    dir: join(await tempDir('bench-storm'), 'repo'),
    fs,
    clock: { now: Date.now },
    random,
  });
  await ws.sync();
  const start = performance.now();
  const until = Date.now() + SECONDS * 1000;
  const storm = ['alice', 'bob', 'carol'].slice(0, people).map((n) => person(n, url, until, seeded(seed + n.length)));
  const decisions: Phase['decisions'] = [];
  for (let d = 0; Date.now() < until; d++) {
    const made = performance.now();
    await ws.sync();
    const res = await ws.write(
      async () => ({ files: { [`apps/app-${d % 20}.yaml`]: `replicas: ${d + 2}\n` }, message: `scale app-${d % 20} (decision ${d})\n` }),
      { name: 'gitscale', email: 'gitscale@localhost' },
    );
    decisions.push({ latency: performance.now() - made, attempts: res!.attempts });
    await sleep(300 * (0.5 + random()));
  }
  const humans = (await Promise.all(storm)).flat().length;
  return { decisions, humans, ms: performance.now() - start };
}

function show(name: string, p: Phase): void {
  const lat = p.decisions.map((x) => x.latency);
  const attempts = p.decisions.map((x) => x.attempts);
  const retried = attempts.filter((a) => a > 1).length;
  console.log(
    `${name.padEnd(26)} ${(p.decisions.length / (p.ms / 1000)).toFixed(2)} decisions landed/s | latency median ${median(lat).toFixed(0)} ms, worst ${Math.max(...lat).toFixed(0)} ms | attempts max ${Math.max(...attempts)} (${retried} of ${attempts.length} retried) | people ${(p.humans / (p.ms / 1000)).toFixed(1)} commits/s`,
  );
}

async function main(): Promise<void> {
  const server = await startGitHttp();
  try {
    console.log(`${SECONDS} s per phase, seed ${SEED}, git http-backend on 127.0.0.1, 20 objects, a decision every ~300 ms`);
    const alone = await phase(server.env, 0, SEED);
    show('alone (baseline)', alone);
    const storm = await phase(server.env, 3, SEED);
    show('3 people pushing / 50 ms', storm);
    console.log(
      `worst latency under the storm / alone: ${(Math.max(...storm.decisions.map((x) => x.latency)) / Math.max(...alone.decisions.map((x) => x.latency))).toFixed(1)}×`,
    );
  } finally {
    await server.stop();
    await removeTempDirs();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
