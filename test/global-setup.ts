// Starts every real server the tests use, once per run, and hands their addresses to the tests
// through vitest's provide/inject. A server that cannot start fails every test that asks for it,
// with its cause (test/setup/servers.ts); the others run. Nothing is skipped.
// The run gets a temp dir of its own (TMPDIR, inherited by the test workers and every process they
// start); whatever is left in it when the servers have stopped fails the run, listed by name.
// A run interrupted before its teardown (SIGTERM, Ctrl-C, SIGHUP) stops the servers and removes the
// temp dir all the same (support/servers/groups.ts).
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { removeIfInterrupted } from './support/servers/groups.js';
import { servers, type Started } from './support/servers/index.js';
import { MISSING_KEY } from './support/servers/missing.js';

declare module 'vitest' {
  export interface ProvidedContext {
    servers: Record<string, string>;
  }
}

/**
 * Points TMPDIR at a fresh directory; `release` restores TMPDIR, removes the directory and returns
 * what was left in it. A run interrupted before that (SIGTERM, Ctrl-C) removes it once its servers are gone.
 */
function privateTempDir(): { dir: string; release: () => string[] } {
  const before = process.env.TMPDIR;
  const dir = mkdtempSync(join(tmpdir(), 'gitscale-test-run-'));
  chmodSync(dir, 0o755); // the postgres server runs as its own user when the tests run as root
  process.env.TMPDIR = dir;
  const forget = removeIfInterrupted(dir);
  return {
    dir,
    release: () => {
      forget();
      if (before === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = before;
      const left = readdirSync(dir).sort();
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
      return left;
    },
  };
}

/**
 * Every server, or (for a quick local run of a few files) only those GITSCALE_TEST_SERVERS names,
 * comma-separated: `GITSCALE_TEST_SERVERS=git,ferretdb npx vitest run test/scalers/mongodb.test.ts`.
 * A test whose server is left out fails; `npm test` and CI never set it.
 */
function chosen(): [string, (typeof servers)[string]][] {
  const only = process.env.GITSCALE_TEST_SERVERS;
  if (only === undefined) return Object.entries(servers);
  const names = only
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(n in servers));
  if (unknown.length > 0)
    throw new Error(`GITSCALE_TEST_SERVERS names no such server: ${unknown.join(', ')} (known: ${Object.keys(servers).join(', ')})`);
  return Object.entries(servers).filter(([n]) => names.includes(n));
}

const START_ATTEMPTS = 3;

/** How servers say the port they were given is taken (Node, Go, Erlang, Java, OpenSSH, PostgreSQL …). */
const PORT_TAKEN =
  /EADDRINUSE|address already in use|eaddrinuse|already_used|Address in use|could not bind|bind.*in use|port .*(is )?(already )?(in use|taken)/i;

/** Starts every chosen server in a private temp dir; `stop` stops them and fails the run on leftovers. */
async function startAll(): Promise<{ env: Record<string, string>; stop: () => Promise<void> }> {
  const temp = privateTempDir();
  const started: Started[] = [];
  const env: Record<string, string> = {};
  const picked = chosen();
  const settled = await Promise.allSettled(
    picked.map(async ([name, start]) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await start();
        } catch (e) {
          // A port can be taken between the probe and the server's bind: start again on fresh ports.
          const message = (e as Error).message;
          if (attempt < START_ATTEMPTS && PORT_TAKEN.test(message)) continue;
          throw new Error(`test server '${name}' failed to start${attempt > 1 ? ` (attempt ${attempt})` : ''}: ${message}`);
        }
      }
    }),
  );
  for (const s of settled) {
    if (s.status === 'fulfilled') {
      started.push(s.value);
      Object.assign(env, s.value.env);
    }
  }
  // Servers that did not start, or were left out by GITSCALE_TEST_SERVERS: each test asking for one fails naming why.
  const missing: Record<string, string> = {};
  settled.forEach((s, i) => {
    if (s.status === 'rejected') missing[picked[i][0]] = (s.reason as Error).message;
  });
  for (const name of Object.keys(servers).filter((n) => !picked.some(([c]) => c === n)))
    missing[name] = `test server '${name}' was not started (GITSCALE_TEST_SERVERS=${process.env.GITSCALE_TEST_SERVERS})`;
  const failed = Object.entries(missing).filter(([n]) => picked.some(([c]) => c === n));
  if (failed.length)
    console.error(
      `\n${failed.map(([, m]) => m).join('\n')}\nevery test that asks for ${failed.length === 1 ? 'it' : 'them'} fails; the others run\n`,
    );
  if (Object.keys(missing).length) env[MISSING_KEY] = JSON.stringify(missing);
  return {
    env,
    stop: async () => {
      await Promise.allSettled(started.map((s) => s.stop()));
      const left = temp.release();
      if (left.length > 0) {
        // vitest logs an error thrown here but still exits 0, so fail through the exit code.
        console.error(
          `\nThe tests left ${left.length} ${left.length === 1 ? 'entry' : 'entries'} in the temp dir (${temp.dir}, now removed); each test must remove what it makes (tempDir in test/support/temp.ts does):\n  ${left.join('\n  ')}\n`,
        );
        process.exitCode = 1;
      }
    },
  };
}

/**
 * The integration and chaos projects both name this file; vitest calls it once per project in the
 * same process. The servers start once and stop after the last project using them is done.
 */
interface Shared {
  users: number;
  started: ReturnType<typeof startAll>;
}
const SHARED = Symbol.for('gitscale.test.servers');
const slot = globalThis as { [SHARED]?: Shared };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const shared = (slot[SHARED] ??= { users: 0, started: startAll() });
  shared.users += 1;
  let env: Record<string, string>;
  try {
    ({ env } = await shared.started);
  } catch (e) {
    if (--shared.users === 0) delete slot[SHARED];
    throw e;
  }
  project.provide('servers', env);
  return async () => {
    if (--shared.users > 0) return;
    delete slot[SHARED];
    await (await shared.started).stop();
  };
}
