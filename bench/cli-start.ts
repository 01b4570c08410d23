// Benchmark: how long the built CLI takes to start and answer, against `node -e 0` (the floor) in
// the same script: `gitscale --help`, `gitscale version`, and `gitscale validate` on a one-object
// config over a local repository (which loads config, scaler registry and git). Prints the median
// of N runs of each and the ratio to the floor. Run: npm run build && npm run bench:cli-start [-- --rounds 15]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { arg } from './args.js';

const ROUNDS = arg('rounds', 15);
const CLI = join(import.meta.dirname, '../dist/cli.js');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function time(args: string[]): number {
  const xs: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { stdio: 'ignore' });
    xs.push(performance.now() - t0);
    if (r.status !== 0 && r.status !== 2) throw new Error(`${args.join(' ')} exited ${r.status}`);
  }
  return median(xs);
}

const dir = mkdtempSync(join(tmpdir(), 'gitscale-bench-start-'));
execFileSync('git', ['init', '-q', '-b', 'main', dir]);
writeFileSync(join(dir, 'a.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n  replicas: 1\n');
execFileSync('git', ['-C', dir, 'add', '-A']);
execFileSync('git', ['-C', dir, '-c', 'user.name=b', '-c', 'user.email=b@b', 'commit', '-qm', 'a']);
const config = join(dir, 'gitscale.yaml');
writeFileSync(
  config,
  `repositories: [{ name: m, url: ${dir} }]
scaledObjects:
  - apiVersion: keda.sh/v1alpha1
    kind: ScaledObject
    metadata: { name: a, annotations: { gitscale.dev/repository: m, gitscale.dev/path: a.yaml } }
    spec: { scaleTargetRef: { name: a }, triggers: [{ type: redis, metadata: { address: "127.0.0.1:6379", listName: q } }] }
`,
);

const floor = time(['-e', '0']);
console.log(`node -e 0 (the floor)            ${floor.toFixed(0).padStart(5)} ms`);
for (const [what, args] of [
  ['gitscale --help', [CLI, '--help']],
  ['gitscale version', [CLI, 'version']],
  ['gitscale validate (1 object)', [CLI, 'validate', '-c', config, '--data-dir', join(dir, '.data')]],
] as const) {
  const t = time([...args]);
  console.log(`${what.padEnd(32)} ${t.toFixed(0).padStart(5)} ms   ${(t / floor).toFixed(1)}× the floor, +${(t - floor).toFixed(0)} ms`);
}
