// The README's "Install in a cluster", followed step by step on a private real API server: its
// overlay files written as shown (only the base path, the repository URL and the Redis address
// changed for this machine), its commands run with a real kubectl built from the Go module proxy,
// then gitscale started the way the kubelet would start the Deployment that was applied — the
// Deployment's own arguments, its environment (the Secret, the downward API), the ConfigMap as the
// mounted file, the ServiceAccount's token — and the ScaledObject from the README scales the
// workload in Git; `kubectl get gso` shows it.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import type * as k8s from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startRun } from '../support/bin.js';
import { makeServedRepo, show } from '../support/git.js';
import { deploymentYaml } from '../support/kube.js';
import { startKube } from '../support/servers/kube.js';
import type { Started } from '../support/servers/types.js';
import { tempDir } from '../support/temp.js';

const run = promisify(execFile);
const servers = inject('servers');
const ROOT = join(import.meta.dirname, '../..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The README's section, and its fenced blocks in order. */
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const SECTION = README.slice(
  README.indexOf('## Install in a cluster'),
  README.indexOf('\n## ', README.indexOf('## Install in a cluster') + 5),
);
const BLOCKS = [...SECTION.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], body: m[2] }));
const block = (first: string) => {
  const b = BLOCKS.find((x) => x.body.startsWith(first));
  if (!b) throw new Error(`the README's install section has no block starting with ${first}`);
  return b.body;
};
/** Replaces `from` (which must be there: the README changed otherwise) with `to`. */
const swap = (text: string, from: string, to: string) => {
  expect(text).toContain(from);
  return text.replaceAll(from, to);
};

let kube: Started;
let kubectl = '';
let redis: Redis;
beforeAll(async () => {
  redis = new Redis(servers.REDIS_ADDRESS);
  const { stdout } = await run('bash', [join(ROOT, 'scripts/servers/build-kubectl.sh')], { timeout: 30 * 60_000, maxBuffer: 1 << 24 });
  kubectl = stdout.trim().split('\n').pop()!;
  kube = await startKube({ flux: false });
}, 35 * 60_000);
afterAll(async () => {
  await redis.quit();
  await kube?.stop();
});

