// The cron trigger: KEDA's metadata table (cron_scaler_test.go), its window rule on the injected
// clock (inside: desiredReplicas and active; outside: 0, inactive), time zones, the window across
// midnight, the instants of start and end themselves, and what it does beside other triggers
// (the HPA's maximum) and to a workload at minReplicaCount 0 (zero once the cooldown has passed).
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/engine/decide.js';
import type { TriggerInput } from '../../src/engine/types.js';
import { cron, windowAt, type CronMetadata } from '../../src/scalers/cron.js';

const at = (iso: string) => Date.parse(iso);
const parse = (metadata: Record<string, string>) => cron.parse({ metadata, authParams: {}, env: {} });
const meta = (metadata: Record<string, string>): CronMetadata => {
  const r = parse(metadata);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.meta;
};
const sample = (m: CronMetadata, iso: string) =>
  cron.create(m, { clock: { now: () => at(iso) }, fetch, clients: {} }, 'office-hours').sample(new AbortController().signal);

// KEDA's own examples (cron_scaler_test.go).
const thursday = { timezone: 'Etc/UTC', start: '0 0 * * Thu', end: '59 23 * * Thu', desiredReplicas: '10' };
const evenHours = { timezone: 'Etc/UTC', start: '0 */2 * * *', end: '0 1-23/2 * * *', desiredReplicas: '10' };

describe('cron: metadata (KEDA testCronMetadata)', () => {
  it.each([
    [{}, true],
    [thursday, false],
    [evenHours, false],
    [{ timezone: 'Etc/UTC', start: '0,30 * * * *', end: '15,45 * * * *', desiredReplicas: '10' }, false],
    [{ timezone: 'Asia/Kolkata', start: '30 * * * *', end: '45 * * * *' }, true],
    [{ start: '30 * * * *', end: '45 * * * *', desiredReplicas: '10' }, true],
    [{ timezone: 'Asia/Kolkata', start: '30-33 * * * *', end: '45 * * * *', desiredReplicas: '10' }, false],
    [{ timezone: 'Asia/Kolkata', start: '30 * * * *', end: '45-50 * * * *', desiredReplicas: '10' }, false],
    [{ timezone: 'Asia/Kolkata', start: '-30 * * * *', end: '45 * * * *', desiredReplicas: '10' }, true],
    [{ timezone: 'Asia/Kolkata', start: '30 * * * *', end: '-50 * * * *', desiredReplicas: '10' }, true],
    [{ timezone: 'Asia/Kolkata', start: '30 * * * *', end: '50 * * -3 *', desiredReplicas: '10' }, true],
    [{ timezone: 'Asia/Kolkata', start: '30 * * * *', end: '30 * * * *', desiredReplicas: '10' }, true],
  ])('%j → error %s', (metadata, isError) => {
    expect(parse(metadata).ok).toBe(!isError);
  });

  it.each([
    [{ ...thursday, timezone: 'Europe/Pariss' }, 'timezone', /unknown time zone 'Europe\/Pariss'/],
    [{ ...thursday, start: '0 25 * * *' }, 'start', /'start' is not a cron expression: hour field '25': 25 is above the maximum \(23\)/],
    [{ ...thursday, end: '@weekly' }, 'end', /descriptors such as @weekly are not accepted/],
    [{ ...thursday, end: thursday.start }, 'end', /start and end can not have exactly the same time input/],
    [{ ...thursday, desiredReplicas: '0' }, 'desiredReplicas', /must not be 0/],
    [{ ...thursday, desiredReplicas: 'ten' }, 'desiredReplicas', /"ten" is not an integer/],
  ])('%j: the error names %s', (metadata, field, message) => {
    const r = parse(metadata);
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.errors).toEqual([expect.objectContaining({ field, message: expect.stringMatching(message) })]);
  });

  it("target 1 per replica (KEDA's fixed target), so the HPA asks for desiredReplicas", () => {
    expect(cron.target(meta(thursday))).toEqual({ target: 1, activationTarget: 0, unit: 'replicas' });
    expect(cron.source!(meta(thursday))).toBe("window '0 0 * * Thu' → '59 23 * * Thu' in Etc/UTC: 10 replicas");
  });
});

