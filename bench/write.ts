// Benchmark: one decision → pushed commit on a 5,000-manifest repo, served over HTTP by
// `git http-backend` and over SSH by OpenSSH's sshd (the same bare repository). gitscale's warm
// workspace (fetch, object-level commit, one-pack push) over each, against native git doing
// fetch + reset + edit + commit + push on its own warm clone over each. Rounds alternate; prints
// medians and ratios. Run: npm run bench [-- --files 5000 --rounds 10]
import * as fs from 'node:fs';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openRemote } from '../src/git/remote.js';
import { setReplicas } from '../src/manifests/index.js';
import { sshOptions } from '../src/cli/credentials.js';
import type { RepositoryConfig } from '../src/config/types.js';
import { startGitHttp } from '../test/support/servers/git-http.js';
import { startSshdServer } from '../test/support/servers/sshd.js';
import { arg } from './args.js';
import { run } from './args.js';
import { g, median } from './fixtures.js';

const FILES = arg('files', 5000);
const ROUNDS = arg('rounds', 10);
const manifest = (i: number) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-${i}\n  namespace: default\nspec:\n  replicas: 1\n  selector:\n    matchLabels: { app: app-${i} }\n`;

interface Side {
  name: string;
  write: (round: number, file: number) => Promise<void>;
  times: number[];
}

const target = (i: number) => ({ kind: 'Deployment', name: `app-${i}`, namespace: 'default' });

async function main(): Promise<void> {
  const server = await startGitHttp();
  const sshd = await startSshdServer();
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
    const e = sshd.env;
    const sshUrl = `ssh://${e.SSH_USER}@127.0.0.1:${e.SSH_PORT}${bare}`;
    const auth = { sshKeyFile: e.SSH_KEY_ED25519, knownHostsFile: e.SSH_KNOWN_HOSTS };
    const ssh = sshOptions({ name: 'bench', url: sshUrl, kind: 'remote', branch: 'main', auth } as RepositoryConfig, {}, fs)!;
    const sshEnv = {
      ...process.env,
      GIT_SSH_COMMAND: `ssh -i ${e.SSH_KEY_ED25519} -o IdentitiesOnly=yes -o UserKnownHostsFile=${e.SSH_KNOWN_HOSTS} -o StrictHostKeyChecking=yes`,
      GIT_AUTHOR_NAME: 'bench',
      GIT_AUTHOR_EMAIL: 'b@x',
      GIT_COMMITTER_NAME: 'bench',
      GIT_COMMITTER_EMAIL: 'b@x',
    };
    const gs = (cwd: string, ...args: string[]) => run('git', args, { cwd, env: sshEnv });

    // Warm every side once (clone), outside the measurement.
    const firstSync: string[] = [];
    const workspace = async (name: string, u: string, extra: { ssh?: typeof ssh }): Promise<Side> => {
      const ws = openRemote({
        repository: 'bench',
        url: u,
        branch: 'main',
        dir: join(await mkdtemp(join(tmpdir(), 'bench-ws-')), 'repo'),
        fs,
        clock: { now: Date.now },
        ...extra,
      });
      const t = performance.now();
      await ws.sync();
      firstSync.push(`${name} ${(performance.now() - t).toFixed(0)} ms`);
      return {
        name,
        times: [],
        write: async (round, a) => {
          await ws.sync();
          await ws.write(
            async (read) => {
              const path = `apps/app-${a}/deployment.yaml`;
              return {
                files: { [path]: setReplicas((await read(path))!, target(a), round + 2, path) },
                message: `scale default/app-${a} 1→${round + 2}\n`,
              };
            },
            { name: 'gitscale', email: 'gitscale@localhost' },
          );
        },
      };
    };
    const native = async (name: string, u: string, git: typeof g): Promise<Side> => {
      const dir = join(await mkdtemp(join(tmpdir(), 'bench-native-')), 'repo');
      const t = performance.now();
      await git(tmpdir(), 'clone', '-q', '--single-branch', '-b', 'main', u, dir);
      firstSync.push(`${name} ${(performance.now() - t).toFixed(0)} ms (full clone with checkout)`);
      return {
        name,
        times: [],
        write: async (round, b) => {
          await git(dir, 'fetch', '-q', 'origin', 'main');
          await git(dir, 'reset', '-q', '--hard', 'origin/main');
          const path = join(dir, 'apps', `app-${b}`, 'deployment.yaml');
          fs.writeFileSync(path, setReplicas(fs.readFileSync(path, 'utf8'), target(b), round + 2, path));
          await git(dir, 'commit', '-q', '-am', `scale default/app-${b} 1→${round + 2}`);
          await git(dir, 'push', '-q', 'origin', 'main');
        },
      };
    };
    const sides = [
      await workspace('gitscale over HTTP', url, {}),
      await native('native git over HTTP', url, g),
      await workspace('gitscale over SSH', sshUrl, { ssh }),
      await native('native git over SSH', sshUrl, gs),
    ];
    for (let round = 0; round < ROUNDS; round++) {
      for (const [k, side] of sides.entries()) {
        const t = performance.now();
        await side.write(round, (round * sides.length + k) % FILES);
        side.times.push(performance.now() - t);
      }
    }
    const count = Number((await g(bare, 'rev-list', '--count', 'main')).stdout.trim());
    if (count !== 1 + sides.length * ROUNDS) throw new Error(`expected ${1 + sides.length * ROUNDS} commits on the server, found ${count}`);
    const m = sides.map((x) => median(x.times));
    console.log(`repo: ${FILES} manifest files, ${ROUNDS} alternated rounds, served by git http-backend and OpenSSH sshd on 127.0.0.1`);
    console.log(`first sync (clone): ${firstSync.join(' | ')}`);
    console.log('decision → pushed commit, median (native: fetch+reset+edit+commit+push):');
    for (const [k, side] of sides.entries())
      console.log(`  ${side.name.padEnd(22)} ${m[k].toFixed(1)} ms   rounds: ${side.times.map((x) => x.toFixed(0)).join(' ')}`);
    console.log(
      `ratio gitscale / native git, over HTTP: ${(m[0] / m[1]).toFixed(2)}  over SSH: ${(m[2] / m[3]).toFixed(2)}  (below 1 means gitscale's write is cheaper)`,
    );
    console.log(`gitscale over SSH / over HTTP: ${(m[2] / m[0]).toFixed(2)}`);
  } finally {
    await sshd.stop();
    await server.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
