// Helpers for test servers that run as child processes: a free port, and "wait for a log line".
import type { SpawnOptions } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { spawnGroup, type Running } from './groups.js';

export type { Running } from './groups.js';

/**
 * A port that was free a moment ago on 127.0.0.1, for a server that must be told its port. Taken
 * below Linux's ephemeral range (32768–60999), where no outgoing connection is given a source port,
 * so only another listener can take it before the server binds; never the same one twice in a
 * process. Falls back to one the kernel picks when that range is crowded.
 */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (handed.has(port)) continue;
    handed.add(port); // reserved before the check: concurrent calls never pick the same one
    if (await canListen(port)) return port;
  }
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  handed.add(port);
  return port;
}

const LOW = 20_000;
const HIGH = 32_000;
/** Ports handed out in this process (test support: one per worker or the global setup). */
const handed = new Set<number>();

function canListen(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export function requireBinary(path: string, hint: string): void {
  if (!existsSync(path)) throw new Error(`${path} not found: ${hint} (run scripts/test-env.sh as root)`);
}

/** A server's stop, and its clean-up when its start failed: stop what runs (SIGTERM), remove its directory. */
export async function stopAndRemove(running: Running | undefined, dir: string): Promise<void> {
  await running?.stop('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}

/** The same for a server made of several processes. */
export async function stopAllAndRemove(running: Running[], dir: string): Promise<void> {
  await Promise.all(running.map((r) => r.stop()));
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Spawns `cmd` (a process group of its own: test/support/servers/groups.ts) and resolves once `ready`
 * matches its stdout or stderr; rejects with the output's tail if it exits first or takes longer
 * than `timeoutMs`. `stop` asks it with SIGTERM (or `stopSignal`), SIGKILL after 5 s.
 */
export function spawnUntil(
  cmd: string,
  args: string[],
  ready: RegExp,
  opts: SpawnOptions & { stopSignal?: NodeJS.Signals } = {},
  timeoutMs = 20_000,
): Promise<Running> {
  return new Promise((resolve, reject) => {
    const { stopSignal, ...spawnOpts } = opts;
    const { child, stop } = spawnGroup(cmd, args, { ...spawnOpts, stdio: ['ignore', 'pipe', 'pipe'] }, { signal: stopSignal });
    let output = '';
    let done = false;
    const fail = (why: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      void stop('SIGKILL');
      reject(new Error(`${cmd} ${why}:\n${output.split('\n').slice(-15).join('\n')}`));
    };
    const timer = setTimeout(() => fail(`not ready after ${timeoutMs} ms`), timeoutMs);
    const onData = (chunk: Buffer): void => {
      if (done) return;
      output += chunk.toString();
      if (ready.test(output)) {
        done = true;
        clearTimeout(timer);
        resolve({ child, stop });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (e) => fail(`failed to start: ${e.message}`));
    child.once('exit', (code, signal) => fail(`exited early (code ${code}, signal ${signal})`));
  });
}
