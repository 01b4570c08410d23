// charts/gitscale with the real helm v3 (built from the Go module proxy): lint is clean, the
// render is accepted by the real API server (server-side dry run), its CRDs are config/crd's and
// its ClusterRole is config/rbac's (what the least-privilege test proves), values reach the config.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type * as k8s from '@kubernetes/client-node';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/reconciler/sources/load.js';
import { admin, createOrReplace, type Admin } from '../support/kube.js';
import { tempDir } from '../support/temp.js';

const run = promisify(execFile);
const servers = inject('servers');
const ROOT = join(import.meta.dirname, '../..');
const CHART = join(ROOT, 'charts/gitscale');
let helm = '';
let a: Admin;

const values = {
  replicaCount: 2,
  cluster: { shards: 2 },
  git: { token: 'not-a-real-token' },
  metrics: { serviceMonitor: { enabled: false } },
  config: {
    repositories: [{ name: 'apps', url: 'https://git.example.com/platform/apps.git', auth: { tokenFromEnv: 'GIT_TOKEN' } }],
    scaledObjects: [
      {
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: {
          name: 'consumer',
          namespace: 'shop',
          annotations: { 'gitscale.dev/repository': 'apps', 'gitscale.dev/path': 'shop/consumer.yaml' },
        },
        spec: {
          scaleTargetRef: { name: 'consumer' },
          triggers: [{ type: 'redis', metadata: { address: 'redis:6379', listName: 'jobs', listLength: '5' } }],
        },
      },
    ],
  },
};

async function render(extra: string[] = []): Promise<k8s.KubernetesObject[]> {
  const file = join(await tempDir('helm'), 'values.yaml');
  fs.writeFileSync(file, stringify(values));
  const { stdout } = await run(
    helm,
    ['template', 'gitscale', CHART, '--namespace', 'gitscale-helm', '--include-crds', '-f', file, ...extra],
    { maxBuffer: 1 << 24 },
  );
  return parseAllDocuments(stdout)
    .map((d) => d.toJS() as k8s.KubernetesObject)
    .filter(Boolean);
}

beforeAll(async () => {
  a = admin(servers);
  const { stdout } = await run('bash', [join(ROOT, 'scripts/servers/build-helm.sh')], { timeout: 30 * 60_000 });
  helm = stdout.trim().split('\n').pop()!;
}, 30 * 60_000);

