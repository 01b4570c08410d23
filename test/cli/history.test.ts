// `gitscale history` in-process: a repository holding a real `gitscale once` commit, an older
// commit without Gitscale-Reason, pull requests merged three ways, and a person's merge, read
// locally (in place) and through the real git http-backend.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { parseSince, runHistory, type HistoryDeps, type HistoryEntry, type HistoryOptions } from '../../src/cli/history.js';
import { loadConfig } from '../../src/reconciler/sources/load.js';
import type { Config } from '../../src/config/types.js';
import { renderMessage } from '../../src/git/message.js';
import type { CommitEntry } from '../../src/git/types.js';
import { createLogger } from '../../src/log.js';
import { newList, runGitscale } from '../support/cli.js';
import { deployment, redisList, scaledObject, writeConfig } from '../support/config.js';
import { makeLocalRepo } from '../support/git.js';

const run = promisify(execFile);
const servers = inject('servers');
const MIN = 60_000;
const HOUR = 60 * MIN;
const NOW = Math.floor(Date.now() / 1000) * 1000;

async function gitAt(cwd: string, at: number, ...args: string[]): Promise<string> {
  const date = `@${Math.floor(at / 1000)} +0000`;
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'Human',
    GIT_AUTHOR_EMAIL: 'h@example.com',
    GIT_COMMITTER_NAME: 'Human',
    GIT_COMMITTER_EMAIL: 'h@example.com',
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
  };
  return (await run('git', args, { cwd, env })).stdout.trim();
}

const entry = (object: string, from: number, to: number, extra: [string, string][] = []): CommitEntry => ({
  object,
  file: `${object.split('/')[1]}.yaml`,
  field: 'spec.replicas',
  from,
  to,
  summary: `redis: ${to * 5} items / 5`,
  reason: `ceil(${to * 5} / 5) = ${to} → ${to}`,
  trailers: [['Gitscale-Trigger', `redis value=${to * 5} target=5 active=true`], ...extra],
});
const PR: [string, string][] = [['Gitscale-Route', 'pull-request']];

let dir: string;
const oid: Record<string, string> = {};
let config: Config;

/** Commits `message` at `at` touching one file, on the current branch. */
async function commit(name: string, at: number, message: string): Promise<void> {
  fs.writeFileSync(join(dir, `${name}.txt`), `${name} ${at}\n`);
  await gitAt(dir, at, 'add', '-A');
  await gitAt(dir, at, 'commit', '-q', '-m', message);
  oid[name] = await gitAt(dir, at, 'rev-parse', 'HEAD');
}

async function merge(name: string, at: number, branch: string, message: string): Promise<void> {
  await gitAt(dir, at, 'merge', '-q', '--no-ff', '-m', message, branch);
  oid[name] = await gitAt(dir, at, 'rev-parse', 'HEAD');
}

