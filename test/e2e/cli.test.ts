// gitscale's commands end to end: real git server (http-backend), real Redis, local repositories.
import * as fs from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { main, type Io } from '../../src/cli/main.js';
import { parseTrailers } from '../../src/git/message.js';
import { git, log, makeLocalRepo, makeServedRepo, show } from '../support/git.js';
import { deployment, redisList, scaledObject, writeConfig } from '../support/config.js';
import { newList, runGitscale } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

const servers = inject('servers');
let redis: Redis;
beforeAll(() => {
  redis = new Redis(servers.REDIS_ADDRESS, { lazyConnect: false });
});
afterAll(async () => {
  await redis.quit();
});

const fillList = (n: number) => newList(redis, n);
const gitscale = runGitscale;

describe('gitscale once against the real git server', () => {
  it('commits 0→4 for 20 items / 5, one commit with subject, body and trailers; only the number changes', async () => {
    const list = await fillList(20);
    const manifest = deployment('consumer', 0, '  template: {}\n');
    const { bare, url } = await makeServedRepo(servers, { 'apps/consumer/deployment.yaml': manifest, 'apps/other.yaml': 'x: 1\n' });
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url, branch: 'main' }],
      scaledObjects: [
        scaledObject({ name: 'consumer', path: 'apps/consumer/deployment.yaml', triggers: [redisList(servers.REDIS_ADDRESS, list)] }),
      ],
    });
    const r = await gitscale(['once', '--config', config]);
    expect(r.stderr).not.toMatch(/ERROR/);
    expect(r.code).toBe(0);
    expect(await show(bare, 'main', 'apps/consumer/deployment.yaml')).toBe(manifest.replace('replicas: 0 #', 'replicas: 4 #'));
    expect(await log(bare)).toEqual(['scale default/consumer 0→4 (redis: 20 items / 5)', 'initial']);
    const message = await git(bare, 'log', '-1', '--format=%B', 'main');
    expect(parseTrailers(message)).toEqual([
      {
        object: 'default/consumer',
        from: 0,
        to: 4,
        trailers: [
          ['Gitscale-Reason', expect.stringMatching(/ceil\(20 \/ 5\) = 4/)],
          ['Gitscale-Trigger', 'redis value=20 target=5 active=true'],
        ],
      },
    ]);
    expect((await git(bare, 'log', '-1', '--format=%an <%ae>', 'main')).trim()).toBe('gitscale <gitscale@localhost>');
    // A second tick with the same metric writes nothing.
    const again = await gitscale(['once', '--config', config]);
    expect(again.code).toBe(0);
    expect(await log(bare)).toHaveLength(2);
  });

  it('one commit per repository per tick covering every changed object', async () => {
    const a = await fillList(10);
    const b = await fillList(30);
    const { bare, url } = await makeServedRepo(servers, { 'a.yaml': deployment('a', 1), 'b.yaml': deployment('b', 1) });
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url, author: { name: 'Scaler Bot', email: 'bot@example.com' } }],
      scaledObjects: [
        scaledObject({ name: 'a', path: 'a.yaml', triggers: [redisList(servers.REDIS_ADDRESS, a)] }),
        scaledObject({ name: 'b', path: 'b.yaml', triggers: [redisList(servers.REDIS_ADDRESS, b)] }),
      ],
    });
    const r = await gitscale(['once', '--config', config]);
    expect(r.code).toBe(0);
    expect(await log(bare)).toEqual(['scale 2 objects: default/a 1→2, default/b 1→4', 'initial']);
    expect((await git(bare, 'log', '-1', '--format=%an <%ae>', 'main')).trim()).toBe('Scaler Bot <bot@example.com>');
  });

  it('a broken object does not stop the good one: good committed, exit 1, error names object and file', async () => {
    const list = await fillList(20);
    const { bare, url } = await makeServedRepo(servers, { 'good.yaml': deployment('good', 0) });
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url }],
      scaledObjects: [
        scaledObject({ name: 'good', path: 'good.yaml', triggers: [redisList(servers.REDIS_ADDRESS, list)] }),
        scaledObject({ name: 'broken', path: 'missing/deploy.yaml', triggers: [redisList(servers.REDIS_ADDRESS, list)] }),
      ],
    });
    const r = await gitscale(['once', '--config', config]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/object failed.*default\/broken.*missing\/deploy\.yaml.*MANIFEST_FILE_NOT_FOUND/);
    expect(await show(bare, 'main', 'good.yaml')).toContain('replicas: 4');
  });

  it('an erroring trigger never scales to zero: exit 1, nothing written', async () => {
    const { bare, url } = await makeServedRepo(servers, { 'c.yaml': deployment('c', 3) });
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url }],
      scaledObjects: [scaledObject({ name: 'c', path: 'c.yaml', spec: { cooldownPeriod: 0 }, triggers: [redisList('127.0.0.1:1', 'x')] })],
    });
    const r = await gitscale(['once', '--config', config, '--output', 'json']);
    expect(r.code).toBe(1);
    const plan = JSON.parse(r.stdout);
    expect(plan.objects[0]).toMatchObject({ current: 3, desired: 3, route: 'none' });
    expect(plan.objects[0].triggers[0].error).toMatch(/trigger 'redis'/);
    expect(await log(bare)).toEqual(['initial']);
  });

  it('an unreachable remote is an error for its objects, exit 1', async () => {
    const config = await writeConfig({
      repositories: [{ name: 'gone', url: 'http://127.0.0.1:1/nothing.git' }],
      scaledObjects: [scaledObject({ name: 'c', repository: 'gone', path: 'c.yaml', triggers: [redisList(servers.REDIS_ADDRESS, 'x')] })],
    });
    const r = await gitscale(['once', '--config', config]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/GIT_UNREACHABLE|repository 'gone'/);
  });

  it('with a token: pushes, and the token appears in no output, commit or .git/config', async () => {
    const list = await fillList(7);
    const { bare, url } = await makeServedRepo(servers, { 'c.yaml': deployment('c', 0) }, { private: true });
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url, auth: { tokenFromEnv: 'MY_GIT_TOKEN' } }],
      scaledObjects: [scaledObject({ name: 'c', path: 'c.yaml', triggers: [redisList(servers.REDIS_ADDRESS, list)] })],
    });
    const dataDir = await tempDir('data');
    let out = '';
    const io: Io = {
      stdout: (s) => void (out += s),
      stderr: (s) => void (out += s),
      env: { MY_GIT_TOKEN: servers.GIT_TOKEN },
      waitForStop: () => new Promise(() => {}),
    };
    expect(await main(['once', '--config', config, '--data-dir', dataDir, '--log-format', 'json'], io)).toBe(0);
    expect(await show(bare, 'main', 'c.yaml')).toContain('replicas: 2');
    const everything =
      out +
      (await git(bare, 'log', '--format=%B', 'main')) +
      fs.readFileSync(join(dataDir, 'repos', 'manifests', '.git', 'config'), 'utf8');
    expect(everything).not.toContain(servers.GIT_TOKEN);
    // And without the token the error is clear and does not echo anything secret.
    const denied = await gitscale(['once', '--config', config], { MY_GIT_TOKEN: 'not-the-token' });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/GIT_AUTH|authentication failed/);
    expect(denied.stderr).not.toContain('not-the-token');
    // And an unset variable is a config problem, named before anything is tried.
    const unset = await gitscale(['validate', '--config', config], {});
    expect(unset.code).toBe(2);
    expect(unset.stdout).toMatch(
      /repository manifests: .*repositories\[0\]\.auth\.tokenFromEnv: environment variable MY_GIT_TOKEN is not set.*CONFIG_TOKEN_MISSING/,
    );
  });
});