describe('charts/gitscale (Helm)', () => {
  it('helm lint is clean with a config; without a repository the chart refuses to render', async () => {
    const file = join(await tempDir('helm-lint'), 'values.yaml');
    fs.writeFileSync(file, stringify(values));
    const { stdout } = await run(helm, ['lint', CHART, '--strict', '-f', file]);
    expect(stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    expect(stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
    const bare = await run(helm, ['template', 'gitscale', CHART]).catch((e: { stderr: string }) => e);
    expect(bare.stderr).toMatch(/config.repositories is empty/);
  });

  it('renders what config/ has: the same CRDs, the same ClusterRole rules, the locked-down Deployment', async () => {
    const docs = await render();
    const kinds = docs.map((d) => `${d.kind}/${d.metadata?.name}`).sort();
    expect(kinds).toEqual([
      'ClusterRole/gitscale',
      'ClusterRoleBinding/gitscale',
      'ConfigMap/gitscale-config',
      'CustomResourceDefinition/clustertriggerauthentications.gitscale.dev',
      'CustomResourceDefinition/scaledobjects.gitscale.dev',
      'CustomResourceDefinition/triggerauthentications.gitscale.dev',
      'Deployment/gitscale',
      'Role/gitscale-leader-election',
      'RoleBinding/gitscale-leader-election',
      'Secret/gitscale-git',
      'Service/gitscale-metrics',
      'ServiceAccount/gitscale',
    ]);
    for (const f of fs.readdirSync(join(ROOT, 'config/crd/bases'))) {
      const want = parse(fs.readFileSync(join(ROOT, 'config/crd/bases', f), 'utf8'));
      expect(
        docs.find((d) => d.kind === 'CustomResourceDefinition' && d.metadata?.name === want.metadata.name),
        f,
      ).toEqual(want);
    }
    const role = docs.find((d) => d.kind === 'ClusterRole') as k8s.V1ClusterRole;
    expect(role.rules).toEqual(parse(fs.readFileSync(join(ROOT, 'config/rbac/cluster-role.yaml'), 'utf8')).rules);
    const dep = docs.find((d) => d.kind === 'Deployment') as k8s.V1Deployment;
    expect(dep.spec?.replicas).toBe(2);
    expect(dep.spec?.template.spec?.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
  });

  it('an SSH deploy-key Secret (Flux layout) and a signing-key Secret are mounted read-only, their passphrases as env', async () => {
    const dep = (await render(['--set', 'git.sshSecret=deploy-key', '--set', 'signing.secret=signing-key'])).find(
      (d) => d.kind === 'Deployment',
    ) as k8s.V1Deployment;
    const pod = dep.spec!.template.spec!;
    expect(pod.volumes).toEqual(
      expect.arrayContaining([
        { name: 'ssh', secret: { secretName: 'deploy-key', defaultMode: 0o440 } },
        { name: 'signing', secret: { secretName: 'signing-key', defaultMode: 0o440 } },
      ]),
    );
    const c = pod.containers[0];
    expect(c.volumeMounts).toEqual(
      expect.arrayContaining([
        { name: 'ssh', mountPath: '/var/run/gitscale/ssh', readOnly: true },
        { name: 'signing', mountPath: '/var/run/gitscale/signing', readOnly: true },
      ]),
    );
    expect(c.env).toEqual(
      expect.arrayContaining([
        { name: 'GIT_SSH_PASSPHRASE', valueFrom: { secretKeyRef: { name: 'deploy-key', key: 'password', optional: true } } },
        { name: 'GIT_SIGNING_PASSPHRASE', valueFrom: { secretKeyRef: { name: 'signing-key', key: 'passphrase', optional: true } } },
      ]),
    );
    // Without them, nothing of the kind.
    const plain = (await render()).find((d) => d.kind === 'Deployment') as k8s.V1Deployment;
    expect(plain.spec!.template.spec!.volumes!.map((v) => v.name)).toEqual(['config', 'data', 'tmp']);
  });

  it('without secretsAndConfigMaps, the role reads no Secret or ConfigMap', async () => {
    const role = (await render(['--set', 'rbac.secretsAndConfigMaps=false'])).find((d) => d.kind === 'ClusterRole') as k8s.V1ClusterRole;
    expect(role.rules!.some((r) => r.resources!.includes('secrets'))).toBe(false);
  });

  it('values reach gitscale’s config, which loads without a problem', async () => {
    const cm = (await render()).find((d) => d.kind === 'ConfigMap') as k8s.V1ConfigMap;
    const file = join(await tempDir('helm-config'), 'gitscale.yaml');
    fs.writeFileSync(file, cm.data!['gitscale.yaml']);
    const r = await loadConfig(file, { env: { GIT_TOKEN: 't' }, fs });
    expect(r.problems).toEqual([]);
    expect(r.config?.cluster.shards).toBe(2);
    // Each release its own Lease; a user's own config.cluster keeps what the chart's values do not set.
    expect(r.config?.cluster.leaderElection.name).toBe('gitscale');
    expect(r.config?.objects.map((o) => o.key)).toEqual(['shop/consumer']);
  });

  it('watch: all namespaces by default, a list when set; with no ScaledObject anywhere the render fails saying what to set', async () => {
    const configOf = async (extra: string[], vals: Record<string, unknown> = values) => {
      const file = join(await tempDir('helm'), 'values.yaml');
      fs.writeFileSync(file, stringify(vals));
      const { stdout } = await run(helm, ['template', 'gitscale', CHART, '-f', file, ...extra], { maxBuffer: 1 << 24 });
      const cm = parseAllDocuments(stdout)
        .map((d) => d.toJS())
        .find((d) => d?.kind === 'ConfigMap');
      return parse(cm.data['gitscale.yaml']);
    };
    expect((await configOf([])).watch).toEqual({ namespaces: ['*'], kedaObjects: false });
    expect((await configOf(['--set', 'watch.namespaces={shop,billing}', '--set', 'watch.kedaObjects=true'])).watch).toEqual({
      namespaces: ['shop', 'billing'],
      kedaObjects: true,
    });
    const onlyRepos = { ...values, config: { repositories: values.config.repositories } };
    expect((await configOf([], onlyRepos)).scaledObjects).toEqual([]);
    await expect(configOf(['--set', 'watch.namespaces=null'], onlyRepos)).rejects.toThrow(
      /nothing to run: set config.scaledObjects, watch.namespaces .* or discover: true/,
    );
    const discovering = { ...onlyRepos, config: { repositories: [{ ...values.config.repositories[0], discover: true }] } };
    expect((await configOf(['--set', 'watch.namespaces=null'], discovering)).watch).toBeUndefined();
  });

  it('the real API server accepts every object (server-side dry run)', async () => {
    await a.core.createNamespace({ body: { metadata: { name: 'gitscale-helm' } } }).catch((e) => {
      if (e.code !== 409) throw e;
    });
    for (const d of await render()) {
      const created = await createOrReplace(a, d, true);
      expect(created.kind).toBe(d.kind);
    }
  });
});