describe("the README's install section", () => {
  it('followed step by step: kubectl applies it, gitscale runs as the Deployment says, the ScaledObject scales the workload in Git', async () => {
    const dir = await tempDir('readme');
    const env = { ...process.env, KUBECONFIG: kube.env.KUBECONFIG_PATH, PATH: `${join(kubectl, '..')}:${process.env.PATH}` };
    const sh = async (script: string) => {
      try {
        return (await run('bash', ['-euo', 'pipefail', '-c', script], { cwd: dir, env, maxBuffer: 1 << 24 })).stdout;
      } catch (e) {
        throw new Error(`${script}\n→ ${(e as Error & { stderr?: string }).stderr ?? (e as Error).message}`);
      }
    };
    const kubectlJson = async (args: string): Promise<any> => JSON.parse(await sh(`kubectl ${args} -o json`));

    // The manifest repository the config names, with the workload's file; Argo CD would apply it: so does the test.
    const { bare, url } = await makeServedRepo(servers, { 'shop/consumer.yaml': deploymentYaml('consumer', 0) }, { private: true });
    const list = `jobs-${Math.random().toString(36).slice(2)}`;
    await redis.rpush(list, ...Array.from({ length: 10 }, (_, i) => `j${i}`));
    await sh(`kubectl create namespace shop && kubectl -n shop apply -f - <<'EOF'\n${await show(bare, 'main', 'shop/consumer.yaml')}\nEOF`);

    // 1. The overlay, as the README shows it.
    const overlay = join(dir, 'my-gitscale');
    mkdirSync(overlay);
    writeFileSync(
      join(overlay, 'kustomization.yaml'),
      swap(block('# my-gitscale/kustomization.yaml'), '../gitscale/config/default', relative(overlay, join(ROOT, 'config/default'))),
    );
    writeFileSync(
      join(overlay, 'gitscale.yaml'),
      swap(block('# my-gitscale/gitscale.yaml'), 'https://git.example.com/platform/apps.git', url),
    );

    // 2. Its commands, as written (the token placeholder filled in).
    const install = BLOCKS.find((b) => b.lang === 'sh' && b.body.includes('kubectl apply -k my-gitscale'))!.body;
    await sh(swap(install, '<a token that may push>', `'${servers.GIT_TOKEN}'`));
    const dep = (await kubectlJson('-n gitscale get deployment gitscale')) as k8s.V1Deployment;
    const c = dep.spec!.template.spec!.containers[0];
    expect(c.image).toBe('registry.example.com/gitscale:0.1.0');
    const cm = (await kubectlJson('-n gitscale get configmap gitscale-config')) as k8s.V1ConfigMap;
    expect(cm.data!['gitscale.yaml']).toContain(url);

    // 3. The pod, as the kubelet would start it: the image's entrypoint (`gitscale run --data-dir /data`)
    //    with the Deployment's args, the ConfigMap mounted at its path, the env resolved, the ServiceAccount's token.
    const mounts = Object.fromEntries(c.volumeMounts!.map((m) => [m.mountPath, join(dir, 'pod', m.name)]));
    for (const d of Object.values(mounts)) mkdirSync(d, { recursive: true });
    for (const [k, v] of Object.entries(cm.data!)) writeFileSync(join(mounts['/etc/gitscale'], k), v);
    const podEnv: Record<string, string> = {};
    for (const e of c.env ?? []) {
      if (e.value !== undefined) podEnv[e.name] = e.value;
      else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') podEnv[e.name] = 'gitscale-5d8f7c9b4-x2x7q';
      else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') podEnv[e.name] = 'gitscale';
      else if (e.valueFrom?.secretKeyRef) {
        const s = (await kubectlJson(`-n gitscale get secret ${e.valueFrom.secretKeyRef.name}`)) as k8s.V1Secret;
        podEnv[e.name] = Buffer.from(s.data![e.valueFrom.secretKeyRef.key], 'base64').toString();
      } else throw new Error(`env ${e.name}: a source this test does not resolve: ${JSON.stringify(e.valueFrom)}`);
    }
    expect(podEnv.GIT_TOKEN).toBe(servers.GIT_TOKEN);
    // V8's heap sized to the container's memory limit; the pod below starts with it.
    expect(podEnv.NODE_OPTIONS).toBe('--max-old-space-size-percentage=75');
    const token = (await sh(`kubectl -n gitscale create token ${dep.spec!.template.spec!.serviceAccountName}`)).trim();
    const saConfig = join(dir, 'sa.kubeconfig');
    writeFileSync(saConfig, readFileSync(kube.env.KUBECONFIG_PATH, 'utf8').replace(kube.env.KUBE_TOKEN, token), { mode: 0o600 });
    const mapPath = (a: string) => {
      const m = Object.keys(mounts).find((from) => a.startsWith(from + '/'));
      return m ? mounts[m] + a.slice(m.length) : a;
    };
    // The one change: a port of the system's choosing instead of 8080 (tests run side by side).
    const args = c.args!.map(mapPath).map((a) => (a === '0.0.0.0:8080' ? '127.0.0.1:0' : a));
    expect(args).toContain('127.0.0.1:0');
    const pod = startRun(['--data-dir', mounts['/data'], ...args], { ...podEnv, KUBECONFIG: saConfig, TMPDIR: mounts['/tmp'] });
    try {
      await pod.waitFor((l) => l.msg === 'lease acquired: this replica writes', 20_000);
      await pod.waitFor((l) => l.msg === 'watching ScaledObjects');

      // 4. The ScaledObject, as the README declares it.
      const declare = BLOCKS.find((b) => b.lang === 'sh' && b.body.includes('kind: ScaledObject'))!.body;
      const [apply, get] = [
        declare.slice(0, declare.lastIndexOf('kubectl get gso')),
        declare.slice(declare.lastIndexOf('kubectl get gso')),
      ];
      await sh(swap(swap(apply, 'redis.shop:6379', servers.REDIS_ADDRESS), 'listName: jobs', `listName: ${list}`));
      await pod.waitFor((l) => l.msg === 'commit' && String(l.subject).includes('shop/consumer 0→2'), 30_000);
      expect(await show(bare, 'main', 'shop/consumer.yaml')).toContain('replicas: 2');
      // At zero live: the scale patch follows the commit (no Argo CD here to wait for).
      await pod.waitFor((l) => l.msg === 'scale patched', 20_000);
      expect(((await kubectlJson('-n shop get deployment consumer')) as k8s.V1Deployment).spec!.replicas).toBe(2);

      // 5. What `kubectl get gso -n shop` prints.
      let table = '';
      for (let i = 0; i < 50 && !/consumer\s+consumer\s+0\s+10\s+2\s+2\s+True\s+True/.test(table); i++, await sleep(100))
        table = await sh(get.trim());
      const [header, row] = table
        .trim()
        .split('\n')
        .map((l) => l.trim().split(/\s+/));
      expect(header).toEqual(['NAME', 'TARGET', 'MIN', 'MAX', 'GIT', 'DESIRED', 'READY', 'ACTIVE', 'PR', 'AGE']);
      expect(row.slice(0, 8)).toEqual(['consumer', 'consumer', '0', '10', '2', '2', 'True', 'True']);
      expect(pod.stderr()).not.toContain(servers.GIT_TOKEN);
      expect(pod.stderr()).not.toContain(token);
    } finally {
      const exited = await pod.stop();
      expect(exited.code, pod.stderr().slice(-3000)).toBe(0);
    }
  });
});
