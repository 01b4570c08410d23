// Which cluster the command talks to: --kubeconfig / --context, KUBECONFIG (a list, merged as
// kubectl does), in-cluster, or none (Git only).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../../src/cli/args.js';
import { loadKubeConfig } from '../../src/cli/kube.js';
import { tempDir } from '../support/temp.js';

const config = (cluster: string, server: string, context = cluster, current = context) => `apiVersion: v1
kind: Config
clusters: [{ name: ${cluster}, cluster: { server: "${server}" } }]
users: [{ name: u-${cluster}, user: { token: secret-${cluster} } }]
contexts: [{ name: ${context}, context: { cluster: ${cluster}, user: u-${cluster} } }]
current-context: "${current}"
`;

async function files(docs: Record<string, string>): Promise<Record<string, string>> {
  const dir = await tempDir('kubeconfig');
  return Object.fromEntries(
    Object.entries(docs).map(([name, text]) => {
      writeFileSync(join(dir, name), text);
      return [name, join(dir, name)];
    }),
  );
}

const args = (...extra: string[]) => parseArgs(['plan', '-c', 'x.yaml', ...extra]);
const usage = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('no usage error');
};

describe('loadKubeConfig', () => {
  it('no kubeconfig, no KUBECONFIG, not in a cluster: none (Git only)', () => {
    expect(loadKubeConfig(args(), {})).toBeNull();
    expect(usage(() => loadKubeConfig(args('--context', 'x'), {}))).toMatch(/--context needs a kubeconfig/);
  });

  it('--kubeconfig and --context pick the cluster; an unknown context or a missing file is a usage error', async () => {
    const f = await files({ a: config('one', 'https://one.example:6443', 'ctx-one') });
    expect(loadKubeConfig(args('--kubeconfig', f.a), {})!.kc.getCurrentCluster()?.server).toBe('https://one.example:6443');
    expect(usage(() => loadKubeConfig(args('--kubeconfig', f.a, '--context', 'nope'), {}))).toMatch(
      /--context nope: no such context .*\(contexts: ctx-one\)/,
    );
    expect(usage(() => loadKubeConfig(args('--kubeconfig', '/no/such/file'), {}))).toMatch(/--kubeconfig \/no\/such\/file: no such file/);
  });

  it('a KUBECONFIG list: missing files skipped, the first definition of a name wins, the first current-context is used', async () => {
    const f = await files({
      a: config('one', 'https://first.example', 'shared', ''),
      b: config('one', 'https://second.example', 'shared', 'shared'),
    });
    const r = loadKubeConfig(args(), { KUBECONFIG: ['/no/such/file', f.a, f.b].join(':') })!;
    expect(r.kc.getCurrentContext()).toBe('shared');
    expect(r.kc.getCurrentCluster()?.server).toBe('https://first.example');
    expect(r.source).toContain('(context shared)');
    expect(r.source).not.toContain('secret-one');
  });
});