describe('gitscale plan', () => {
  it('prints triggers, current, desired, route and the diff as JSON, and writes nothing', async () => {
    const list = await fillList(20);
    const { bare, url } = await makeServedRepo(servers, { 'c.yaml': deployment('c', 0) });
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url }],
      scaledObjects: [scaledObject({ name: 'c', path: 'c.yaml', triggers: [redisList(servers.REDIS_ADDRESS, list)] })],
    });
    const r = await gitscale(['plan', '--config', config, '--output', 'json']);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.objects).toHaveLength(1);
    expect(plan.objects[0]).toMatchObject({ namespace: 'default', name: 'c', current: 0, desired: 4, route: 'commit' });
    expect(plan.objects[0].triggers).toEqual([
      {
        type: 'redis',
        name: 'redis',
        source: `list '${list}' at ${servers.REDIS_ADDRESS}`,
        value: 20,
        target: 5,
        active: true,
        error: null,
      },
    ]);
    // The text form says what each trigger read, too.
    const text = await gitscale(['plan', '--config', config]);
    expect(text.stdout).toContain(`trigger redis — list '${list}' at ${servers.REDIS_ADDRESS}: value 20, target 5, active`);
    expect(plan.objects[0].diff).toContain('--- a/c.yaml\n+++ b/c.yaml\n');
    expect(plan.objects[0].diff).toContain('-  replicas: 0 # gitscale\n+  replicas: 4 # gitscale\n');
    expect(await log(bare)).toEqual(['initial']);
  });

  it('a cron trigger beside a redis list: the window (always open here) asks for desiredReplicas, the larger count wins', async () => {
    const list = await fillList(5);
    const { url } = await makeServedRepo(servers, { 'c.yaml': deployment('c', 2) });
    // Every minute starts it, and every minute ends it: the next end is never after the next start, so it is open.
    const open = {
      type: 'cron',
      name: 'office-hours',
      metadata: { timezone: 'Europe/Paris', start: '* * * * *', end: '*/1 * * * *', desiredReplicas: '3' },
    };
    const shut = {
      type: 'cron',
      name: 'never',
      metadata: { timezone: 'Etc/UTC', start: '* * * * *', end: '0 0 30 2 *', desiredReplicas: '9' },
    };
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url }],
      scaledObjects: [scaledObject({ name: 'c', path: 'c.yaml', triggers: [redisList(servers.REDIS_ADDRESS, list), open, shut] })],
    });
    const r = await gitscale(['plan', '--config', config, '--output', 'json']);
    expect(r.code).toBe(0);
    const [o] = JSON.parse(r.stdout).objects;
    expect(o).toMatchObject({ current: 2, desired: 3, route: 'commit' });
    expect(o.triggers.slice(1)).toEqual([
      {
        type: 'cron',
        name: 'office-hours',
        source: "window '* * * * *' → '*/1 * * * *' in Europe/Paris: 3 replicas",
        value: 3,
        target: 1,
        active: true,
        error: null,
      },
      {
        type: 'cron',
        name: 'never',
        source: "window '* * * * *' → '0 0 30 2 *' in Etc/UTC: 9 replicas",
        value: 0,
        target: 1,
        active: false,
        error: null,
      },
    ]);
  });

  it('text output names the route and the reason', async () => {
    const list = await fillList(20);
    const { url } = await makeServedRepo(servers, { 'c.yaml': deployment('c', 0) });
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url }],
      scaledObjects: [scaledObject({ name: 'c', path: 'c.yaml', triggers: [redisList(servers.REDIS_ADDRESS, list)] })],
    });
    const r = await gitscale(['plan', '--config', config]);
    expect(r.stdout).toContain('replicas 0 → 4   route: commit');
    expect(r.stdout).toContain('why: active: scale from 0 to 1; ceil(20 / 5) = 4 → 4');
  });
});

