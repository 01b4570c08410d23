// A real etcd + kube-apiserver (built once from the Go module proxy by scripts/servers/build-kube.sh,
// cached by version), envtest-style: 127.0.0.1 only, no controllers, no nodes. The apiserver writes
// its own self-signed serving cert (SAN 127.0.0.1) into the temp dir; clients trust that file.
// Users come from a static token file: `admin` (system:masters) and `alice` (no groups, so RBAC
// denies her everything until a test grants it). The CRDs later tests need (Argo CD Application,
// Flux GitRepository and Kustomization) are installed and Established before the tests start.
import { execFile, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { spawnGroup } from './groups.js';
import { freePort } from './spawn.js';
import { buildFlux, fluxCommands, fluxCrds } from './flux.js';
import type { Started } from './types.js';

const run = promisify(execFile);
const SCRIPT = join(import.meta.dirname, '../../../scripts/servers/build-kube.sh');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Proc {
  child: ChildProcess;
  exited: Promise<void>;
  tail: () => string;
  stop: () => Promise<void>;
}

/** Spawns a long-running server (a process group of its own: groups.ts), keeping only the last 32 kB of its output for error messages. */
function launch(bin: string, args: string[], env: NodeJS.ProcessEnv): Proc {
  const { child, stop } = spawnGroup(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] }, { graceMs: 10_000 });
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-32_768);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.once('error', (e) => keep(Buffer.from(`spawn failed: ${e.message}\n`)));
  const exited = new Promise<void>((r) => child.once('close', () => r()));
  return {
    child,
    exited,
    tail: () => output.split('\n').slice(-20).join('\n'),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        await stop();
        await exited;
      }
    },
  };
}

/** Polls `ok` every 100 ms until it is true; fails with the process's output if it exits or times out. */
async function waitFor(what: string, proc: Proc, ok: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok().catch(() => false))) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) throw new Error(`${what} exited early:\n${proc.tail()}`);
    if (Date.now() > deadline) throw new Error(`${what} not ready after ${timeoutMs} ms:\n${proc.tail()}`);
    await sleep(100);
  }
}

type Api = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

