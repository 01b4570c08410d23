// freePort, which every test server's start relies on: below the ephemeral range (no outgoing
// connection can take it between the probe and the bind), never one that is listened on, never
// the same one twice in a process even when asked concurrently. And no server outlives its stop or
// the process that started it (groups.ts): what it started itself goes with it, also when that
// process is sent SIGTERM, SIGINT or SIGHUP or exits without stopping it.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../temp.js';
import { freePort, spawnUntil } from './spawn.js';

describe('freePort', () => {
  it('hands out distinct ports below the ephemeral range, concurrently', async () => {
    const ports = await Promise.all(Array.from({ length: 200 }, () => freePort()));
    expect(new Set(ports).size).toBe(200);
    for (const p of ports) {
      expect(p).toBeGreaterThanOrEqual(20_000);
      expect(p).toBeLessThan(32_768);
    }
  });

  it('never a port something listens on', async () => {
    const busy = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        const s = createServer();
        await new Promise<void>((resolve) => s.once('error', () => resolve()).listen(20_000 + i * 40, '127.0.0.1', () => resolve()));
        return s;
      }),
    );
    try {
      const taken = new Set(busy.filter((s) => s.listening).map((s) => (s.address() as { port: number }).port));
      const ports = await Promise.all(Array.from({ length: 100 }, () => freePort()));
      expect(ports.filter((p) => taken.has(p))).toEqual([]);
    } finally {
      await Promise.all(busy.map((s) => new Promise((r) => (s.listening ? s.close(r) : r(undefined)))));
    }
  });
});

/** The live (not zombie) processes of process group `pgid`, from /proc. */
function members(pgid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') found.push(Number(entry));
  }
  return found;
}

async function until(what: string, ok: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a server and what it starts', () => {
  it("stop takes the whole process group: a shell's background child goes with the shell", async () => {
    const running = await spawnUntil('sh', ['-c', 'sleep 300 & echo ready; wait'], /ready/);
    const pgid = running.child.pid!;
    await until('the shell and its sleep', () => members(pgid).length === 2);
    await running.stop();
    await until('nothing of the group left', () => members(pgid).length === 0);
  });

  // A process that starts servers (vitest's main process for the global setup, or a worker) and
  // ends without stopping them, in plain node on groups.ts itself: each way it can end.
  const fixture = `
const [groups, dir, how] = process.argv.slice(1);
const { spawnGroup, removeIfInterrupted } = await import(groups);
removeIfInterrupted(dir);
const stubborn = how === 'SIGTERM, the server ignoring it';
const { child } = spawnGroup('sh', ['-c', (stubborn ? 'trap "" TERM; ' : '') + 'sleep 300 & echo started; wait'], { stdio: ['ignore', 'pipe', 'inherit'] }, { graceMs: 500 });
child.stdout.once('data', () => console.log(child.pid));
process.on('SIGUSR2', () => process.exit(3)); // 'exit': process.exit while the server runs
`;
  const ends: [string, (p: ReturnType<typeof spawn>) => void, { code: number | null; signal: string | null }][] = [
    ['SIGTERM', (p) => p.kill('SIGTERM'), { code: null, signal: 'SIGTERM' }],
    ['SIGINT', (p) => p.kill('SIGINT'), { code: null, signal: 'SIGINT' }],
    ['SIGHUP', (p) => p.kill('SIGHUP'), { code: null, signal: 'SIGHUP' }],
    ['SIGTERM, the server ignoring it', (p) => p.kill('SIGTERM'), { code: null, signal: 'SIGTERM' }],
    ['exit', (p) => p.kill('SIGUSR2'), { code: 3, signal: null }],
    // No handler runs: the guardian sees its pipe close.
    ['SIGKILL', (p) => p.kill('SIGKILL'), { code: null, signal: 'SIGKILL' }],
  ];
  it.concurrent.for(ends)(
    'a process ended by %s stops its servers and removes their directory, and ends as it would have',
    async ([how, end, expected], { expect }) => {
      const dir = await tempDir('groups');
      const groups = new URL('./groups.ts', import.meta.url).pathname;
      const p = spawn(process.execPath, ['--input-type=module', '-e', fixture, groups, dir, how], { stdio: ['ignore', 'pipe', 'inherit'] });
      const [line] = (await once(p.stdout, 'data')) as [Buffer];
      const pgid = Number(line.toString().trim());
      expect(members(pgid).length).toBe(2);
      const exited = once(p, 'exit');
      end(p);
      const [code, signal] = await exited;
      expect({ code, signal }).toEqual(expected);
      await until('nothing of the group left', () => members(pgid).length === 0);
      await until('the directory removed', () => !existsSync(dir));
    },
  );
});