beforeAll(async () => {
  dir = await makeLocalRepo({ 'consumer.yaml': deployment('consumer', 0) });
  const old = renderMessage([entry('default/legacy', 1, 3)])
    .split('\n')
    .filter((l) => !l.startsWith('Gitscale-Reason:'))
    .join('\n');
  await commit('legacy', NOW - 5 * HOUR, old);
  await commit('human', NOW - 4 * HOUR, "docs: a person's commit");
  // A pull request merged with a merge commit (Gitea's message).
  await gitAt(dir, NOW, 'checkout', '-q', '-b', 'gitscale/default/web');
  await commit('webBranch', NOW - 3 * HOUR - MIN, renderMessage([entry('default/web', 2, 6, PR)]));
  await gitAt(dir, NOW, 'checkout', '-q', 'main');
  await merge(
    'webMerge',
    NOW - 3 * HOUR,
    'gitscale/default/web',
    "Merge pull request 'scale default/web 2→6 (redis: 30 items / 5)' (#7) from gitscale/default/web into main",
  );
  // A pull request squashed in (the forge lists the commit and adds its own paragraph).
  await commit(
    'apiSquash',
    NOW - 2 * HOUR,
    `scale default/api 1→2 (#8)\n\n* ${renderMessage([entry('default/api', 1, 2, PR)])}\nReviewed-on: https://forge/pulls/8\n`,
  );
  // A squash through Gitea's API keeps only the title.
  await commit('titleSquash', NOW - 110 * MIN, 'scale default/cron 3→1 (no activity for cooldownPeriod 300 s) (#9)');
  await commit('lookalike', NOW - 105 * MIN, 'scale default/cron 1→2 (by hand)');
  // A person merges a branch whose tip is a direct gitscale commit: not a pull request, not listed.
  await gitAt(dir, NOW, 'checkout', '-q', '-b', 'feature');
  await commit('featureTip', NOW - 100 * MIN, renderMessage([entry('default/side', 1, 9)]));
  await gitAt(dir, NOW, 'checkout', '-q', 'main');
  await merge('featureMerge', NOW - 90 * MIN, 'feature', "Merge branch 'feature'");
  // The real thing: gitscale once commits default/consumer 0→4 for 20 items / 5.
  const redis = new Redis(servers.REDIS_ADDRESS);
  const list = await newList(redis, 20);
  await redis.quit();
  const onceConfig = await writeConfig({
    repositories: [{ name: 'local', url: dir }],
    scaledObjects: [
      scaledObject({ name: 'consumer', repository: 'local', path: 'consumer.yaml', triggers: [redisList(servers.REDIS_ADDRESS, list)] }),
    ],
  });
  const once = await runGitscale(['once', '--config', onceConfig]);
  expect(once.code, once.stderr).toBe(0);
  oid.once = await gitAt(dir, NOW, 'rev-parse', 'HEAD');
  const name = `history-${Math.random().toString(36).slice(2, 10)}.git`;
  await run('git', ['clone', '-q', '--bare', dir, join(servers.GIT_ROOT, name)]);
  const file = await writeConfig({
    repositories: [
      { name: 'local', url: dir },
      { name: 'remote', url: `${servers.GIT_HTTP_URL}/${name}` },
      { name: 'gone', url: `${servers.GIT_HTTP_URL}/not-there.git` },
    ],
    scaledObjects: [
      scaledObject({ name: 'consumer', repository: 'local', path: 'consumer.yaml', triggers: [redisList(servers.REDIS_ADDRESS, list)] }),
    ],
  });
  config = (await loadConfig(file, { env: {}, fs })).config!;
});

async function history(opts: Partial<HistoryOptions>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const deps: HistoryDeps = {
    fs,
    now: () => NOW + HOUR,
    env: {},
    fetch: globalThis.fetch,
    stdout: (s) => void (out += s),
    stderr: (s) => void (err += s),
    log: createLogger({ format: 'text', level: 'warn', write: (l) => void (err += `${l}\n`), now: () => NOW }),
  };
  const code = await runHistory(config, { sinceMs: 7 * 24 * HOUR, output: 'json', ...opts }, deps);
  return { code, out, err };
}
const decisions = (out: string): HistoryEntry[] => JSON.parse(out).decisions;
const brief = (list: HistoryEntry[]) => list.map((d) => `${d.object} ${d.from}→${d.to} ${d.route}`);