/** A tiny JSON client over node:https (the global setup should not change the process's default CAs). */
function client(url: string, caFile: string, token: string): Api {
  return (method, path, body) =>
    new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        `${url}${path}`,
        {
          method,
          ca: readFileSync(caFile),
          headers: {
            Authorization: `Bearer ${token}`,
            Accept: 'application/json',
            ...(data ? { 'Content-Type': 'application/json' } : {}),
          },
          timeout: 10_000,
        },
        (res) => {
          let s = '';
          res.on('data', (c) => (s += c));
          res.on('end', () => {
            let parsed: unknown = s;
            try {
              parsed = JSON.parse(s);
            } catch {
              /* plain text, e.g. /readyz */
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      req.end(data);
    });
}

interface CrdSpec {
  group: string;
  version: string;
  kind: string;
  plural: string;
  shortNames?: string[];
  /** Serve a scale subresource on spec.replicas / status.replicas (Argo Rollouts has one). */
  scale?: boolean;
  /** Cluster-scoped (ClusterTriggerAuthentication). */
  cluster?: boolean;
}

/**
 * The custom resources later tests need without a controller of their own: real group/version/kind,
 * schemas that keep every field. Flux's come from its controllers' own CRDs (servers/flux.ts).
 */
export const CRDS: CrdSpec[] = [
  { group: 'argoproj.io', version: 'v1alpha1', kind: 'Application', plural: 'applications', shortNames: ['app', 'apps'] },
  { group: 'argoproj.io', version: 'v1alpha1', kind: 'Rollout', plural: 'rollouts', shortNames: ['ro'], scale: true },
  { group: 'keda.sh', version: 'v1alpha1', kind: 'ScaledObject', plural: 'scaledobjects', shortNames: ['so'] },
  { group: 'keda.sh', version: 'v1alpha1', kind: 'TriggerAuthentication', plural: 'triggerauthentications', shortNames: ['ta'] },
  {
    group: 'keda.sh',
    version: 'v1alpha1',
    kind: 'ClusterTriggerAuthentication',
    plural: 'clustertriggerauthentications',
    shortNames: ['cta'],
    cluster: true,
  },
  // helm-controller is not built here: HelmReleases are only found and nudged, never reconciled.
  { group: 'helm.toolkit.fluxcd.io', version: 'v2', kind: 'HelmRelease', plural: 'helmreleases', shortNames: ['hr'] },
];

function crd(c: CrdSpec): object {
  const open = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${c.plural}.${c.group}` },
    spec: {
      group: c.group,
      scope: c.cluster ? 'Cluster' : 'Namespaced',
      names: { kind: c.kind, listKind: `${c.kind}List`, plural: c.plural, singular: c.kind.toLowerCase(), shortNames: c.shortNames },
      versions: [
        {
          name: c.version,
          served: true,
          storage: true,
          subresources: {
            status: {},
            ...(c.scale
              ? {
                  scale: {
                    specReplicasPath: '.spec.replicas',
                    statusReplicasPath: '.status.replicas',
                    labelSelectorPath: '.status.selector',
                  },
                }
              : {}),
          },
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: open,
                status: open,
                operation: open,
              },
            },
          },
        },
      ],
    },
  };
}

/** Creates the CRDs and waits until each is Established and served. */
async function installCrds(api: Api, extra: Record<string, unknown>[]): Promise<void> {
  const all = [...CRDS.map(crd), ...extra] as {
    metadata: { name: string };
    spec: { group: string; names: { plural: string }; versions: { name: string; storage?: boolean }[] };
  }[];
  for (const c of all) {
    const r = await api('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', c);
    if (r.status !== 201) throw new Error(`creating CRD ${c.metadata.name}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 500)}`);
  }
  const deadline = Date.now() + 30_000;
  for (const c of all) {
    const name = c.metadata.name;
    const version = (c.spec.versions.find((v) => v.storage) ?? c.spec.versions[0]).name;
    for (;;) {
      const r = await api('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
      const established = (r.body?.status?.conditions ?? []).some(
        (x: { type: string; status: string }) => x.type === 'Established' && x.status === 'True',
      );
      if (established && (await api('GET', `/apis/${c.spec.group}/${version}/${c.spec.names.plural}`)).status === 200) break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} not Established and served after 30 s`);
      await sleep(100);
    }
  }
  // apiextensions-apiserver makes the first create of a custom object sleep 2 s when it comes
  // within 2 s of its CRD becoming Established: let that window pass here, not in a test.
  await sleep(2_000);
}

/** gitscale's own CRDs, as config/crd ships them. */
function gitscaleCrds(): Record<string, unknown>[] {
  const dir = join(import.meta.dirname, '../../../config/crd/bases');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => parseYaml(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>);
}

function kubeconfig(url: string, ca: string, user: string, token: string): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: gitscale-test
  cluster:
    server: ${url}
    certificate-authority: ${ca}
users:
- name: ${user}
  user:
    token: ${token}
contexts:
- name: ${user}@gitscale-test
  context: {cluster: gitscale-test, user: ${user}, namespace: default}
