// `gitscale validate` through the built command (dist/cli.js) in its own process: each input that
// used to pass, or to crash, exits 2 naming object, file and field; warnings exit 0 and appear in
// `-o json` too. Built by `npm run build` (npm test builds first).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, writeTree } from '../support/git.js';

const cli = join(import.meta.dirname, '../../dist/cli.js');
let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gitscale-e2e-validate-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function gitscale(args: string[], env: Record<string, string> = {}): Promise<Ran> {
  const child = spawn(process.execPath, [cli, ...args, '--data-dir', join(root, 'data')], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: root, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

let n = 0;
/** A working repository holding `files`, in a fresh directory under the suite's root. */
async function repo(files: Record<string, string>): Promise<string> {
  const dir = join(root, `repo-${++n}`);
  await mkdir(dir);
  await git(dir, 'init', '-q', '-b', 'main');
  await writeTree(dir, files);
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-q', '-m', 'initial');
  return dir;
}

async function config(doc: Record<string, unknown>): Promise<string> {
  const file = join(root, `gitscale-${++n}.yaml`);
  await writeFile(file, stringify(doc));
  return file;
}

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const deployment = (name: string, replicas = '1') =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  replicas: ${replicas}\n`;
const redis = (metadata: Record<string, string> = {}) => ({
  type: 'redis',
  metadata: { address: '127.0.0.1:6379', listName: 'jobs', ...metadata },
});

function so(
  name: string,
  o: { path?: string; target?: string; annotations?: Record<string, string>; triggers?: unknown[] } = {},
): Record<string, unknown> {
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name, annotations: { 'gitscale.dev/repository': 'm', 'gitscale.dev/path': o.path ?? `${name}.yaml`, ...o.annotations } },
    spec: { scaleTargetRef: { name: o.target ?? name }, triggers: o.triggers ?? [redis()] },
  };
}

/** One row: builds its config (and repository), then names the problem validate must report. */
interface Row {
  name: string;
  /** `says`: text the message must contain that is only known once built (a port). */
  input: () => Promise<{ file: string; env?: Record<string, string>; says?: string }>;
  want: { object: string; file?: string; field: string; code: string; message: RegExp };
}

const local = async (files: Record<string, string>, objects: Record<string, unknown>[], extra: Record<string, unknown> = {}) =>
  config({ repositories: [{ name: 'm', url: await repo(files), ...extra }], scaledObjects: objects });

const rows: Row[] = [
  {
    name: 'two ScaledObjects on one workload: the second is refused, naming the first',
    input: async () => ({
      file: await local({ 'consumer.yaml': deployment('consumer') }, [
        so('consumer'),
        so('consumer-copy', { path: 'consumer.yaml', target: 'consumer' }),
      ]),
    }),
    want: {
      object: 'default/consumer-copy',
      field: 'spec.scaleTargetRef.name',
      code: 'CONFIG_DUPLICATE_TARGET',
      message: /Deployment default\/consumer in consumer\.yaml .* already scaled by ScaledObject default\/consumer/,
    },
  },
  {
    name: 'a negative metrics-api targetValue',
    input: async () => ({
      file: await local({ 'a.yaml': deployment('a') }, [
        so('a', { triggers: [{ type: 'metrics-api', metadata: { url: 'http://m/x', valueLocation: 'v', targetValue: '-3' } }] }),
      ]),
    }),
    want: { object: 'default/a', field: 'spec.triggers[0].metadata.targetValue', code: 'TRIGGER_METADATA', message: /-3 must be > 0/ },
  },
  {
    name: 'a non-numeric aws-sqs-queue queueLength',
    input: async () => ({
      file: await local({ 'a.yaml': deployment('a') }, [
        so('a', { triggers: [{ type: 'aws-sqs-queue', metadata: { queueURL: 'orders', awsRegion: 'eu-west-1', queueLength: 'abc' } }] }),
      ]),
    }),
    want: {
      object: 'default/a',
      field: 'spec.triggers[0].metadata.queueLength',
      code: 'TRIGGER_METADATA',
      message: /"abc" is not an integer/,
    },
  },
  {
    name: 'a typo in a gitscale.dev annotation, with a did-you-mean',
    input: async () => ({
      file: await local({ 'a.yaml': deployment('a') }, [so('a', { annotations: { 'gitscale.dev/feild': 'replicaCount' } })]),
    }),
    want: {
      object: 'default/a',
      field: 'metadata.annotations["gitscale.dev/feild"]',
      code: 'CONFIG_UNKNOWN_ANNOTATION',
      message: /did you mean gitscale\.dev\/field\?/,
    },
  },
  {
    name: 'passwordFromEnv naming an unset variable',
    input: async () => ({
      file: await local({ 'a.yaml': deployment('a') }, [so('a', { triggers: [redis({ passwordFromEnv: 'GS_E2E_REDIS_PASSWORD' })] })]),
    }),
    want: {
      object: 'default/a',
      field: 'spec.triggers[0].metadata.passwordFromEnv',
      code: 'TRIGGER_ENV_MISSING',
      message: /environment variable 'GS_E2E_REDIS_PASSWORD', which is not set/,
    },
  },
  {
    name: 'a bare repository as a local url',
    input: async () => {
      const src = await repo({ 'a.yaml': deployment('a') });
      const bare = `${src}.git`;
      await git(root, 'clone', '-q', '--bare', src, bare);
      return { file: await config({ repositories: [{ name: 'm', url: bare }], scaledObjects: [so('a')] }) };
    },
    want: {
      object: 'repository m',
      field: 'repositories[0].url',
      code: 'GIT_BARE_REPOSITORY',
      message: /is a bare Git repository; a local url must be a working tree/,
    },
  },
  {
    name: 'an ssh:// url without a key',
    input: async () => ({
      file: await config({
        repositories: [
          { name: 'm', url: 'ssh://git@git.example.com/platform/apps.git', auth: { knownHostsFile: '/etc/ssh/ssh_known_hosts' } },
        ],
        scaledObjects: [so('a')],
      }),
    }),
    want: {
      object: 'repositories',
      field: 'repositories[0].auth',
      code: 'CONFIG_AUTH',
      message: /an SSH remote needs its private key \(a deploy key\): auth\.sshKeyFile/,
    },
  },
  {
    name: 'an scp-style user@host:path.git url without a way to verify the host',
    input: async () => ({
      file: await config({
        repositories: [{ name: 'm', url: 'git@github.com:acme/apps.git', auth: { sshKeyFromEnv: 'DEPLOY_KEY' } }],
        scaledObjects: [so('a')],
      }),
      env: { DEPLOY_KEY: 'k' },
    }),
    want: { object: 'repositories', field: 'repositories[0].auth', code: 'CONFIG_AUTH', message: /host keys are always verified/ },
  },
  {
    name: 'an SSH key file that is not there',
    input: async () => ({
      file: await config({
        repositories: [
          {
            name: 'm',
            url: 'git@github.com:acme/apps.git',
            auth: { sshKeyFile: '/nonexistent/deploy-key', sshHostKey: 'SHA256:' + 'a'.repeat(43) },
          },
        ],
        scaledObjects: [so('a')],
      }),
    }),
    want: {
      object: 'repository m',
      field: 'repositories[0].auth.sshKeyFile',
      code: 'CONFIG_FILE_MISSING',
      message: /cannot read \/nonexistent\/deploy-key: ENOENT/,
    },
  },
  {
    name: "an SSH key's variable that is not set",
    input: async () => ({
      file: await config({
        repositories: [
          {
            name: 'm',
            url: 'git@github.com:acme/apps.git',
            auth: { sshKeyFromEnv: 'GITSCALE_TEST_UNSET_KEY', sshHostKey: 'SHA256:' + 'a'.repeat(43) },
          },
        ],
        scaledObjects: [so('a')],
      }),
    }),
    want: {
      object: 'repository m',
      field: 'repositories[0].auth.sshKeyFromEnv',
      code: 'CONFIG_TOKEN_MISSING',
      message: /GITSCALE_TEST_UNSET_KEY is not set \(or empty\): the SSH private key/,
    },
  },
  {
    name: 'an invalid port, which used to crash',
    input: async () => ({
      file: await config({
        repositories: [{ name: 'm', url: 'http://127.0.0.1:99999/apps.git', forge: { type: 'gitea' } }],
        scaledObjects: [so('a')],
      }),
    }),
    want: { object: 'repositories', field: 'repositories[0].url', code: 'CONFIG_URL', message: /invalid port '99999'/ },
  },
  {
    name: 'a remote that refuses the connection says ECONNREFUSED host:port',
    input: async () => {
      const port = await closedPort();
      return {
        file: await config({ repositories: [{ name: 'm', url: `http://127.0.0.1:${port}/apps.git` }], scaledObjects: [so('a')] }),
        says: `connect ECONNREFUSED 127.0.0.1:${port}`,
      };
    },
    want: {
      object: 'repository m',
      field: 'repositories[0].url',
      code: 'GIT_UNREACHABLE',
      message: /cannot fetch branch 'main': connect ECONNREFUSED 127\.0\.0\.1:\d+$/,
    },
  },
  {
    name: 'a Helm values file without gitscale.dev/field',
    input: async () => ({ file: await local({ 'chart/values.yaml': 'replicaCount: 2\n' }, [so('a', { path: 'chart/values.yaml' })]) }),
    want: {
      object: 'default/a',
      file: 'chart/values.yaml',
      field: 'metadata.annotations["gitscale.dev/field"]',
      code: 'FIELD_REQUIRED',
      message: /add the annotation gitscale\.dev\/field .*gitscale\.dev\/field: replicaCount/,
    },
  },
  {
    name: 'a whole-file Helm template',
    input: async () => ({
      file: await local(
        {
          'chart/templates/a.yaml':
            'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n  {{- if not .Values.autoscaling.enabled }}\n  replicas: {{ .Values.replicaCount }}\n  {{- end }}\n',
        },
        [so('a', { path: 'chart/templates/a.yaml' })],
      ),
    }),
    want: {
      object: 'default/a',
      file: 'chart/templates/a.yaml',
      field: 'spec.replicas',
      code: 'HELM_TEMPLATE',
      message: /is a Helm template .*point gitscale\.dev\/path at chart\/values\.yaml .*\(e\.g\. replicaCount\)/,
    },
  },
];

