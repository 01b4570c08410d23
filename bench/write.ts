// Benchmark: one decision → pushed commit on a 5,000-manifest repo served by `git http-backend`.
// gitscale's warm workspace (fetch, object-level commit, push with isomorphic-git) against native
// git doing fetch + reset + edit + commit + push on its own warm clone. Rounds alternate; prints
// both medians and their ratio. Run: npm run bench [-- --files 5000 --rounds 10]
import * as fs from 'node:fs';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openRemote } from '../src/git/remote.js';
import { setReplicas } from '../src/manifests/index.js';
import { startGitHttp } from '../test/support/servers/git-http.js';
import { arg } from './args.js';
import { g, median } from './fixtures.js';

const FILES = arg('files', 5000);
const ROUNDS = arg('rounds', 10);
const manifest = (i: number) => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-${i}\n  namespace: default\nspec:\n  replicas: 1\n  selector:\n    matchLabels: { app: app-${i} }\n`;

async function main(): Promise<void> {
  const server = await startGitHttp();
  try {
    const src = await mkdtemp(join(tmpdir(), 'bench-src-'));
    await g(src, 'init', '-q', '-b', 'main');
    for (let i = 0; i < FILES; i++) {
      await mkdir(join(src, 'apps', `app-${i}`), { recursive: true });
      await writeFile(join(src, 'apps', `app-${i}`, 'deployment.yaml'), manifest(i));
    }
    await g(src, 'add', '-A');
    await g(src, 'commit', '-q', '-m', 'initial');
    const bare = join(server.env.GIT_ROOT, 'bench.git');
    await g(tmpdir(), 'clone', '-q', '--bare', src, bare);
    await g(bare, 'config', 'http.receivepack', 'true');
    const url = `${server.env.GIT_HTTP_URL}/bench.git`;

    // Warm both sides once (clone), outside the measurement.
    const wsDir = join(await mkdtemp(join(tmpdir(), 'bench-ws-')), 'repo');
    const ws = openRemote({ repository: 'bench', url, branch: 'main', dir: wsDir, fs, clock: { now: Date.now } });
    let t = performance.now();
    await ws.sync();
    const cloneGitscale = performance.now() - t;
    const nativeDir = join(await mkdtemp(join(tmpdir(), 'bench-native-')), 'repo');
    t = performance.now();
    await g(tmpdir(), 'clone', '-q', '--single-branch', '-b', 'main', url, nativeDir);
    const cloneNative = performance.now() - t;

    const target = (i: number) => ({ kind: 'Deployment', name: `app-${i}`, namespace: 'default' });
    const gitscaleTimes: number[] = [];
    const nativeTimes: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const replicas = round + 2;
      const a = (round * 2) % FILES;
      t = performance.now();
      await ws.sync();
      await ws.write(async (read) => {
        const path = `apps/app-${a}/deployment.yaml`;
        return { files: { [path]: setReplicas((await read(path))!, target(a), replicas, path) }, message: `scale default/app-${a} 1→${replicas}\n` };
      }, { name: 'gitscale', email: 'gitscale@localhost' });
      gitscaleTimes.push(performance.now() - t);

      const b = (round * 2 + 1) % FILES;
      t = performance.now();
      await g(nativeDir, 'fetch', '-q', 'origin', 'main');
      await g(nativeDir, 'reset', '-q', '--hard', 'origin/main');
      const path = join(nativeDir, 'apps', `app-${b}`, 'deployment.yaml');
      fs.writeFileSync(path, setReplicas(fs.readFileSync(path, 'utf8'), target(b), replicas, path));
      await g(nativeDir, 'commit', '-q', '-am', `scale default/app-${b} 1→${replicas}`);
      await g(nativeDir, 'push', '-q', 'origin', 'main');
      nativeTimes.push(performance.now() - t);
    }
    const count = Number((await g(bare, 'rev-list', '--count', 'main')).stdout.trim());
    if (count !== 1 + 2 * ROUNDS) throw new Error(`expected ${1 + 2 * ROUNDS} commits on the server, found ${count}`);
    const mg = median(gitscaleTimes);
    const mn = median(nativeTimes);
    console.log(`repo: ${FILES} manifest files, ${ROUNDS} alternated rounds, served by git http-backend on 127.0.0.1`);
    console.log(`first sync (clone): gitscale ${cloneGitscale.toFixed(0)} ms (shallow, no checkout) | native git ${cloneNative.toFixed(0)} ms (full clone with checkout)`);
    console.log(`decision → pushed commit, median: gitscale ${mg.toFixed(1)} ms | native git fetch+reset+edit+commit+push ${mn.toFixed(1)} ms`);
    console.log(`ratio gitscale / native: ${(mg / mn).toFixed(2)}  (below 1 means gitscale's write is cheaper)`);
    console.log(`gitscale rounds (ms): ${gitscaleTimes.map((x) => x.toFixed(0)).join(' ')}`);
    console.log(`native rounds (ms):   ${nativeTimes.map((x) => x.toFixed(0)).join(' ')}`);
  } finally {
    await server.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
