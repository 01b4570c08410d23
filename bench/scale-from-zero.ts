// Benchmark: a queue consumer at 0 receives its first message. How long until the scale
// subresource on a real kube-apiserver shows the new replicas? gitscale `run` (in-process, JSON
// logs), pollingInterval 1 s, a Redis list per round (one object per round, so each is a true
// scale from zero), git http-backend for the manifest repository. Two set-ups: no Argo CD / Flux
// object for the repository (patch right after the push), and an Argo CD Application answered by
// the test stand-in (push → nudge → wait for status.sync.revision → patch).
// Prints the median of N rounds and its parts. Run: npm run bench:scale-from-zero [-- --rounds 10]
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { writeFileSync } from 'node:fs';
import { main } from '../src/cli/main.js';
import { startGitHttp } from '../test/support/servers/git-http.js';
import { startKube } from '../test/support/servers/kube.js';
import { startRedis } from '../test/support/servers/redis.js';
import { makeServedRepo } from '../test/support/git.js';
import { argoStandIn, type StandIn } from '../test/support/gitops.js';
import { APP, admin, createCustom, createDeployment, newNamespace, specReplicas } from '../test/support/kube.js';
import { arg } from './args.js';

const ROUNDS = arg('rounds', 10);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Parts {
  decide: number;
  push: number;
  nudge: number;
  wait: number;
  patch: number;
  seen: number;
  total: number;
}

async function scenario(servers: Record<string, string>, withArgo: boolean): Promise<Parts[]> {
  const a = admin(servers);
  const ns = await newNamespace(a, withArgo ? 'bench-argo' : 'bench-plain');
  const names = Array.from({ length: ROUNDS }, (_, i) => `w${i}`);
  const files = Object.fromEntries(
    names.map((n) => [
      `apps/${n}.yaml`,
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${n}\n  namespace: ${ns}\nspec:\n  replicas: 0\n`,
    ]),
  );
  const { bare, url } = await makeServedRepo(servers, files);
  for (const n of names) await createDeployment(a, ns, n, 0);
  let argo: StandIn | undefined;
  if (withArgo) {
    await createCustom(a, APP, ns, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'apps' },
      spec: { source: { repoURL: url, path: 'apps' } },
    });
    argo = argoStandIn(a, ns, 'apps', bare);
  }
  const redis = new Redis(servers.REDIS_ADDRESS);
  const lists = names.map((n) => `${ns}-${n}`);
  const dir = await mkdtemp(join(tmpdir(), 'bench-sfz-'));
  const config = join(dir, 'gitscale.yaml');
  writeFileSync(
    config,
    stringify({
      repositories: [{ name: 'manifests', url }],
      cluster: { leaderElection: { enabled: false } },
      scaledObjects: names.map((n, i) => ({
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: {
          name: n,
          namespace: ns,
          annotations: { 'gitscale.dev/repository': 'manifests', 'gitscale.dev/path': `apps/${n}.yaml` },
        },
        spec: {
          scaleTargetRef: { name: n },
          pollingInterval: 1,
          triggers: [{ type: 'redis', metadata: { address: servers.REDIS_ADDRESS, listName: lists[i], listLength: '5' } }],
        },
      })),
    }),
  );
  const lines: Record<string, any>[] = [];
  let stop!: () => void;
  const stopped = new Promise<void>((r) => (stop = r));
  const running = main(
    [
      'run',
      '-c',
      config,
      '--log-format',
      'json',
      '--data-dir',
      join(dir, 'data'),
      '--kubeconfig',
      servers.KUBECONFIG_PATH,
      '--listen',
      'off',
    ],
    {
      stdout: () => {},
      stderr: (s) => {
        for (const l of s.split('\n')) if (l.startsWith('{')) lines.push(JSON.parse(l));
      },
      env: {},
      waitForStop: () => stopped,
    },
  );
  const at = (pred: (l: Record<string, any>) => boolean) => lines.find(pred);
  const parts: Parts[] = [];
  try {
    await sleep(3000); // warm: first sync, every object evaluated once
    for (const [i, n] of names.entries()) {
      const key = `${ns}/${n}`;
      const t0 = Date.now();
      const p0 = performance.now();
      await redis.rpush(lists[i], 'first message');
      let seen = 0;
      while (!seen) {
        if ((await specReplicas(a, ns, n)) > 0) seen = Date.now();
        else if (performance.now() - p0 > 20_000) throw new Error(`${key}: not scaled after 20 s`);
        else await sleep(5);
      }
      await sleep(50);
      const time = (l: Record<string, any> | undefined) => (l ? Date.parse(l.time) : NaN);
      const decided = time(at((l) => l.msg === 'decision' && l.object === key && l.desired > 0));
      const pushed = time(at((l) => l.msg === 'commit' && String(l.subject).includes(key)));
      const p = at((l) => l.msg === 'scale patched' && l.object === key)!;
      const patched = time(p);
      parts.push({
        decide: decided - t0,
        push: pushed - decided,
        nudge: p.nudgeMs,
        wait: p.waitMs,
        patch: p.patchMs,
        seen: Math.max(0, seen - patched),
        total: seen - t0,
      });
    }
  } finally {
    stop();
    await running;
    await argo?.stop();
    await redis.quit();
  }
  return parts;
}

function report(label: string, ps: Parts[]): void {
  const m = (k: keyof Parts) => median(ps.map((p) => p[k]));
  console.log(`\n${label} (${ps.length} rounds, medians in ms)`);
  console.log(`  first message → scaled on the API server: ${m('total')}`);
  console.log(`    poll wait + sample + decide: ${m('decide')}   (pollingInterval 1 s: KEDA's operator waits up to the same)`);
  console.log(`    push (commit landed):        ${m('push')}`);
  console.log(`    find + nudge Argo CD / Flux: ${m('nudge')}`);
  console.log(`    wait for their revision:     ${m('wait')}`);
  console.log(`    patch (+ Event):             ${m('patch')}`);
  console.log(`    seen by a client polling:    ${m('seen')}   (log timestamps are ms; polling every 5 ms)`);
  console.log(`  beyond the poll (decision → scaled): ${median(ps.map((p) => p.total - p.decide))}   goal < 1000`);
  console.log(`  totals: ${ps.map((p) => p.total).join(' ')}`);
}

async function run(): Promise<void> {
  const started = await Promise.all([startKube(), startGitHttp(), startRedis()]);
  const servers = Object.assign({}, ...started.map((s) => s.env)) as Record<string, string>;
  try {
    report('no Argo CD / Flux object: commit, push, patch', await scenario(servers, false));
    report('Argo CD Application (stand-in): commit, push, nudge, wait for the revision, patch', await scenario(servers, true));
    console.log('\n(Argo CD alone, without the nudge and the patch, would apply the commit at its next poll: up to 180 s.)');
  } finally {
    await Promise.all(started.map((s) => s.stop()));
  }
}

run().catch((e) => {
  console.error(e);
  process.exit(1);
});
