// The cron expressions of KEDA's cron trigger, checked against robfig/cron v3.0.1 itself: every
// row of robfig-next.json is what the Go library answered (scripts/golden/robfig-cron) for Next()
// over expressions × IANA zones × instants, DST changes included, and which expressions it refused.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isTimeZone, nextAfter, parseCron } from '../../../src/scalers/cron/schedule.js';

interface Row {
  spec: string;
  zone?: string;
  now?: number;
  next?: number | null;
  error?: string;
}

const rows = JSON.parse(readFileSync(join(import.meta.dirname, 'robfig-next.json'), 'utf8')) as Row[];
const iso = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString());

describe('cron expressions, against robfig/cron v3.0.1', () => {
  it('the table covers DST changes, refusals and never-firing expressions', () => {
    expect(rows.length).toBeGreaterThan(3000);
    expect(rows.filter((r) => r.error).length).toBeGreaterThan(10);
    expect(rows.filter((r) => !r.error && r.next === null).length).toBeGreaterThan(0); // 0 0 30 2 *
  });

  it('refuses what robfig refuses, accepts what it accepts', () => {
    const specs = new Map(rows.map((r) => [r.spec, !r.error]));
    const ours = [...specs.keys()].map((s) => [s, parseCron(s).ok]);
    expect(Object.fromEntries(ours)).toEqual(Object.fromEntries(specs));
  });

  it('Next() agrees on every row (expression × zone × instant)', () => {
    const wrong: string[] = [];
    for (const r of rows.filter((x) => !x.error)) {
      const parsed = parseCron(r.spec);
      if (!parsed.ok) throw new Error(`${r.spec}: ${parsed.message}`);
      const got = nextAfter(parsed.schedule, r.now!, r.zone!);
      if (got !== r.next) wrong.push(`${r.spec} in ${r.zone} after ${iso(r.now)}: robfig ${iso(r.next)}, ours ${iso(got)}`);
    }
    expect(wrong.slice(0, 10)).toEqual([]);
  });

  it.each([
    ['60 * * * *', /minute field '60': 60 is above the maximum \(59\)/],
    ['0 0 * * 7', /day of week field '7': 7 is above the maximum \(6\)/],
    ['-30 * * * *', /negative number \(-30\) not allowed/],
    ['@daily', /descriptors such as @daily are not accepted/],
    ['0 0 * *', /expected exactly 5 fields .*found 4/],
    ['5-2 * * * *', /the range 5-2 runs backwards/],
    ['*/0 * * * *', /step of '\*\/0' must be a positive number/],
    ['0 9 * * funday', /'funday' is not a number or a name \(sun, mon/],
    ['CRON_TZ=Mars/Olympus 0 9 * * *', /unknown time zone 'Mars\/Olympus' in its CRON_TZ= prefix/],
  ])('%s: a message naming the field and what is wrong', (spec, want) => {
    const r = parseCron(spec);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.message).toMatch(want);
  });

  it('isTimeZone: IANA names and UTC, nothing else', () => {
    expect(['Europe/Paris', 'Etc/UTC', 'UTC', 'Asia/Kolkata'].map(isTimeZone)).toEqual([true, true, true, true]);
    expect(['', 'Mars/Olympus', 'Europe/Pariss'].map(isTimeZone)).toEqual([false, false, false]);
  });
});
