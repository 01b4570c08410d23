// Test servers as process groups, so that no server outlives the process that started it.
// Each server leads a process group of its own (`detached`: setsid), so what it starts (the Erlang
// VM under rabbitmq-server's shell, postgres's backends, a controller's helpers) goes with it; and
// a process that ends without stopping its servers (vitest killed with SIGTERM, Ctrl-C, SIGHUP,
// process.exit, a crash) stops them all the same. Without this they were reparented to init and
// held their ports, CPU and memory for every later run.
// Only node: imports (and erasable TypeScript), so a test can run this file under plain `node`.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface Running {
  child: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** How a server is asked to stop (postgres: SIGINT, its fast shutdown), and how long it is given before SIGKILL. */
export interface StopOptions {
  signal?: NodeJS.Signals;
  graceMs?: number;
}

interface Group {
  signal: NodeJS.Signals;
  graceMs: number;
}

/**
 * One registry and one set of handlers per process, on globalThis: vitest loads the global setup
 * once per project, each time as a module of its own.
 */
interface Registry {
  groups: Map<number, Group>;
  dirs: Set<string>;
  watching: boolean;
  /** Tells the guardian (see `guardian`) what runs and what to remove. */
  tell?: (msg: Record<string, unknown>) => void;
}
const KEY = Symbol.for('gitscale.test.process-groups');
const registry: Registry = ((globalThis as { [KEY]?: Registry })[KEY] ??= { groups: new Map(), dirs: new Set(), watching: false });

/**
 * Spawns `cmd` as the leader of a process group of its own. `stop` is systemd's KillMode=mixed:
 * the stop signal to the server itself (as before: it shuts down its own children in order), SIGKILL
 * to it after `graceMs`; and once it has exited, SIGKILL to whatever of its group is left. The group
 * is killed when the server exits for any reason, never later: its id may be reused once it is empty.
 */
export function spawnGroup(
  cmd: string,
  args: string[],
  opts: SpawnOptions = {},
  { signal = 'SIGTERM', graceMs = 5_000 }: StopOptions = {},
): Running {
  const child = spawn(cmd, args, { ...opts, detached: true });
  const pid = child.pid;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  if (pid !== undefined) {
    watch();
    registry.groups.set(pid, { signal, graceMs });
    registry.tell?.({ add: pid, signal, graceMs });
    child.once('exit', () => {
      registry.groups.delete(pid);
      registry.tell?.({ del: pid });
      killGroup(pid, 'SIGKILL');
    });
  }
  return {
    child,
    stop: async (stopSignal = signal) => {
      if (child.exitCode !== null || child.signalCode !== null || pid === undefined) return;
      child.kill(stopSignal);
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(t);
    },
  };
}

/** `dir` is removed, after the servers are gone, if this process ends without stopping them; the returned function forgets it. */
export function removeIfInterrupted(dir: string): () => void {
  watch();
  registry.dirs.add(dir);
  registry.tell?.({ dir });
  return () => {
    registry.dirs.delete(dir);
    registry.tell?.({ undir: dir });
  };
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: nothing of the group is left.
  }
}

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

/**
 * On SIGTERM, SIGINT and SIGHUP, and on 'exit' (process.exit, vitest's own SIGINT/SIGTERM handler,
 * an uncaught error), stops every server still running. After a signal the process then ends as
 * that signal would have ended it, unless something else (vitest's handler exits 1 ms later, with
 * 128 + the signal's number) ends it first.
 */
function watch(): void {
  if (registry.watching) return;
  registry.watching = true;
  for (const signal of SIGNALS) {
    const onSignal = (): void => {
      stopLeftovers();
      setTimeout(() => {
        process.off(signal, onSignal);
        process.kill(process.pid, signal);
      }, 50);
    };
    process.on(signal, onSignal);
  }
  process.on('exit', stopLeftovers);
  registry.tell = guardian();
}

/**
 * A process that outlives this one to cover what no handler can: SIGKILL (the OOM killer, `kill -9`).
 * It learns each server group and directory over its stdin and, when that pipe closes (this process
 * ended, however), stops what is still registered as the reaper does. A normal teardown has
 * unregistered everything by then, and the signal handlers clear it before handing over to the reaper.
 */
function guardian(): (msg: Record<string, unknown>) => void {
  const g = spawn(process.execPath, ['-e', `${REAP}\n${GUARDIAN}`], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
    cwd: '/',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
  g.unref();
  const stdin = g.stdin;
  (stdin as unknown as { unref(): void }).unref();
  stdin.on('error', () => {});
  return (msg) => void stdin.write(`${JSON.stringify(msg)}\n`);
}

/**
 * Sends each running server its stop signal now (synchronously: this may be the 'exit' event, which
 * cannot wait), and hands the rest to a detached reaper that outlives this process: SIGKILL to each
 * group once its leader is gone or its grace is over, then the directories removed.
 */
function stopLeftovers(): void {
  const groups = [...registry.groups];
  const dirs = [...registry.dirs];
  registry.groups.clear();
  registry.dirs.clear();
  registry.tell?.({ clear: true });
  if (groups.length === 0 && dirs.length === 0) return;
  for (const [pid, { signal }] of groups) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
  const job = { groups: groups.map(([pid, { graceMs }]) => ({ pid, deadline: Date.now() + graceMs })), dirs };
  spawn(process.execPath, ['-e', `${REAP}\nreap(JSON.parse(process.argv[1]));`, JSON.stringify(job)], {
    detached: true,
    stdio: 'ignore',
    cwd: '/',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  }).unref();
}

/** The reaper (plain JavaScript for `node -e`); a leader that has exited is no longer found once init has reaped it. */
const REAP = `
const { rmSync } = require('node:fs');
const reap = ({ groups, dirs }) => {
  const found = (pid) => { try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
  const giveUp = Date.now() + 60_000;
  let waiting = groups;
  let killed = [];
  const tick = () => {
    waiting = waiting.filter(({ pid, deadline }) => {
      if (found(pid) && Date.now() < deadline) return true;
      try { process.kill(-pid, 'SIGKILL'); } catch {}
      killed.push(pid);
      return false;
    });
    killed = killed.filter((pid) => found(-pid));
    if ((waiting.length > 0 || killed.length > 0) && Date.now() < giveUp) return void setTimeout(tick, 100);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  };
  tick();
};
`;

/** The guardian (plain JavaScript for `node -e`, after REAP): what its stdin registers, stopped once the pipe closes. */
const GUARDIAN = `
const groups = new Map();
const dirs = new Set();
let buf = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  buf += d;
  for (let i = buf.indexOf('\\n'); i >= 0; i = buf.indexOf('\\n')) {
    const m = JSON.parse(buf.slice(0, i));
    buf = buf.slice(i + 1);
    if (m.add) groups.set(m.add, m);
    if (m.del) groups.delete(m.del);
    if (m.dir) dirs.add(m.dir);
    if (m.undir) dirs.delete(m.undir);
    if (m.clear) { groups.clear(); dirs.clear(); }
  }
});
process.stdin.on('end', () => {
  if (groups.size === 0 && dirs.size === 0) return;
  for (const [pid, g] of groups) { try { process.kill(pid, g.signal); } catch {} }
  reap({ groups: [...groups].map(([pid, g]) => ({ pid, deadline: Date.now() + g.graceMs })), dirs: [...dirs] });
});
`;
