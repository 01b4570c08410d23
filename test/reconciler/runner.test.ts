// The run loop's scheduling with a controlled clock and a manual heartbeat. The reconciler here is
// a recording stand-in for our own code (no external system is replaced).
import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/types.js';
import { silentLogger } from '../../src/log.js';
import type { Reconciler } from '../../src/reconciler/runtime/reconciler.js';
import { hashPhase, startRunner } from '../../src/reconciler/runtime/runner.js';

const config = {
  file: '/c.yaml',
  triggerAuthentications: [],
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
    check: async () => ({ problems: [], warnings: [] }),
    unrunnable: () => new Map(),
    async discover() {
      return { objects: [], triggerAuthentications: [], problems: [] };
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
    expect(rec.calls).toEqual([
      { at: 0, keys: ['ns/a', 'ns/b'] },
      { at: 0, keys: ['ns/c'] },
    ]);
    rec.setNow(10_000);
    runner.beat(); // both repositories busy: nothing new starts
    expect(rec.calls).toHaveLength(2);
    rec.pending.splice(0).forEach((r) => r());
    await flush();
    runner.beat(); // free again: only the objects whose interval passed
    expect(rec.calls.slice(2)).toEqual([
      { at: 10_000, keys: ['ns/a'] },
      { at: 10_000, keys: ['ns/c'] },
    ]);
    rec.pending.splice(0).forEach((r) => r());
    await flush();
    rec.setNow(30_000);
    runner.beat();
    expect(rec.calls.slice(4)).toEqual([
      { at: 30_000, keys: ['ns/a', 'ns/b'] },
      { at: 30_000, keys: ['ns/c'] },
    ]);
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

  it('spreads repositories over the interval: each second tick comes its phase early, then each keeps its own cadence', async () => {
    const rec = recorder();
    const phases: Record<string, number> = { r1: 0, r2: 4_000 };
    const runner = startRunner(config, rec.reconciler, {
      clock: { now: rec.now },
      log: silentLogger,
      heartbeat: () => ({ stop() {} }),
      phase: (repo) => phases[repo],
    });
    const ticksAt = (keys: string) => rec.calls.filter((c) => c.keys.join() === keys).map((c) => c.at);
    for (let t = 1_000; t <= 30_000; t += 1_000) {
      rec.pending.splice(0).forEach((r) => r());
      await flush();
      rec.setNow(t);
      runner.beat();
    }
    expect(ticksAt('ns/c')).toEqual([0, 6_000, 16_000, 26_000]);
    expect(ticksAt('ns/a')).toEqual([10_000, 20_000]);
    expect(rec.calls[0]).toEqual({ at: 0, keys: ['ns/a', 'ns/b'] });
    rec.pending.splice(0).forEach((r) => r());
    await runner.stop();
  });

  it('wake: a deferred object is ticked at the next beat (once its repository is free), its cadence unchanged', async () => {
    const rec = recorder();
    const runner = startRunner(config, rec.reconciler, { clock: { now: rec.now }, log: silentLogger, heartbeat: () => ({ stop() {} }) });
    rec.pending.splice(0).forEach((r) => r());
    await flush();
    rec.setNow(4_000);
    runner.wake('ns/b');
    runner.beat();
    expect(rec.calls.slice(2)).toEqual([{ at: 4_000, keys: ['ns/b'] }]);
    rec.pending.splice(0).forEach((r) => r());
    await flush();
    rec.setNow(5_000);
    runner.beat(); // woken once: not again
    expect(rec.calls).toHaveLength(3);
    rec.setNow(10_000);
    runner.beat(); // a's cadence (10 s); b's 30 s cadence from t=0 is unmoved by the wake
    expect(rec.calls.slice(3)).toEqual([
      { at: 10_000, keys: ['ns/a'] },
      { at: 10_000, keys: ['ns/c'] },
    ]);
    rec.pending.splice(0).forEach((r) => r());
    await flush();
    rec.setNow(30_000);
    runner.beat();
    expect(rec.calls.slice(5)).toEqual([
      { at: 30_000, keys: ['ns/a', 'ns/b'] },
      { at: 30_000, keys: ['ns/c'] },
    ]);
    rec.pending.splice(0).forEach((r) => r());
    await runner.stop();
  });

  it('beats again at the next due time: a 1 s interval started mid-second polls every second, not every other one', async () => {
    const rec = recorder();
    const one = {
      ...config,
      repositories: [{ name: 'r1' }],
      objects: [{ key: 'ns/a', repository: 'r1', spec: { pollingInterval: 1 } }],
    } as unknown as Config;
    const timers: { at: number; fn: () => void }[] = [];
    const after = (ms: number, fn: () => void) => {
      const t = { at: rec.now() + ms, fn };
      timers.push(t);
      return () => void timers.splice(timers.indexOf(t), 1);
    };
    rec.setNow(500);
    // Without `after`: the heartbeat on whole seconds (late by 0–300 ms) finds the object 0.5 s short every other second.
    const runner = startRunner(one, rec.reconciler, {
      clock: { now: rec.now },
      log: silentLogger,
      heartbeat: () => ({ stop() {} }),
      after,
    });
    let seed = 7;
    const late = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 300;
    let slot = 1_000;
    let cron = slot + late();
    while (rec.now() < 60_000) {
      // A tick takes 150 ms; then the next event: a heartbeat turn or the armed timer, whichever is first.
      rec.setNow(rec.now() + 150);
      rec.pending.splice(0).forEach((r) => r());
      await flush();
      const timer = timers.reduce<{ at: number; fn: () => void } | undefined>((a, t) => (!a || t.at < a.at ? t : a), undefined);
      if (timer && timer.at <= cron) {
        timers.splice(timers.indexOf(timer), 1);
        rec.setNow(Math.max(rec.now(), timer.at));
        timer.fn();
      } else {
        rec.setNow(Math.max(rec.now(), cron));
        runner.beat();
        cron = (slot += 1_000) + late();
      }
    }
    const at = rec.calls.map((c) => c.at);
    const gaps = at.slice(1).map((t, i) => t - at[i]);
    expect(at.length).toBeGreaterThanOrEqual(59);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(1_000);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(980);
    await runner.stop();
    expect(timers).toEqual([]); // stop cancels the armed timer
  });

  it('hashPhase: stable per name, within the interval, different names spread', () => {
    const names = Array.from({ length: 100 }, (_, i) => `repo-${i}`);
    const phases = names.map((n) => hashPhase(n, 30_000));
    expect(hashPhase('repo-1', 30_000)).toBe(phases[1]);
    expect(phases.every((p) => p >= 0 && p < 30_000)).toBe(true);
    // Ten 3-second slots of the interval: every one holds some repositories.
    expect(new Set(phases.map((p) => Math.floor(p / 3_000))).size).toBe(10);
  });
});
