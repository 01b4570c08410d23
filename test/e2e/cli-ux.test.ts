// The command line as a user meets it, through the built dist/cli.js: --version, each command's own
// help, one-line usage errors, --detailed-exitcode, colour only on a terminal, results once on
// stdout, a data dir that is a file.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { gitscale, gitscaleOnTty } from '../support/bin.js';
import { newList } from '../support/cli.js';
import { deployment, redisList, scaledObject, writeConfig } from '../support/config.js';
import { makeLocalRepo } from '../support/git.js';
import { tempDir } from '../support/temp.js';

const servers = inject('servers');
const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };
const ESC = '\x1b[';

let redis: Redis;
beforeAll(() => void (redis = new Redis(servers.REDIS_ADDRESS)));
afterAll(async () => void (await redis.quit()));

/** A local repo holding `a` at `replicas`, scaled on a Redis list of `items` (listLength 5). */
async function setup(replicas: number, items: number): Promise<{ config: string; dataDir: string }> {
  const dir = await makeLocalRepo({ 'a.yaml': deployment('a', replicas) });
  const list = await newList(redis, items);
  const config = await writeConfig({
    repositories: [{ name: 'manifests', url: dir }],
    scaledObjects: [scaledObject({ name: 'a', path: 'a.yaml', triggers: [redisList(servers.REDIS_ADDRESS, list)] })],
  });
  return { config, dataDir: await tempDir('data') };
}

describe('gitscale (built) — help and usage', () => {
  it('--version prints the package version', async () => {
    const r = await gitscale(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^gitscale ${pkg.version.replace(/\./g, '\\.')} \\(node v24\\.`));
  });

  it.each([
    { name: 'plan', args: ['plan', '--help'], alt: ['help', 'plan'], has: ['--detailed-exitcode', 'Example:', 'gitscale plan -c'] },
    { name: 'history', args: ['history', '-h'], alt: ['help', 'history'], has: ['--since <duration>', '--object <ns/name>', 'Example:'] },
    { name: 'run', args: ['run', '--help'], alt: ['help', 'run'], has: ['SIGHUP', '--trigger-timeout'] },
  ])("$name: '<command> --help' and 'help <command>' print that command's usage", async ({ args, alt, has }) => {
    const [a, b, global] = await Promise.all([gitscale(args), gitscale(alt), gitscale(['--help'])]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(a.stdout).toBe(b.stdout);
    for (const s of has) expect(a.stdout).toContain(s);
    expect(a.stdout).not.toBe(global.stdout);
    expect(global.stdout).toContain('Commands:');
  });

  it.each([
    {
      name: 'unknown flag',
      args: ['plan', '-c', 'x.yaml', '--nope'],
      first: "gitscale: unknown option '--nope'",
      see: "see 'gitscale plan --help'",
    },
    {
      name: 'missing config',
      args: ['validate'],
      first: 'gitscale: gitscale validate needs --config <file> (-c)',
      see: "see 'gitscale validate --help'",
    },
    {
      name: 'unknown command',
      args: ['frob'],
      first: "gitscale: unknown command 'frob': must be one of: run, once, plan, validate, history, demo, help, version",
      see: "see 'gitscale --help'",
    },
    {
      name: 'a flag of another command',
      args: ['once', '-c', 'x.yaml', '--detailed-exitcode'],
      first: 'gitscale: gitscale once does not take --detailed-exitcode',
      see: "see 'gitscale once --help'",
    },
  ])('usage error ($name): one line and where to look, exit 2', async ({ args, first, see }) => {
    const r = await gitscale(args);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toEqual([first, see]);
    expect(r.stdout).toBe('');
  });

  it('--data-dir naming a file is a usage error, not a stack trace', async () => {
    const { config } = await setup(1, 5);
    const file = join(await tempDir('file'), 'not-a-dir');
    writeFileSync(file, 'x');
    const r = await gitscale(['once', '-c', config, '--data-dir', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`gitscale: --data-dir ${file}: is a file`);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });
});

describe('gitscale plan (built) — exit codes and output', () => {
  it.each([
    { name: 'changes would be written', replicas: 0, items: 20, plain: 0, detailed: 3 },
    { name: 'nothing would change', replicas: 4, items: 20, plain: 0, detailed: 0 },
  ])('--detailed-exitcode: $name → $detailed', async ({ replicas, items, plain, detailed }) => {
    const { config, dataDir } = await setup(replicas, items);
    const [a, b] = await Promise.all([
      gitscale(['plan', '-c', config, '--data-dir', dataDir]),
      gitscale(['plan', '-c', config, '--data-dir', dataDir, '--detailed-exitcode']),
    ]);
    expect([a.code, b.code]).toEqual([plain, detailed]);
    expect(b.stdout).toContain(`replicas ${replicas} → 4`);
  });

  it('--detailed-exitcode: an object that fails → 1, a bad config → 2', async () => {
    const dir = await makeLocalRepo({ 'a.yaml': deployment('a', 0) });
    const failing = await writeConfig({
      repositories: [{ name: 'manifests', url: dir }],
      scaledObjects: [scaledObject({ name: 'a', path: 'missing.yaml', triggers: [redisList(servers.REDIS_ADDRESS, 'x')] })],
    });
    const bad = await writeConfig({
      repositories: [{ name: 'manifests', url: dir }],
      scaledObjects: [scaledObject({ name: 'a', path: 'a.yaml', triggers: [{ type: 'nope', metadata: {} }] })],
    });
    const dataDir = await tempDir('data');
    const [f, b] = await Promise.all([
      gitscale(['plan', '-c', failing, '--data-dir', dataDir, '--detailed-exitcode']),
      gitscale(['plan', '-c', bad, '--data-dir', dataDir, '--detailed-exitcode']),
    ]);
    expect(f.code).toBe(1);
    expect(b.code).toBe(2);
  });

  it('decisions go to stdout once; stderr stays quiet unless --log-level info asks for the log', async () => {
    const { config, dataDir } = await setup(0, 20);
    const quiet = await gitscale(['plan', '-c', config, '--data-dir', dataDir]);
    expect(quiet.stdout.match(/replicas 0 → 4/g)).toHaveLength(1);
    expect(quiet.stderr).toBe('');
    const loud = await gitscale(['plan', '-c', config, '--data-dir', dataDir, '--log-level', 'info', '--log-format', 'json']);
    expect(
      loud.stderr
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l).msg),
    ).toContain('decision');
  });

  it('colour on a terminal only: none when piped or with NO_COLOR', async () => {
    const { config, dataDir } = await setup(0, 20);
    const [tty, noColor, piped] = await Promise.all([
      gitscaleOnTty(['plan', '-c', config, '--data-dir', dataDir]),
      gitscaleOnTty(['plan', '-c', config, '--data-dir', dataDir], { NO_COLOR: '1' }),
      gitscale(['plan', '-c', config, '--data-dir', dataDir]),
    ]);
    expect(tty.stdout).toContain(`${ESC}32m+  replicas: 4`);
    expect(tty.stdout).toContain(`${ESC}31m-  replicas: 0`);
    for (const r of [noColor, piped]) {
      expect(r.stdout).toContain('replicas 0 → 4');
      expect(r.stdout).not.toContain(ESC);
    }
  });
});
