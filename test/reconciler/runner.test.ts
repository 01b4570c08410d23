// The run loop's scheduling with a controlled clock and a manual heartbeat. The reconciler here is
// a recording stand-in for our own code (no external system is replaced).
import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/types.js';
import { silentLogger } from '../../src/log.js';
import type { Reconciler } from '../../src/reconciler/reconciler.js';
import { startRunner } from '../../src/reconciler/runner.js';

const config = {
  file: '/c.yaml', triggerAuthentications: [],
  repositories: [{ name: 'r1' }, { name: 'r2' }],
  objects: [
    { key: 'ns/a', repository: 'r1', spec: { pollingInterval: 10 } },
    { key: 'ns/b', repository: 'r1', spec: { pollingInterval: 30 } },
    { key: 'ns/c', repository: 'r2', spec: { pollingInterval: 10 } },
  ],
} as unknown as Config;

function recorder() {
  const calls: { at: number; keys: string[] }[] = [];
  const active = new Map<string, number>();
  let maxPerRepo = 0;
  const pending: (() => void)[] = [];
  let now = 0;
  const reconciler: Reconciler = {
    standby() {},
    async discover() {
      return { objects: [], problems: [] };
    },
    async tick(keys = []) {
      const repo = keys[0] === 'ns/c' ? 'r2' : 'r1';
      active.set(repo, (active.get(repo) ?? 0) + 1);
      maxPerRepo = Math.max(maxPerRepo, active.get(repo)!);
      calls.push({ at: now, keys });
      await new Promise<void>((r) => pending.push(r));
      active.set(repo, active.get(repo)! - 1);
      return [];
    },
    async reload() {
      return { added: [], removed: [], changed: [], repositories: [], triggerAuthentications: false };
    },
    async close() {},
  };
  return { reconciler, calls, pending, max: () => maxPerRepo, setNow: (n: number) => (now = n), now: () => now };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('runner', () => {
  it('dispatches each object at its own interval and never overlaps ticks of one repository', async () => {
    const rec = recorder();
    const runner = startRunner(config, rec.reconciler, { clock: { now: rec.now }, log: silentLogger, heartbeat: () => ({ stop() {} }) });
    expect(rec.calls).toEqual([{ at: 0, keys: ['ns/a', 'ns/b'] }, { at: 0, keys: ['ns/c'] }]);
    rec.setNow(10_000);
    runner.beat(); // both repositories busy: nothing new starts
    expect(rec.calls).toHaveLength(2);
    rec.pending.splice(0).forEach((r) => r());
    await flush();
    runner.beat(); // free again: only the objects whose interval passed
    expect(rec.calls.slice(2)).toEqual([{ at: 10_000, keys: ['ns/a'] }, { at: 10_000, keys: ['ns/c'] }]);
    rec.pending.splice(0).forEach((r) => r());
    await flush();
    rec.setNow(30_000);
    runner.beat();
    expect(rec.calls.slice(4)).toEqual([{ at: 30_000, keys: ['ns/a', 'ns/b'] }, { at: 30_000, keys: ['ns/c'] }]);
    expect(rec.max()).toBe(1);
    const stopping = runner.stop();
    let stopped = false;
    void stopping.then(() => (stopped = true));
    await flush();
    expect(stopped).toBe(false); // waits for the ticks in flight
    rec.pending.splice(0).forEach((r) => r());
    await stopping;
    runner.beat();
    expect(rec.calls).toHaveLength(6); // no tick after stop
  });
});