describe('gitscale history', () => {
  it.each([
    {
      name: 'everything in 7 days, newest first',
      opts: {},
      want: [
        'default/consumer 0→4 commit',
        'default/cron 3→1 pull-request',
        'default/api 1→2 pull-request',
        'default/web 2→6 pull-request',
        'default/legacy 1→3 commit',
      ],
    },
    { name: '--since 150m stops before the merged pull request', opts: { sinceMs: 150 * MIN }, want: ['default/consumer 0→4 commit'] },
    {
      name: '--since 4h30m keeps the squashes and the merge',
      opts: { sinceMs: 4 * HOUR + 30 * MIN },
      want: [
        'default/consumer 0→4 commit',
        'default/cron 3→1 pull-request',
        'default/api 1→2 pull-request',
        'default/web 2→6 pull-request',
      ],
    },
    { name: '--object picks one object', opts: { object: 'default/web' }, want: ['default/web 2→6 pull-request'] },
    { name: '--object of an object with no decision', opts: { object: 'default/nothing' }, want: [] },
  ])('$name (local, read in place)', async ({ opts, want }) => {
    const r = await history({ repository: 'local', ...opts });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(brief(decisions(r.out))).toEqual(want);
  });

  it("reads each decision's time, commit, triggers and rule (an old commit's rule from its body)", async () => {
    const r = await history({ repository: 'local' });
    const [consumer, cron, api, web, legacy] = decisions(r.out);
    expect(cron).toMatchObject({ commit: oid.titleSquash, triggers: [], rule: null });
    expect(consumer).toMatchObject({
      repository: 'local',
      commit: oid.once,
      triggers: ['redis value=20 target=5 active=true'],
      rule: expect.stringMatching(/ceil\(20 \/ 5\) = 4/),
    });
    expect(Date.parse(consumer.time)).toBeGreaterThanOrEqual(NOW);
    expect(api).toEqual({
      time: new Date(NOW - 2 * HOUR).toISOString().replace('.000Z', 'Z'),
      repository: 'local',
      object: 'default/api',
      from: 1,
      to: 2,
      route: 'pull-request',
      commit: oid.apiSquash,
      triggers: ['redis value=10 target=5 active=true'],
      rule: 'ceil(10 / 5) = 2 → 2',
    });
    expect(web).toMatchObject({ commit: oid.webMerge, time: new Date(NOW - 3 * HOUR).toISOString().replace('.000Z', 'Z') });
    expect(legacy).toMatchObject({ commit: oid.legacy, rule: 'ceil(15 / 5) = 3 → 3' });
    expect(decisions(r.out).map((d) => d.commit)).not.toContain(oid.featureTip);
  });

  it('reads the same decisions from the remote through git http-backend', async () => {
    const [local, remote] = await Promise.all([history({ repository: 'local' }), history({ repository: 'remote' })]);
    expect(remote.code).toBe(0);
    expect(decisions(remote.out)).toEqual(decisions(local.out).map((d) => ({ ...d, repository: 'remote' })));
    const since = await history({ repository: 'remote', sinceMs: 4 * HOUR + 30 * MIN });
    expect(brief(decisions(since.out))).toEqual([
      'default/consumer 0→4 commit',
      'default/cron 3→1 pull-request',
      'default/api 1→2 pull-request',
      'default/web 2→6 pull-request',
    ]);
  });

  it('prints one aligned line per decision in text, with the repository when it lists several', async () => {
    const one = await history({ repository: 'local', output: 'text', sinceMs: 150 * MIN });
    expect(one.out).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ {2}default\/consumer {2}0 → 4 {6}commit {8}[0-9a-f]{12} {2}redis value=20 target=5 active=true {2}\(.*ceil\(20 \/ 5\) = 4.*\)$/,
    );
    const none = await history({ repository: 'local', output: 'text', object: 'default/nothing' });
    expect(none.out).toBe(`no decisions since ${new Date(NOW + HOUR - 7 * 24 * HOUR).toISOString()} for default/nothing`);
  });

  it('exits 1 when a repository cannot be read, printing the others and naming the failure', async () => {
    const r = await history({ output: 'json' });
    expect(r.code).toBe(1);
    const body = JSON.parse(r.out);
    expect(body.errors).toEqual([{ repository: 'gone', code: 'GIT_UNREACHABLE', message: expect.stringContaining("repository 'gone'") }]);
    expect(body.decisions.filter((d: HistoryEntry) => d.repository === 'remote')).toHaveLength(5);
    expect(body.decisions.filter((d: HistoryEntry) => d.repository === 'local')).toHaveLength(5);
    expect(r.err).toMatch(/reading history failed repository=gone/);
  });

  it('exits 2 on an unknown --repository, naming the ones there are', async () => {
    const r = await history({ repository: 'nope' });
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe("gitscale history: unknown repository 'nope': must be one of: local, remote, gone");
  });
});

describe('parseSince', () => {
  it.each([
    { name: 'seconds', input: '90s', want: 90_000 },
    { name: 'minutes', input: '30m', want: 30 * MIN },
    { name: 'hours', input: '12h', want: 12 * HOUR },
    { name: 'days (the default 7d)', input: '7d', want: 7 * 24 * HOUR },
    { name: 'weeks', input: '2w', want: 14 * 24 * HOUR },
    { name: 'units combined', input: '1h30m', want: 90 * MIN },
    { name: 'upper case and spaces around', input: ' 3D ', want: 3 * 24 * HOUR },
  ])('$name: $input', ({ input, want }) => {
    expect(parseSince(input)).toBe(want);
  });

  it.each([
    { name: 'empty', input: '', want: /not a duration: want a duration such as 30m, 12h, 7d or 2w/ },
    { name: 'a bare number', input: '7', want: /'7' is not a duration/ },
    { name: 'an unknown unit', input: '7y', want: /'7y' is not a duration.*units s, m, h, d, w/ },
    { name: 'negative', input: '-1d', want: /'-1d' is not a duration/ },
    { name: 'a fraction', input: '1.5h', want: /'1.5h' is not a duration/ },
    { name: 'zero', input: '0d', want: /must be longer than zero/ },
    { name: 'a date', input: '2026-11-01', want: /not a duration/ },
  ])('$name is refused: $input', ({ input, want }) => {
    expect(() => parseSince(input)).toThrow(want);
  });
});