describe('review thresholds', () => {
  it('plan shows the pull-request route and the threshold; once writes nothing for it and commits the small change', async () => {
    const big = await fillList(200);
    const small = await fillList(6);
    const dir = await makeLocalRepo({ 'big.yaml': deployment('big', 3), 'small.yaml': deployment('small', 1) });
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url: dir, review: { aboveReplicas: 5 } }],
      scaledObjects: [
        scaledObject({ name: 'big', path: 'big.yaml', triggers: [redisList(servers.REDIS_ADDRESS, big)] }),
        scaledObject({ name: 'small', path: 'small.yaml', triggers: [redisList(servers.REDIS_ADDRESS, small)] }),
      ],
    });
    const plan = await gitscale(['plan', '--config', config]);
    expect(plan.stdout).toContain('replicas 3 → 6   route: pull-request (review-above-replicas 5: 6 > 5)');
    const r = await gitscale(['once', '--config', config, '--output', 'json']);
    expect(r.code).toBe(0);
    const [bigR, smallR] = JSON.parse(r.stdout).objects;
    expect(bigR).toMatchObject({ route: 'pull-request', routedBy: 'review-above-replicas 5: 6 > 5', commit: null });
    expect(smallR).toMatchObject({ route: 'commit', current: 1, desired: 2 });
    expect(r.stderr).toMatch(/waiting for review.*default\/big/);
    expect(await log(dir)).toEqual(['scale default/small 1→2 (redis: 6 items / 5)', 'initial']);
  });
});