describe('gitscale validate (dist/cli.js)', () => {
  it('is built', () => {
    expect(fs.existsSync(cli), 'dist/cli.js is missing: run `npm test` (it builds) or `npm run build`').toBe(true);
  });

  it.each(rows)('exits 2 naming object, file and field: $name', async ({ input, want }) => {
    const { file, env, says } = await input();
    const r = await gitscale(['validate', '--config', file, '-o', 'json'], env);
    expect(r.code, r.stderr).toBe(2);
    const out = JSON.parse(r.stdout) as { problems: { object: string; file: string; field: string; code: string; message: string }[] };
    const hit = out.problems.find((p) => p.code === want.code);
    expect(hit, r.stdout).toMatchObject({ object: want.object, file: want.file ?? file, field: want.field });
    expect(hit!.message).toMatch(want.message);
    if (says) expect(hit!.message).toContain(says);
    expect(r.stderr).not.toMatch(/internal error|TypeError/);
  });

  it('text output names object, file and field on one line', async () => {
    const file = await local({ 'a.yaml': deployment('a') }, [so('a', { annotations: { 'gitscale.dev/pth': 'x' } })]);
    const r = await gitscale(['validate', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(
      `error: default/a: ${file}: metadata.annotations["gitscale.dev/pth"]: unknown gitscale annotation: did you mean gitscale.dev/path?`,
    );
  });

  it('the FromEnv variable set: the same config validates', async () => {
    const file = await local({ 'a.yaml': deployment('a') }, [so('a', { triggers: [redis({ passwordFromEnv: 'GS_E2E_REDIS_PASSWORD' })] })]);
    const r = await gitscale(['validate', '--config', file], { GS_E2E_REDIS_PASSWORD: 'secret-value' });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout + r.stderr).not.toContain('secret-value');
  });

  it('warnings exit 0 and appear in -o json: review: without forge:, a quoted replicas in a Deployment', async () => {
    const file = await local({ 'a.yaml': deployment('a', '"3"') }, [so('a')], { review: { aboveReplicas: 10 } });
    const r = await gitscale(['validate', '--config', file, '-o', 'json']);
    expect(r.code, r.stdout).toBe(0);
    const out = JSON.parse(r.stdout) as { problems: unknown[]; warnings: { object: string; file: string; field: string; code: string }[] };
    expect(out.problems).toEqual([]);
    expect(out.warnings.map(({ object, file: f, field, code }) => ({ object, file: f, field, code }))).toEqual([
      { object: 'repositories', file, field: 'repositories[0].review', code: 'CONFIG_REVIEW_WITHOUT_FORGE' },
      { object: 'default/a', file: 'a.yaml', field: 'spec.replicas', code: 'REPLICAS_QUOTED' },
    ]);
    const text = await gitscale(['validate', '--config', file]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/warning: default\/a: a\.yaml: spec\.replicas: .*the string "3".*\[REPLICAS_QUOTED\]/);
  });

  it('plan: a trigger whose server refuses the connection says ECONNREFUSED host:port, not "fetch failed"', async () => {
    const port = await closedPort();
    const file = await local({ 'a.yaml': deployment('a') }, [
      so('a', {
        triggers: [{ type: 'metrics-api', metadata: { url: `http://127.0.0.1:${port}/m`, valueLocation: 'v', targetValue: '5' } }],
      }),
    ]);
    const r = await gitscale(['plan', '--config', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `trigger 'metrics-api' (metrics-api): connection refused at http://127.0.0.1:${port}/m (ECONNREFUSED 127.0.0.1:${port})`,
    );
    expect(r.stdout + r.stderr).not.toContain('fetch failed');
  });
});
