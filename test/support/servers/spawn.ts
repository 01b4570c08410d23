// Helpers for test servers that run as child processes: a free port, and "wait for a log line".
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function requireBinary(path: string, hint: string): void {
  if (!existsSync(path)) throw new Error(`${path} not found: ${hint} (run scripts/test-env.sh as root)`);
}

export interface Running {
  child: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
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
 * Spawns `cmd` and resolves once `ready` matches its stdout or stderr; rejects with the output's tail
 * if it exits first or takes longer than `timeoutMs`.
 */
export function spawnUntil(cmd: string, args: string[], ready: RegExp, opts: SpawnOptions = {}, timeoutMs = 20_000): Promise<Running> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let done = false;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(t);
      }
    };
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
