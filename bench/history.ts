// Benchmark: `gitscale history` on a repository with 10,000 commits (one gitscale decision every
// 10, a merged gitscale pull request every 250), built with `git fast-import` and served by
// `git http-backend`. --since covers all of it. Prints medians and ratios against native git in the
// same run: `git log --first-parent --since --format=%H%n%B` on the server's repository (no
// transport), and native git doing the same remote job (`clone --bare --shallow-since` + log).
// With --filter the server allows filters (uploadpack.allowFilter, as GitHub and Gitea do): gitscale
// then asks for commits only. Run: npx tsx bench/history.ts [--commits 10000 --every 10 --rounds 5 --filter]
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runHistory, type HistoryDeps } from '../src/cli/history.js';
import { CLUSTER_DEFAULTS } from '../src/config/cluster.js';
import type { Config, RepositoryConfig } from '../src/config/types.js';
import { renderMessage } from '../src/git/message.js';
import { createLogger } from '../src/log.js';
import { startGitHttp } from '../test/support/servers/git-http.js';
import { arg, run } from './args.js';

const COMMITS = arg('commits', 10_000);
const EVERY = arg('every', 10);
const ROUNDS = arg('rounds', 5);
const PR_EVERY = 250;
const FILTER = process.argv.includes('--filter');
const APPS = 20;
const g = (cwd: string, ...args: string[]) => run('git', args, { cwd, maxBuffer: 1 << 28 });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const manifest = (k: number, n: number) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-${k}\n  namespace: default\nspec:\n  replicas: ${n}\n`;

/** The fast-import stream: `COMMITS` commits on main, one a minute, ending a minute before `end`. */
function stream(end: number): { text: string; decisions: number } {
  const out: string[] = [];
  const replicas = Array.from({ length: APPS }, () => 1);
  const data = (s: string) => `data ${Buffer.byteLength(s)}\n${s}\n`;
  const who = (name: string, email: string, t: number) => `committer ${name} <${email}> ${t} +0000\n`;
  let decisions = 0;
  let mark = 0;
  const gitscaleCommit = (k: number, route: boolean): { message: string; file: string; text: string } => {
    const from = replicas[k];
    const to = from >= 8 ? 1 : from + 1;
    replicas[k] = to;
    decisions++;
    const message = renderMessage([
      {
        object: `default/app-${k}`,
        file: `apps/app-${k}/deployment.yaml`,
        field: 'spec.replicas',
        from,
        to,
        summary: `redis: ${to * 5} items / 5`,
        reason: `ceil(${to * 5} / 5) = ${to} → ${to}`,
        trailers: [
          ['Gitscale-Trigger', `redis value=${to * 5} target=5 active=true`],
          ...(route ? [['Gitscale-Route', 'pull-request'] as [string, string]] : []),
        ],
      },
    ]);
    return { message, file: `apps/app-${k}/deployment.yaml`, text: manifest(k, to) };
  };
  for (let i = 0; i < COMMITS; i++) {
    const t = Math.floor(end / 1000) - (COMMITS - i) * 60;
    if (i === 0) {
      out.push(`commit refs/heads/main\nmark :${++mark}\n${who('Human', 'human@example.com', t)}${data('initial')}`);
      for (let k = 0; k < APPS; k++) out.push(`M 100644 inline apps/app-${k}/deployment.yaml\n${data(manifest(k, 1))}`);
      for (let j = 0; j < 100; j++) out.push(`M 100644 inline docs/notes-${j}.md\n${data(`# notes ${j}\n`)}`);
      continue;
    }
    const k = Math.floor(i / EVERY) % APPS;
    if (i % PR_EVERY === 0) {
      // A gitscale pull request: its branch commit one second earlier, then the merge on main.
      const c = gitscaleCommit(k, true);
      const base = mark;
      out.push(
        `commit refs/heads/gitscale/default/app-${k}\nmark :${++mark}\n${who('gitscale', 'gitscale@localhost', t - 1)}${data(c.message)}from :${base}\nM 100644 inline ${c.file}\n${data(c.text)}`,
      );
      const side = mark;
      out.push(
        `commit refs/heads/main\nmark :${++mark}\n${who('Human', 'human@example.com', t)}${data(`Merge pull request 'x' (#${i}) from gitscale/default/app-${k} into main`)}from :${base}\nmerge :${side}\nM 100644 inline ${c.file}\n${data(c.text)}`,
      );
    } else if (i % EVERY === 0) {
      const c = gitscaleCommit(k, false);
      out.push(
        `commit refs/heads/main\nmark :${++mark}\n${who('gitscale', 'gitscale@localhost', t)}${data(c.message)}M 100644 inline ${c.file}\n${data(c.text)}`,
      );
    } else {
      out.push(
        `commit refs/heads/main\nmark :${++mark}\n${who('Human', 'human@example.com', t)}${data(`docs: note ${i}`)}M 100644 inline docs/notes-${i % 100}.md\n${data(`# notes ${i % 100}\n\nedit ${i}\n`)}`,
      );
    }
  }
  return { text: out.join(''), decisions };
}

async function fastImport(bare: string, text: string): Promise<void> {
  await g(tmpdir(), 'init', '-q', '--bare', '-b', 'main', bare);
  await new Promise<void>((resolve, reject) => {
    const child = spawn('git', ['fast-import', '--quiet'], { cwd: bare, stdio: ['pipe', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`git fast-import exited ${code}`))));
    child.stdin.end(text);
  });
  await g(bare, 'repack', '-adq');
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function main(): Promise<void> {
  const server = await startGitHttp();
  const scratch = await mkdtemp(join(tmpdir(), 'bench-history-'));
  try {
    const now = Date.now();
    const built = performance.now();
    const { text, decisions } = stream(now);
    const bare = join(server.env.GIT_ROOT, 'history.git');
    await fastImport(bare, text);
    if (FILTER) await g(bare, 'config', 'uploadpack.allowFilter', 'true');
    const url = `${server.env.GIT_HTTP_URL}/history.git`;
    const count = Number((await g(bare, 'rev-list', '--first-parent', '--count', 'main')).stdout.trim());
    const built_ms = performance.now() - built;
    // A working clone for the local-directory case (read in place, from one pack).
    const local = join(scratch, 'local');
    await g(tmpdir(), 'clone', '-q', '--no-checkout', bare, local);

    const sinceMs = (COMMITS + 60) * 60_000;
    const sinceArg = `--since=${Math.floor((now - sinceMs) / 1000)}`;
    const repo = (over: Partial<RepositoryConfig>): RepositoryConfig => ({
      name: 'bench',
      url,
      kind: 'remote',
      branch: 'main',
      review: {},
      author: { name: 'gitscale', email: 'gitscale@localhost' },
      ...over,
    });
    const config = (r: RepositoryConfig): Config => ({
      file: join(scratch, 'gitscale.yaml'),
      repositories: [r],
      objects: [],
      triggerAuthentications: [],
      cluster: CLUSTER_DEFAULTS,
    });
    let printed = '';
    const deps: HistoryDeps = {
      fs,
      now: () => now,
      env: {},
      fetch: globalThis.fetch,
      stdout: (s) => void (printed = s),
      stderr: (s) => console.error(s),
      log: createLogger({ format: 'text', level: 'warn', write: (l) => console.error(l), now: Date.now }),
    };
    const history = async (r: RepositoryConfig) => {
      const code = await runHistory(config(r), { sinceMs, output: 'json' }, deps);
      const got = JSON.parse(printed).decisions.length;
      if (code !== 0 || got !== decisions) throw new Error(`gitscale history: exit ${code}, ${got} decisions, want ${decisions}`);
    };
    const nativeLog = async () => {
      const { stdout } = await g(bare, 'log', '--first-parent', sinceArg, '--format=%H%n%B', 'main');
      if (!stdout.includes('Gitscale-Object')) throw new Error('native git log found no decisions');
    };
    const nativeRemote = async () => {
      const dir = join(scratch, `native-${Math.random().toString(36).slice(2)}`);
      await g(
        tmpdir(),
        'clone',
        '-q',
        '--bare',
        '--single-branch',
        '-b',
        'main',
        `--shallow-since=${Math.floor((now - sinceMs) / 1000)}`,
        url,
        dir,
      );
      await g(dir, 'log', '--first-parent', sinceArg, '--format=%H%n%B', 'main');
      await rm(dir, { recursive: true, force: true });
    };
    const rows = { remote: [] as number[], nativeRemote: [] as number[], local: [] as number[], nativeLog: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      rows.remote.push(await time(() => history(repo({}))));
      rows.nativeRemote.push(await time(nativeRemote));
      rows.local.push(await time(() => history(repo({ url: local, kind: 'local' }))));
      rows.nativeLog.push(await time(nativeLog));
    }
    const m = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, median(v)])) as Record<keyof typeof rows, number>;
    const f = (ms: number) => `${ms.toFixed(0)} ms`;
    console.log(
      `repo: ${count} first-parent commits (${Math.floor((COMMITS - 1) / PR_EVERY)} of them merges of gitscale pull-request branches), ${decisions} gitscale decisions, built in ${f(built_ms)}; --since covers all; ${ROUNDS} rounds, medians`,
    );
    console.log(
      `remote (git http-backend on 127.0.0.1${FILTER ? ', filters allowed' : ''}): gitscale history ${f(m.remote)} (shallow fetch into memory${FILTER ? ' with filter tree:0' : ''} + walk) | native git clone --shallow-since + log ${f(m.nativeRemote)} | ratio ${(m.remote / m.nativeRemote).toFixed(2)}`,
    );
    console.log(
      `local directory: gitscale history ${f(m.local)} (read in place) | native git log --first-parent --since on the served repo ${f(m.nativeLog)} | ratio ${(m.local / m.nativeLog).toFixed(2)}`,
    );
    console.log(`remote gitscale vs native git log (no transport): ratio ${(m.remote / m.nativeLog).toFixed(2)}`);
    for (const [k, v] of Object.entries(rows)) console.log(`${k} rounds (ms): ${v.map((x) => x.toFixed(0)).join(' ')}`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
    await server.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