current-context: ${user}@gitscale-test
`;
}

/** `flux: false`: no Flux controllers (their CRDs are installed all the same), for a private, short-lived API server. */
export async function startKube(opts: { flux?: boolean } = {}): Promise<Started> {
  const { stdout } = await run('bash', [SCRIPT], { maxBuffer: 1 << 24, timeout: 30 * 60_000 }).catch((e: Error & { stderr?: string }) => {
    throw new Error(`building kube-apiserver/etcd failed (scripts/servers/build-kube.sh): ${e.stderr?.slice(-2000) ?? e.message}`);
  });
  const [apiserverBin, etcdBin] = stdout.trim().split('\n');
  const fluxDir = await buildFlux();
  const dir = mkdtempSync(join(tmpdir(), 'gitscale-kube-'));
  // Whatever the servers write to a temp dir lands in `dir`, which stop() removes.
  const env = { ...process.env, TMPDIR: dir };
  const procs: Proc[] = [];
  const stopAll = async () => {
    for (const p of [...procs].reverse()) await p.stop(); // the controllers, the apiserver, then etcd
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };
  try {
    const [etcdPort, peerPort, port] = [await freePort(), await freePort(), await freePort()];
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const etcd = launch(
      etcdBin,
      [
        '--name=default',
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=default=${peerUrl}`,
        '--unsafe-no-fsync=true',
        '--log-level=warn',
      ],
      env,
    );
    procs.push(etcd);
    await waitFor('etcd', etcd, async () => (await fetch(`${etcdUrl}/health`)).ok);

    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    const token = randomBytes(24).toString('hex');
    const userToken = randomBytes(24).toString('hex');
    writeFileSync(join(dir, 'tokens.csv'), `${token},admin,admin-uid,"system:masters"\n${userToken},alice,alice-uid\n`, { mode: 0o600 });
    const certs = join(dir, 'certs');
    mkdirSync(certs);
    const url = `https://127.0.0.1:${port}`;
    const apiserver = launch(
      apiserverBin,
      [
        `--etcd-servers=${etcdUrl}`,
        `--cert-dir=${certs}`,
        `--secure-port=${port}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        // Since 1.37 the default (lease) endpoint reconciler rejects a loopback advertise address.
        '--endpoint-reconciler-type=none',
        '--service-cluster-ip-range=10.0.0.0/24',
        '--allow-privileged=true',
        '--authorization-mode=RBAC',
        `--token-auth-file=${join(dir, 'tokens.csv')}`,
        `--service-account-issuer=${url}`,
        `--service-account-key-file=${join(dir, 'sa.pub')}`,
        `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
        '--disable-admission-plugins=ServiceAccount',
      ],
      env,
    );
    procs.push(apiserver);
    const ca = join(certs, 'apiserver.crt'); // the self-signed bundle (cert + its CA) the apiserver writes
    const api = client(url, ca, token);
    await waitFor('kube-apiserver', apiserver, async () => existsSync(ca) && (await api('GET', '/readyz')).status === 200);
    await installCrds(api, [...fluxCrds(fluxDir), ...gitscaleCrds()]);

    const kubeconfigPath = join(dir, 'admin.kubeconfig');
    const userKubeconfigPath = join(dir, 'alice.kubeconfig');
    writeFileSync(kubeconfigPath, kubeconfig(url, ca, 'admin', token), { mode: 0o600 });
    writeFileSync(userKubeconfigPath, kubeconfig(url, ca, 'alice', userToken), { mode: 0o600 });
    // Flux's real controllers, watching only objects labelled gitscale.test/flux=real.
    const fluxNs = await api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'flux-system' } });
    if (fluxNs.status !== 201) throw new Error(`creating namespace flux-system: HTTP ${fluxNs.status}`);
    for (const f of opts.flux === false ? [] : await fluxCommands(fluxDir, kubeconfigPath, dir)) {
      const p = launch(f.bin, f.args, f.env);
      procs.push(p);
      await waitFor(f.bin.split('/').pop()!, p, async () => (await fetch(f.health)).ok, 60_000);
    }
    return {
      env: {
        KUBE_URL: url,
        KUBE_TOKEN: token,
        KUBE_CA_FILE: ca,
        KUBECONFIG_PATH: kubeconfigPath,
        KUBE_USER_NAME: 'alice',
        KUBE_USER_TOKEN: userToken,
        KUBE_USER_KUBECONFIG_PATH: userKubeconfigPath,
      },
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