describe('gitscale validate', () => {
  it('lists every problem (config and targets) with object, file and field; exit 2', async () => {
    const dir = await makeLocalRepo({ 'one.yaml': deployment('one', 1), 'two.yaml': deployment('other', 1) });
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url: dir }],
      scaledObjects: [
        scaledObject({ name: 'one', path: 'one.yaml', triggers: [redisList('r:1', 'l')] }),
        scaledObject({ name: 'two', path: 'two.yaml', triggers: [redisList('r:1', 'l')] }),
        scaledObject({ name: 'three', path: 'nope.yaml', triggers: [redisList('r:1', 'l')] }),
        scaledObject({ name: 'four', path: 'one.yaml', triggers: [{ type: 'kafkaa', metadata: {} }] }),
      ],
    });
    const r = await gitscale(['validate', '--config', config, '--output', 'json']);
    expect(r.code).toBe(2);
    const { problems } = JSON.parse(r.stdout);
    const byObject = Object.fromEntries(problems.map((p: { object: string; code: string }) => [p.object, p.code]));
    expect(byObject).toEqual({
      'default/two': 'TARGET_NOT_FOUND',
      'default/three': 'MANIFEST_FILE_NOT_FOUND',
      'default/four': 'UNKNOWN_TRIGGER_TYPE',
    });
    const four = problems.find((p: { object: string }) => p.object === 'default/four');
    expect(four).toMatchObject({ file: config, field: 'spec.triggers[0].type' });
  });

  it('says ok and exits 0 for a good config', async () => {
    const dir = await makeLocalRepo({ 'one.yaml': deployment('one', 1) });
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url: dir }],
      scaledObjects: [scaledObject({ name: 'one', path: 'one.yaml', triggers: [redisList('r:1', 'l')] })],
    });
    const r = await gitscale(['validate', '--config', config]);
    expect(r.stdout).toContain('ok: 1 object(s)');
    expect(r.code).toBe(0);
  });

  it('malformed YAML config: exit 2 naming the file', async () => {
    const file = join(await tempDir('cfg'), 'bad.yaml');
    fs.writeFileSync(file, 'repositories: [\n');
    const r = await gitscale(['validate', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(file);
    expect(r.stdout).toContain('CONFIG_YAML');
  });

  it('usage errors exit 2', async () => {
    expect((await gitscale(['frobnicate'])).code).toBe(2);
    expect((await gitscale(['once'])).code).toBe(2);
  });
});

describe('local repositories', () => {
  it('commits on the branch and updates the working tree; a file with uncommitted edits is refused and kept, the others proceed', async () => {
    const list = await fillList(12);
    const dir = await makeLocalRepo({ 'a.yaml': deployment('a', 0), 'b.yaml': deployment('b', 0) });
    fs.appendFileSync(join(dir, 'b.yaml'), '# my unfinished edit\n');
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url: dir }],
      scaledObjects: [
        scaledObject({ name: 'a', path: 'a.yaml', triggers: [redisList(servers.REDIS_ADDRESS, list)] }),
        scaledObject({ name: 'b', path: 'b.yaml', triggers: [redisList(servers.REDIS_ADDRESS, list)] }),
      ],
    });
    const r = await gitscale(['once', '--config', config]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/GIT_DIRTY_WORKTREE|uncommitted changes/);
    expect(fs.readFileSync(join(dir, 'b.yaml'), 'utf8')).toContain('# my unfinished edit');
    expect(r.stderr).toMatch(/object failed.*default\/b.*b\.yaml/);
    expect(fs.readFileSync(join(dir, 'b.yaml'), 'utf8')).toContain('replicas: 0');
    expect(fs.readFileSync(join(dir, 'a.yaml'), 'utf8')).toContain('replicas: 3');
    expect(await log(dir)).toEqual(['scale default/a 0→3 (redis: 12 items / 5)', 'initial']);
    // Once the person commits their edit, the next tick lands b too.
    await git(dir, 'commit', '-qam', 'my edit');
    const again = await gitscale(['once', '--config', config]);
    expect(again.code).toBe(0);
    expect(fs.readFileSync(join(dir, 'b.yaml'), 'utf8')).toContain('replicas: 3');
    expect((await git(dir, 'status', '--porcelain')).trim()).toBe('');
  });

  it('inserts replicas under spec when the manifest has none (Kubernetes default 1)', async () => {
    const list = await fillList(12);
    const dir = await makeLocalRepo({ 'a.yaml': deployment('a') });
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url: dir }],
      scaledObjects: [scaledObject({ name: 'a', path: 'a.yaml', triggers: [redisList(servers.REDIS_ADDRESS, list)] })],
    });
    expect((await gitscale(['once', '--config', config])).code).toBe(0);
    expect(fs.readFileSync(join(dir, 'a.yaml'), 'utf8')).toBe(deployment('a').replace('spec:\n', 'spec:\n  replicas: 3\n'));
  });
});

