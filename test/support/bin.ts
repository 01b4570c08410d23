// The built command (dist/cli.js) in its own process, as a user runs it: piped, or on a terminal
// (util-linux `script` gives it a pseudo-terminal), with its exit code and both streams.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const CLI = join(import.meta.dirname, '../../dist/cli.js');

export interface Exited {
  code: number | null;
  stdout: string;
  stderr: string;
}

function collect(child: ChildProcess): Promise<Exited> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** `gitscale <args>` with stdout and stderr piped. */
export function gitscale(args: string[], env: Record<string, string | undefined> = {}): Promise<Exited> {
  return collect(
    spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

/** `gitscale <args>` on a pseudo-terminal: stdout and stderr arrive together in `stdout`. */
export function gitscaleOnTty(args: string[], env: Record<string, string | undefined> = {}): Promise<Exited> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, CLI, ...args].map(quote).join(' ');
  return collect(
    spawn('script', ['-qec', command, '/dev/null'], {
      env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, TERM: 'xterm', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

/**
 * A long-running `gitscale run`: its output so far, a wait for a line, and a way to stop it. It
 * serves on a port of the system's choosing unless `--listen` is given (tests run side by side).
 */
export function startRun(args: string[], env: Record<string, string | undefined> = {}) {
  const listen = args.includes('--listen') ? [] : ['--listen', '127.0.0.1:0'];
  const child = spawn(process.execPath, [CLI, 'run', ...args, ...listen], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = collect(child);
  let err = '';
  child.stderr?.on('data', (d) => (err += d));
  const lines = () =>
    err
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    child,
    lines,
    stderr: () => err,
    /** Resolves with the first JSON log line matching `pred` (within `ms`), or throws with what was logged. */
    async waitFor(pred: (l: Record<string, unknown>) => boolean, ms = 15_000): Promise<Record<string, unknown>> {
      for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
        const hit = lines().find(pred);
        if (hit) return hit;
      }
      throw new Error(`no matching log line within ${ms} ms; stderr:\n${err}`);
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<Exited> {
      child.kill(signal);
      return exited;
    },
    exited,
  };
}