describe('cron: the window (KEDA TestIsActive, TestGetMetrics, on the injected clock)', () => {
  it.each([
    ['Thursday 12:00', thursday, '2026-12-03T12:00:00Z', true],
    ['Friday 12:00', thursday, '2026-12-04T12:00:00Z', false],
    ['Wednesday 23:59', thursday, '2026-12-02T23:59:00Z', false],
    ['an even hour', evenHours, '2026-12-05T14:30:00Z', true],
    ['an odd hour', evenHours, '2026-12-05T15:30:00Z', false],
  ])('%s: open %s', async (_, metadata, now, open) => {
    expect(await sample(meta(metadata), now)).toEqual({ value: open ? 10 : 0, active: open });
  });

  const office = { timezone: 'Europe/Paris', start: '0 8 * * 1-5', end: '0 18 * * 1-5', desiredReplicas: '6' };
  it.each([
    ['07:59:59 Paris: not yet', '2026-12-07T06:59:59Z', false],
    ['08:00:00 Paris exactly: open (the next start is tomorrow, the next end today)', '2026-12-07T07:00:00Z', true],
    ['12:00 Paris', '2026-12-07T11:00:00Z', true],
    ['17:59:59 Paris', '2026-12-07T16:59:59Z', true],
    ['18:00:00 Paris exactly: shut', '2026-12-07T17:00:00Z', false],
    ['Saturday noon', '2026-12-05T11:00:00Z', false],
    ['in the summer (UTC+2): 07:30 UTC is 09:30 Paris', '2026-07-06T07:30:00Z', true],
    ['in the summer: 16:30 UTC is 18:30 Paris', '2026-07-06T16:30:00Z', false],
  ])('office hours, %s', (_, now, open) => {
    expect(windowAt(meta(office), at(now)).open).toBe(open);
  });

  it('the zone decides: 03:00 UTC is inside 08:00–18:00 in Kolkata (08:30), not in UTC', () => {
    const w = { start: '0 8 * * *', end: '0 18 * * *', desiredReplicas: '3' };
    expect(windowAt(meta({ ...w, timezone: 'Asia/Kolkata' }), at('2026-12-05T03:00:00Z')).open).toBe(true);
    expect(windowAt(meta({ ...w, timezone: 'Etc/UTC' }), at('2026-12-05T03:00:00Z')).open).toBe(false);
  });

  it.each([
    ['23:00', '2026-12-05T22:00:00Z', true],
    ['03:00', '2026-12-06T02:00:00Z', true],
    ['12:00', '2026-12-05T11:00:00Z', false],
  ])('a window across midnight (22:00 → 06:00 Paris): %s open %s', (_, now, open) => {
    expect(windowAt(meta({ timezone: 'Europe/Paris', start: '0 22 * * *', end: '0 6 * * *', desiredReplicas: '2' }), at(now)).open).toBe(
      open,
    );
  });

  it('a start that never fires (February 30th) leaves the window open, an end that never fires leaves it shut (Go zero time); both never: an error', async () => {
    expect(
      windowAt(meta({ timezone: 'Etc/UTC', start: '0 0 30 2 *', end: '0 18 * * *', desiredReplicas: '2' }), at('2026-12-05T12:00:00Z'))
        .open,
    ).toBe(true);
    expect(
      windowAt(meta({ timezone: 'Etc/UTC', start: '0 8 * * *', end: '0 0 30 2 *', desiredReplicas: '2' }), at('2026-12-05T12:00:00Z')).open,
    ).toBe(false);
    await expect(
      sample(meta({ timezone: 'Etc/UTC', start: '0 0 30 2 *', end: '0 0 31 2 *', desiredReplicas: '2' }), '2026-12-05T12:00:00Z'),
    ).rejects.toMatchObject({
      code: 'SCALER_METADATA',
      message: expect.stringMatching(/trigger 'office-hours' \(cron\): neither .* fires within five years/),
    });
  });
});

describe('cron beside other triggers, through the engine', () => {
  const cronInput = (value: number, active: boolean): TriggerInput => ({
    name: 'office-hours',
    type: 'cron',
    metricType: 'AverageValue',
    target: 1,
    activationTarget: 0,
    unit: 'replicas',
    sample: { ok: true, value, active },
  });
  const queue = (value: number): TriggerInput => ({
    name: 'queue',
    type: 'aws-sqs-queue',
    metricType: 'AverageValue',
    target: 5,
    activationTarget: 0,
    unit: 'msgs',
    sample: { ok: true, value, active: value > 0 },
  });
  const spec = { pollingInterval: 30, cooldownPeriod: 300, initialCooldownPeriod: 0, minReplicaCount: 0, maxReplicaCount: 100 };
  const T = at('2026-12-07T12:00:00Z');
  const state = { firstSeen: T - 3_600_000, recommendations: [], scaleEvents: [], failures: {} };

  it('inside the window: the larger of desiredReplicas and the queue (the HPA maximum)', () => {
    expect(decide({ spec, triggers: [cronInput(6, true), queue(10)], current: 6, now: T, state }).desired).toBe(6);
    expect(decide({ spec, triggers: [cronInput(6, true), queue(50)], current: 6, now: T, state }).desired).toBe(10);
  });

  it("from zero, the window opening scales out (0 → 1, then the HPA's scale-up limit of 4, then 6); outside it the queue alone decides", () => {
    const first = decide({ spec, triggers: [cronInput(6, true), queue(0)], current: 0, now: T, state });
    expect(first.desired).toBe(4);
    expect(decide({ spec, triggers: [cronInput(6, true), queue(0)], current: 4, now: T + 30_000, state: first.state }).desired).toBe(6);
    expect(decide({ spec, triggers: [cronInput(0, false), queue(12)], current: 3, now: T, state }).desired).toBe(3);
  });

  it('after the window, with minReplicaCount 0 and nothing else active: zero once cooldownPeriod has passed since the last activity', () => {
    const closed = at('2026-12-07T17:00:00Z');
    const after = { ...state, lastActiveTime: closed, recommendations: [{ at: closed - 1000, replicas: 6 }] };
    expect(decide({ spec, triggers: [cronInput(0, false)], current: 6, now: closed + 299_000, state: after }).desired).toBe(6);
    expect(decide({ spec, triggers: [cronInput(0, false)], current: 6, now: closed + 301_000, state: after }).desired).toBe(0);
  });
});
