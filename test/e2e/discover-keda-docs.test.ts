// KEDA's documentation example (Secret + TriggerAuthentication + ScaledObject in one file, see
// fixtures/keda-docs/README.md) committed under `discover: true` gets the verdict the same objects
// get in the config file: in validate, and in once against the test Redis that wants a user and a
// password. The committed Secret's data (admin/admin) is never used: the credentials come from the
// environment, as for a TriggerAuthentication in the config. A discovered object's warnings are
// those of the same object in the config, in validate, plan and the run log; in run, a
// TriggerAuthentication committed later is picked up at the next sync.
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startRun } from '../support/bin.js';
import { newList, runGitscale } from '../support/cli.js';
import { deployment, writeConfig } from '../support/config.js';
import { humanCommit, makeServedRepo, show } from '../support/git.js';
import { tempDir } from '../support/temp.js';

const servers = inject('servers');
const example = readFileSync(new URL('../../fixtures/keda-docs/redis-trigger-authentication.yaml', import.meta.url), 'utf8');
const votes =
  'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: votes\n  namespace: my-project\nspec:\n  replicas: 1\n  selector:\n    matchLabels: { app: votes }\n';
const FILE = 'apps/votes/keda.yaml';
let redis: Redis;
beforeAll(
  () =>
    void (redis = new Redis(servers.REDIS_AUTH_ADDRESS, { username: servers.REDIS_AUTH_USER, password: servers.REDIS_AUTH_USER_PASSWORD })),
);
afterAll(async () => void (await redis.quit()));

/** The same documents as config-file entries: the ScaledObject with its two annotations, the TriggerAuthentication as it is. */
function asConfig(text: string, url: string): Record<string, unknown> {
  const docs = parseAllDocuments(text).map((d) => d.toJS() as { kind: string; metadata: Record<string, unknown> });
  const so = docs.find((d) => d.kind === 'ScaledObject')!;
  return {
    repositories: [{ name: 'manifests', url }],
    triggerAuthentications: docs.filter((d) => d.kind === 'TriggerAuthentication'),
    scaledObjects: [
      {
        ...so,
        metadata: {
          ...so.metadata,
          annotations: { 'gitscale.dev/repository': 'manifests', 'gitscale.dev/path': 'apps/votes/deployment.yaml' },
        },
      },
    ],
  };
}

/** A validate verdict without where each entry was read (the config file, or the file in the repository). */
const verdict = (stdout: string) => {
  const v = JSON.parse(stdout) as { problems: { file: string }[]; warnings: { file: string }[] };
  return { problems: v.problems.map(({ file: _, ...p }) => p), warnings: v.warnings.map(({ file: _, ...w }) => w) };
};

async function bothWays(text: string) {
  const files = { [FILE]: text, 'apps/votes/deployment.yaml': votes };
  const discovered = await makeServedRepo(servers, files);
  const listed = await makeServedRepo(servers, files);
  return {
    discovered: {
      ...discovered,
      config: await writeConfig({ repositories: [{ name: 'manifests', url: discovered.url, discover: true }] }),
    },
    listed: { ...listed, config: await writeConfig(asConfig(text, listed.url)) },
  };
}

