// Flux's real source-controller and kustomize-controller (v1.7.3, built once from the Go module
// proxy by scripts/servers/build-flux.sh), run out of cluster against the test kube-apiserver.
// They watch only objects labelled `gitscale.test/flux: real`, so the tests that play Argo CD or
// Flux with a stand-in keep their objects to themselves. Their real CRDs are installed by the kube
// start-up (before any test); the controllers start after it.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { freePort } from './spawn.js';

const run = promisify(execFile);
const SCRIPT = join(import.meta.dirname, '../../../scripts/servers/build-flux.sh');

/** Label the real controllers watch (`--watch-label-selector`, Flux's sharding flag). */
export const FLUX_LABEL = { 'gitscale.test/flux': 'real' };

export async function buildFlux(): Promise<string> {
  const { stdout } = await run('bash', [SCRIPT], { maxBuffer: 1 << 24, timeout: 30 * 60_000 }).catch((e: Error & { stderr?: string }) => {
    throw new Error(`building Flux's controllers failed (scripts/servers/build-flux.sh): ${e.stderr?.slice(-2000) ?? e.message}`);
  });
  return stdout.trim().split('\n').pop()!;
}

/** The controllers' own CRDs, as JSON objects ready to POST. */
export function fluxCrds(binDir: string): Record<string, unknown>[] {
  const dir = join(binDir, 'crds');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) =>
      parseAllDocuments(readFileSync(join(dir, f), 'utf8'))
        .map((d) => d.toJS() as Record<string, unknown>)
        .filter((d) => d && d.kind === 'CustomResourceDefinition'),
    );
}

export interface FluxProcess {
  bin: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  health: string;
}

/** The two controllers' command lines (the caller launches and waits for `health`/readyz). */
export async function fluxCommands(binDir: string, kubeconfig: string, dir: string): Promise<FluxProcess[]> {
  const [scMetrics, scHealth, scStorage, kcMetrics, kcHealth] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const common = [
    '--enable-leader-election=false',
    '--watch-all-namespaces=true',
    `--watch-label-selector=gitscale.test/flux=real`,
    '--log-level=info',
    '--log-encoding=json',
  ];
  // Each controller purges its own TMPDIR at start: give each one of its own.
  const env = (name: string) => {
    const tmp = join(dir, 'flux', name);
    mkdirSync(tmp, { recursive: true });
    return { ...process.env, KUBECONFIG: kubeconfig, TMPDIR: tmp, RUNTIME_NAMESPACE: 'flux-system' };
  };
  mkdirSync(join(dir, 'flux', 'storage'), { recursive: true });
  return [
    {
      bin: join(binDir, 'source-controller'),
      env: env('source'),
      health: `http://127.0.0.1:${scHealth}/readyz`,
      args: [
        ...common,
        `--metrics-addr=127.0.0.1:${scMetrics}`,
        `--health-addr=127.0.0.1:${scHealth}`,
        `--storage-path=${join(dir, 'flux', 'storage')}`,
        `--storage-addr=127.0.0.1:${scStorage}`,
        `--storage-adv-addr=127.0.0.1:${scStorage}`,
      ],
    },
    {
      bin: join(binDir, 'kustomize-controller'),
      env: env('kustomize'),
      health: `http://127.0.0.1:${kcHealth}/readyz`,
      args: [...common, `--metrics-addr=127.0.0.1:${kcMetrics}`, `--health-addr=127.0.0.1:${kcHealth}`],
    },
  ];
}