describe('gitscale run', () => {
  it('reconciles on its own schedule until the stop signal, then exits 0', async () => {
    const list = await fillList(10);
    const dir = await makeLocalRepo({ 'a.yaml': deployment('a', 0) });
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url: dir }],
      scaledObjects: [
        scaledObject({ name: 'a', path: 'a.yaml', spec: { pollingInterval: 1 }, triggers: [redisList(servers.REDIS_ADDRESS, list)] }),
      ],
    });
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    const running = gitscale(['run', '--config', config], {}, stopped);
    for (let i = 0; i < 50 && !fs.readFileSync(join(dir, 'a.yaml'), 'utf8').includes('replicas: 2'); i++)
      await new Promise((r) => setTimeout(r, 200));
    await redis.rpush(list, ...Array.from({ length: 20 }, () => 'x'));
    for (let i = 0; i < 50 && !fs.readFileSync(join(dir, 'a.yaml'), 'utf8').includes('replicas: 4'); i++)
      await new Promise((r) => setTimeout(r, 200));
    stop();
    const r = await running;
    expect(r.code).toBe(0);
    expect(await log(dir)).toEqual(['scale default/a 2→4 (redis: 30 items / 5)', 'scale default/a 0→2 (redis: 10 items / 5)', 'initial']);
    expect(r.stderr).toContain('stopped');
  });
});

describe('bad manifests', () => {
  it.each([
    { name: 'malformed YAML', file: 'kind: Deployment\nmetadata: {name: a\n', code: 'MANIFEST_YAML_INVALID' },
    { name: 'object name matching two documents', file: `${deployment('a', 1)}---\n${deployment('a', 2)}`, code: 'TARGET_AMBIGUOUS' },
    { name: 'replicas not an integer', file: deployment('a', 1).replace('replicas: 1', 'replicas: three'), code: 'REPLICAS_NOT_INTEGER' },
    { name: 'object not in the file', file: deployment('b', 1), code: 'TARGET_NOT_FOUND' },
  ])('$name: error naming object and file, nothing written, the other object proceeds', async ({ file, code }) => {
    const list = await fillList(20);
    const { bare, url } = await makeServedRepo(servers, { 'a.yaml': file, 'ok.yaml': deployment('ok', 0) });
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url }],
      scaledObjects: [
        scaledObject({ name: 'a', path: 'a.yaml', triggers: [redisList(servers.REDIS_ADDRESS, list)] }),
        scaledObject({ name: 'ok', path: 'ok.yaml', triggers: [redisList(servers.REDIS_ADDRESS, list)] }),
      ],
    });
    const r = await gitscale(['once', '--config', config, '--output', 'json']);
    expect(r.code).toBe(1);
    const [a, ok] = JSON.parse(r.stdout).objects;
    expect(a).toMatchObject({ name: 'a', file: 'a.yaml', errorCode: code, route: 'none' });
    expect(a.error).toMatch(/a\.yaml/);
    expect(ok).toMatchObject({ name: 'ok', current: 0, desired: 4, route: 'commit' });
    expect(await show(bare, 'main', 'a.yaml')).toBe(file);
    expect(await show(bare, 'main', 'ok.yaml')).toContain('replicas: 4');
  });
});
