import { describe, expect, it } from 'vitest';
import type { ObjectConfig } from '../../src/config/types.js';
import { dueObjects } from '../../src/reconciler/schedule.js';

const o = (key: string, pollingInterval: number) => ({ key, spec: { pollingInterval } }) as ObjectConfig;

describe('dueObjects', () => {
  it.each([
    { name: 'never run: due', last: undefined, now: 0, interval: 30, want: true },
    { name: 'interval not yet passed', last: 0, now: 29_999, interval: 30, want: false },
    { name: 'interval passed exactly', last: 0, now: 30_000, interval: 30, want: true },
    { name: 'short interval', last: 10_000, now: 11_000, interval: 1, want: true },
  ])('$name', ({ last, now, interval, want }) => {
    const lastRun = new Map(last === undefined ? [] : [['ns/a', last]]);
    expect(dueObjects([o('ns/a', interval)], lastRun, now)).toEqual(want ? ['ns/a'] : []);
  });

  it('each object at its own interval', () => {
    const lastRun = new Map([['ns/fast', 0], ['ns/slow', 0]]);
    expect(dueObjects([o('ns/fast', 5), o('ns/slow', 60)], lastRun, 10_000)).toEqual(['ns/fast']);
  });
});
