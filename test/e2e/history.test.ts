// `gitscale history` through the built command (dist/cli.js) in its own process: decisions that
// `gitscale once` committed, read back from a local repository and from the real git http-backend,
// and gitscale pull requests merged on a real Gitea as a merge commit, a squash and a rebase.
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { newList } from '../support/cli.js';
import { deployment, redisList, scaledObject, writeConfig } from '../support/config.js';
import { git, makeLocalRepo } from '../support/git.js';
import { tempDir } from '../support/temp.js';

const servers = inject('servers');
const cli = join(import.meta.dirname, '../../dist/cli.js');
const run = promisify(execFile);

function gitscale(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GITEA_PR_TOKEN: servers.GITEA_TOKEN },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

let config: string;
let dataDir: string;
const commits: string[] = [];

beforeAll(async () => {
  const redis = new Redis(servers.REDIS_ADDRESS);
  const twenty = await newList(redis, 20);
  const forty = await newList(redis, 40);
  await redis.quit();
  const dir = await makeLocalRepo({ 'consumer.yaml': deployment('consumer', 0) });
  dataDir = await tempDir('e2e-history-data');
  const object = (list: string) =>
    scaledObject({ name: 'consumer', repository: 'local', path: 'consumer.yaml', triggers: [redisList(servers.REDIS_ADDRESS, list)] });
  // Two real decisions, each committed by the built command: 0 → 4, then 4 → 8.
  for (const list of [twenty, forty]) {
    const once = await writeConfig({ repositories: [{ name: 'local', url: dir }], scaledObjects: [object(list)] });
    const r = await gitscale('once', '--config', once, '--data-dir', dataDir);
    expect(r.code, r.stderr).toBe(0);
    commits.unshift((await git(dir, 'rev-parse', 'HEAD')).trim());
  }
  const name = `e2e-history-${Math.random().toString(36).slice(2, 10)}.git`;
  await run('git', ['clone', '-q', '--bare', dir, join(servers.GIT_ROOT, name)]);
  config = await writeConfig({
    repositories: [
      { name: 'local', url: dir },
      { name: 'remote', url: `${servers.GIT_HTTP_URL}/${name}` },
    ],
    scaledObjects: [object(forty)],
  });
});

describe('gitscale history (dist/cli.js)', () => {
  it.each([
    { name: 'the local repository, read in place', repository: 'local' },
    { name: 'the remote through git http-backend', repository: 'remote' },
  ])('-o json lists both decisions newest first: $name', async ({ repository }) => {
    const r = await gitscale('history', '--config', config, '--repository', repository, '-o', 'json', '--data-dir', dataDir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { decisions } = JSON.parse(r.stdout);
    expect(decisions).toEqual([
      expect.objectContaining({
        repository,
        object: 'default/consumer',
        from: 4,
        to: 8,
        route: 'commit',
        commit: commits[0],
        triggers: ['redis value=40 target=5 active=true'],
        rule: expect.stringMatching(/ceil\(40 \/ 5\) = 8/),
      }),
      expect.objectContaining({
        repository,
        object: 'default/consumer',
        from: 0,
        to: 4,
        route: 'commit',
        commit: commits[1],
        triggers: ['redis value=20 target=5 active=true'],
        rule: expect.stringMatching(/ceil\(20 \/ 5\) = 4/),
      }),
    ]);
  });

  it('prints text lines, with the repository column when it reads several, and -c, --since, --object', async () => {
    const r = await gitscale('history', '-c', config, '--since', '1h', '--object', 'default/consumer', '--data-dir', dataDir);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(
      lines.filter((l) => / local +default\/consumer +4 → 8 +commit +[0-9a-f]{12} +redis value=40 target=5 active=true +\(.*\)$/.test(l)),
    ).toHaveLength(1);
    expect(lines.filter((l) => / remote +default\/consumer +0 → 4 +commit /.test(l))).toHaveLength(1);
  });

  it.each([
    { name: 'an unknown --repository', args: ['--repository', 'nope'], want: /unknown repository 'nope': must be one of: local, remote/ },
    { name: 'a --since that is not a duration', args: ['--since', 'yesterday'], want: /--since: 'yesterday' is not a duration/ },
  ])('exits 2 on $name', async ({ args, want }) => {
    const r = await gitscale('history', '--config', config, ...args, '--data-dir', dataDir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(want);
    expect(r.stdout).toBe('');
  });
});

const gitea = async (path: string, init: { method?: string; body?: unknown } = {}) => {
  const r = await fetch(`${servers.GITEA_URL}/api/v1${path}`, {
    method: init.method,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    headers: { Authorization: `token ${servers.GITEA_TOKEN}`, 'Content-Type': 'application/json' },
  });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null };
};

describe('gitscale history of pull requests merged on Gitea (dist/cli.js)', () => {
  const full = { triggers: ['redis value=80 target=5 active=true'], rule: expect.stringMatching(/ceil\(80 \/ 5\) = 16/) };
  it.each([
    { name: 'a merge commit (the decision read from the merged branch commit)', style: 'merge', want: full },
    { name: 'a rebase (the branch commit, its trailers kept)', style: 'rebase', want: full },
    { name: 'a squash (Gitea keeps only the title: no triggers, no rule)', style: 'squash', want: { triggers: [], rule: null } },
  ])('a gitscale pull request merged as $name is route pull-request', async ({ style, want }) => {
    const repo = `hist-${style}-${Math.random().toString(36).slice(2, 8)}`;
    expect((await gitea('/user/repos', { method: 'POST', body: { name: repo, auto_init: true, default_branch: 'main' } })).status).toBe(
      201,
    );
    expect(
      (
        await gitea(`/repos/gitscale/${repo}/contents/deploy.yaml`, {
          method: 'POST',
          body: { content: Buffer.from(deployment('consumer', 8)).toString('base64'), message: 'manifests', branch: 'main' },
        })
      ).status,
    ).toBe(201);
    const redis = new Redis(servers.REDIS_ADDRESS);
    const list = await newList(redis, 80);
    await redis.quit();
    const cfg = await writeConfig({
      repositories: [
        {
          name: 'manifests',
          url: `${servers.GITEA_URL}/gitscale/${repo}.git`,
          auth: { tokenFromEnv: 'GITEA_PR_TOKEN', username: 'gitscale' },
          review: { aboveReplicas: 10 },
          forge: { type: 'gitea' },
        },
      ],
      scaledObjects: [scaledObject({ name: 'consumer', path: 'deploy.yaml', triggers: [redisList(servers.REDIS_ADDRESS, list)] })],
    });
    const once = await gitscale('once', '--config', cfg, '-o', 'json', '--data-dir', dataDir);
    expect(once.code, once.stderr).toBe(0);
    const pr = JSON.parse(once.stdout).objects[0].pullRequest.number;
    // Gitea checks mergeability in the background and answers 405 until it has.
    let merged = 0;
    for (let i = 0; i < 50 && merged !== 200; i++) {
      if (i) await new Promise((r) => setTimeout(r, 200));
      merged = (await gitea(`/repos/gitscale/${repo}/pulls/${pr}/merge`, { method: 'POST', body: { Do: style } })).status;
    }
    expect(merged).toBe(200);
    const head = (await gitea(`/repos/gitscale/${repo}/branches/main`)).json.commit.id;
    const r = await gitscale('history', '--config', cfg, '-o', 'json', '--data-dir', dataDir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).decisions).toEqual([
      {
        time: expect.any(String),
        repository: 'manifests',
        object: 'default/consumer',
        from: 8,
        to: 16,
        route: 'pull-request',
        commit: head,
        ...want,
      },
    ]);
  });
});
