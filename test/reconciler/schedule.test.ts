import { describe, expect, it } from 'vitest';
import type { ObjectConfig } from '../../src/config/types.js';
import { anchor, dueObjects } from '../../src/reconciler/runtime/schedule.js';

const o = (key: string, pollingInterval: number) => ({ key, spec: { pollingInterval } }) as ObjectConfig;

describe('dueObjects', () => {
  it.each([
    { name: 'never run: due', last: undefined, now: 0, interval: 30, want: true },
    { name: 'interval not yet passed', last: 0, now: 29_900, interval: 30, want: false },
    { name: 'interval passed exactly', last: 0, now: 30_000, interval: 30, want: true },
    { name: 'short interval', last: 10_000, now: 11_000, interval: 1, want: true },
    { name: 'a timer firing a few ms before its time (a monotonic clock): due', last: 0, now: 29_985, interval: 30, want: true },
  ])('$name', ({ last, now, interval, want }) => {
    const lastRun = new Map(last === undefined ? [] : [['ns/a', last]]);
    expect(dueObjects([o('ns/a', interval)], lastRun, now)).toEqual(want ? ['ns/a'] : []);
  });

  it('each object at its own interval', () => {
    const lastRun = new Map([
      ['ns/fast', 0],
      ['ns/slow', 0],
    ]);
    expect(dueObjects([o('ns/fast', 5), o('ns/slow', 60)], lastRun, 10_000)).toEqual(['ns/fast']);
  });
});

describe('anchor', () => {
  it.each([
    { name: 'first run: now', last: undefined, now: 5_300, want: 5_300 },
    { name: 'first run with a phase: that much early', last: undefined, now: 5_300, phase: 4_000, want: 1_300 },
    { name: 'a phase past the interval: just under a whole interval early', last: undefined, now: 50_000, phase: 45_000, want: 20_001 },
    { name: 'a later run ignores the phase', last: 0, now: 30_700, phase: 4_000, want: 30_000 },
    {
      name: 'dispatched 700 ms after its due time: the due time, so the next poll is not 700 ms late too',
      last: 0,
      now: 30_700,
      want: 30_000,
    },
    { name: 'dispatched on time: the due time', last: 0, now: 30_000, want: 30_000 },
    { name: 'overdue by a whole interval (a busy repository): now, no burst of catch-up polls', last: 0, now: 65_000, want: 65_000 },
    { name: 'dispatched early (a reloaded object): now', last: 0, now: 10_000, want: 10_000 },
    { name: 'dispatched a few ms before its due time: the due time', last: 0, now: 29_990, want: 30_000 },
  ])('$name', ({ last, now, want, phase }: { last: number | undefined; now: number; want: number; phase?: number }) => {
    expect(anchor(last, 30_000, now, phase)).toBe(want);
  });

  it('keeps a 30 s cadence on average on a heartbeat that runs slow (1003 ms a beat), never more than one beat late', () => {
    let last: number | undefined;
    const polls: number[] = [];
    for (let beat = 400; beat < 3_000_000; beat += 1003) {
      if (last === undefined || beat - last >= 30_000) {
        polls.push(beat);
        last = anchor(last, 30_000, beat);
      }
    }
    const gaps = polls.slice(1).map((p, i) => p - polls[i]);
    const mean = (polls[polls.length - 1] - polls[0]) / gaps.length;
    // Dispatch time as the last run would drift by 30 beats × 3 ms every poll (30,090 ms).
    expect(Math.abs(mean - 30_000)).toBeLessThan(15);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(30_000 + 1003);
  });
});