describe("KEDA's documentation example under discover: true", () => {
  it('validate: the committed TriggerAuthentication is found; its Secret comes from the environment, never from Git; the same verdict as in the config', async () => {
    const { discovered, listed } = await bothWays(example);
    const d = await runGitscale(['validate', '-c', discovered.config, '-o', 'json']);
    const l = await runGitscale(['validate', '-c', listed.config, '-o', 'json']);
    expect(d.stdout).not.toContain('CONFIG_UNKNOWN_AUTH');
    expect(verdict(d.stdout)).toEqual(verdict(l.stdout));
    expect(d.code).toBe(l.code);
    // No credentials here: the committed Secret does not stand in for them (each one missing is named).
    expect(JSON.parse(d.stdout).warnings).toEqual(
      ['username', 'password'].map((p) =>
        expect.objectContaining({
          object: 'my-project/redis-scaledobject',
          file: `${FILE} in repository manifests`,
          field: 'spec.triggers[0].authenticationRef',
          code: 'SECRET_NOT_FOUND',
          message: expect.stringContaining(`secret votes-db-secret/redis_${p} for parameter '${p}' not found`),
        }),
      ),
    );
    expect(d.stdout).not.toMatch(/YWRtaW4=|admin/);

    const env = { GITSCALE_SECRET_VOTES_DB_SECRET_REDIS_USERNAME: 'scaler', GITSCALE_SECRET_VOTES_DB_SECRET_REDIS_PASSWORD: 'x' };
    const dEnv = await runGitscale(['validate', '-c', discovered.config, '-o', 'json'], env);
    expect(JSON.parse(dEnv.stdout)).toEqual({ problems: [], warnings: [] });
    expect(dEnv.code).toBe(0);
  });

  it("once: with the credentials in the environment both commit the same count; with only Git's Secret both fail alike", async () => {
    // The one change to the example: the test server's address and a fresh list, for the real poll.
    const list = await newList(redis, 25);
    const text = example.replace('localhost:6379', servers.REDIS_AUTH_ADDRESS).replace('listName: mylist', `listName: ${list}`);
    const { discovered, listed } = await bothWays(text);
    const env = {
      GITSCALE_SECRET_VOTES_DB_SECRET_REDIS_USERNAME: servers.REDIS_AUTH_USER,
      GITSCALE_SECRET_VOTES_DB_SECRET_REDIS_PASSWORD: servers.REDIS_AUTH_USER_PASSWORD,
    };
    for (const { bare, config } of [discovered, listed]) {
      const r = await runGitscale(['once', '-c', config], env);
      expect(r.stderr).not.toContain('CONFIG_UNKNOWN_AUTH');
      expect(r.code).toBe(0);
      expect(await show(bare, 'main', 'apps/votes/deployment.yaml')).toContain('replicas: 3');
    }
    // Git's Secret says admin/admin; were it read, the poll would be refused by the server's ACL, not by a missing secret.
    const [d, l] = [await runGitscale(['once', '-c', discovered.config]), await runGitscale(['once', '-c', listed.config])];
    expect(d.code).toBe(1);
    expect(l.code).toBe(1);
    for (const r of [d, l]) expect(r.stdout + r.stderr).toContain('votes-db-secret/redis_username');
    expect(d.stdout + d.stderr).not.toContain('WRONGPASS');
  });

  it('warnings: a number where KEDA wants a string and a misspelt key are said in validate, plan and the run log as in the config', async () => {
    const list = await newList(redis, 0);
    const text = example
      .replace('localhost:6379', servers.REDIS_ADDRESS)
      .replace('listName: mylist', `listName: ${list}`)
      .replace('listLength: "10"', 'listLength: 10\n      listLenght: "10"')
      .replace('    authenticationRef:\n      name: keda-trigger-auth-redis-secret\n', '');
    const { discovered, listed } = await bothWays(text);
    const [d, l] = [
      await runGitscale(['validate', '-c', discovered.config, '-o', 'json']),
      await runGitscale(['validate', '-c', listed.config, '-o', 'json']),
    ];
    expect(verdict(d.stdout)).toEqual(verdict(l.stdout));
    const fields = JSON.parse(d.stdout).warnings.map((w: { field: string; message: string }) => `${w.field}: ${w.message}`);
    expect(fields).toEqual([
      expect.stringMatching(/^spec\.triggers\[0\]\.metadata\.listLength: KEDA metadata values are strings/),
      expect.stringMatching(/^spec\.triggers\[0\]\.metadata: .*listLenght/),
    ]);

    const plan = await runGitscale(['plan', '-c', discovered.config]);
    expect(plan.code).toBe(0);
    expect(plan.stderr).toContain(`${FILE} in repository manifests`);
    expect(plan.stderr).toContain('listLenght');

    const run = await runGitscale(
      ['run', '-c', discovered.config, '--log-format', 'json'],
      {},
      new Promise((res) => setTimeout(res, 6000)),
    );
    const warned = run.stderr
      .split('\n')
      .filter((s) => s.startsWith('{'))
      .map((s) => JSON.parse(s) as Record<string, unknown>)
      .filter((e) => e.msg === 'config warning');
    expect(warned.map((w) => [w.object, w.file, w.field])).toEqual([
      ['my-project/redis-scaledobject', `${FILE} in repository manifests`, 'spec.triggers[0].metadata.listLength'],
      ['my-project/redis-scaledobject', `${FILE} in repository manifests`, 'spec.triggers[0].metadata'],
    ]);
    expect(run.code).toBe(0);
  });

  it('run: a ScaledObject naming a TriggerAuthentication not committed yet is refused naming its file; committing it starts the scaling', async () => {
    const list = await newList(redis, 25);
    const [secret, auth, so] = example
      .replace('localhost:6379', servers.REDIS_AUTH_ADDRESS)
      .replace('listName: mylist', `listName: ${list}`)
      .replace('  scaleTargetRef:\n', '  pollingInterval: 1\n  scaleTargetRef:\n')
      .split('---\n');
    // Another ScaledObject, due every second, so the repository is synced (and read) that often.
    const web = `apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: web\nspec:\n  scaleTargetRef:\n    name: web\n  pollingInterval: 1\n  triggers:\n  - type: redis\n    metadata: { address: "${servers.REDIS_ADDRESS}", listName: ${await newList(redis, 0)}, listLength: "5" }\n`;
    const { bare, url } = await makeServedRepo(servers, {
      'apps/votes/deployment.yaml': votes,
      'apps/votes/scaledobject.yaml': so,
      'apps/web/deployment.yaml': deployment('web', 0),
      'apps/web/scaledobject.yaml': web,
    });
    const config = await writeConfig({ repositories: [{ name: 'manifests', url, discover: true }] });
    const run = startRun(['-c', config, '--log-format', 'json', '--data-dir', await tempDir('data')], {
      GITSCALE_SECRET_VOTES_DB_SECRET_REDIS_USERNAME: servers.REDIS_AUTH_USER,
      GITSCALE_SECRET_VOTES_DB_SECRET_REDIS_PASSWORD: servers.REDIS_AUTH_USER_PASSWORD,
    });
    try {
      const refused = await run.waitFor((l) => l.msg === 'ScaledObject from the repository refused', 20_000);
      expect(refused).toMatchObject({
        object: 'my-project/redis-scaledobject',
        file: 'apps/votes/scaledobject.yaml in repository manifests',
        field: 'spec.triggers[0].authenticationRef.name',
        code: 'CONFIG_UNKNOWN_AUTH',
      });
      expect(refused.error).toContain("in namespace 'my-project'");
      await humanCommit(bare, { 'apps/votes/auth.yaml': `${secret}---\n${auth}` }, 'add the TriggerAuthentication');
      await run.waitFor((l) => l.msg === 'commit' && String(l.subject).includes('my-project/redis-scaledobject 1→3'), 30_000);
      expect(await show(bare, 'main', 'apps/votes/deployment.yaml')).toContain('replicas: 3');
    } finally {
      expect((await run.stop()).code).toBe(0);
    }
  });
});
