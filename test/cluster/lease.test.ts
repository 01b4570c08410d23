// Leader election on real Leases with a controlled clock: rounds are run by hand, time moves only
// when the test says so.
import { beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createElector, preference, shardLeaseName, shardOf, type ElectionSettings } from '../../src/cluster/lease.js';
import { admin, newNamespace, type Admin } from '../support/kube.js';

const servers = inject('servers');
let a: Admin;
beforeAll(() => void (a = admin(servers)));

function manualClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, monotonic: () => t, sleep: async () => {}, advance: (ms: number) => void (t += ms) };
}
const quiet = { info: () => {}, warn: () => {} };

describe('shards', () => {
  it('a repository always lands in the same shard, spread over all of them', () => {
    expect(shardOf('apps', 1)).toBe(0);
    expect(shardOf('apps', 4)).toBe(shardOf('apps', 4));
    const used = new Set(Array.from({ length: 64 }, (_, i) => shardOf(`repo-${i}`, 4)));
    expect([...used].sort()).toEqual([0, 1, 2, 3]);
    expect(shardLeaseName('gitscale', 0, 1)).toBe('gitscale');
    expect(shardLeaseName('gitscale', 2, 3)).toBe('gitscale-2');
  });

  it('each replica prefers the shards in its own order', () => {
    expect(preference('a', 5).slice().sort()).toEqual([0, 1, 2, 3, 4]);
    const firsts = new Set(Array.from({ length: 20 }, (_, i) => preference(`replica-${i}`, 5)[0]));
    expect(firsts.size).toBeGreaterThan(1);
  });
});

describe('elector on a real API server (manual clock)', () => {
  it('one holder; the standby takes over only after a lease duration without renewal; the old holder stops first', async () => {
    const ns = await newNamespace(a, 'elect');
    const clock = manualClock();
    const base: Omit<ElectionSettings, 'identity'> = {
      namespace: ns,
      name: 'gitscale',
      shards: 1,
      leaseDurationSeconds: 15,
      renewDeadlineSeconds: 10,
      retryPeriodSeconds: 2,
    };
    const one = createElector(a.kube, { ...base, identity: 'one' }, clock, quiet);
    const two = createElector(a.kube, { ...base, identity: 'two' }, clock, quiet);
    await one.round();
    await two.round();
    expect([one.holds(0), two.holds(0)]).toEqual([true, false]);
    const lease = await a.kube.getLease(ns, 'gitscale');
    expect(lease).toMatchObject({ holder: 'one', leaseDurationSeconds: 15, transitions: 0 });

    // one keeps renewing: two never takes it, however long it waits.
    for (let i = 0; i < 10; i++) {
      clock.advance(2_000);
      await one.round();
      await two.round();
    }
    expect([one.holds(0), two.holds(0)]).toEqual([true, false]);

    // one stops renewing (hung, partitioned): past the renew deadline it no longer counts as holder...
    clock.advance(10_000);
    expect(one.holds(0)).toBe(false);
    // ...and two, which saw the record unchanged for a lease duration, takes it.
    await two.round();
    expect(two.holds(0)).toBe(false);
    clock.advance(5_000);
    await two.round();
    expect(two.holds(0)).toBe(true);
    expect(await a.kube.getLease(ns, 'gitscale')).toMatchObject({ holder: 'two', transitions: 1 });
    // one comes back: the Lease is two's now.
    await one.round();
    expect(one.holds(0)).toBe(false);
    // A clean stop gives it up at once.
    await two.stop();
    expect((await a.kube.getLease(ns, 'gitscale'))?.holder).toBeNull();
    await one.round();
    expect(one.holds(0)).toBe(true);
  });

  it('renewTime and acquireTime are written as MicroTime and read back', async () => {
    const ns = await newNamespace(a, 'micro');
    const at = Date.UTC(2026, 11, 5, 6, 30, 0, 123);
    expect(
      await a.kube.writeLease(ns, 'x', { holder: 'me', leaseDurationSeconds: 15, acquireTime: at, renewTime: at, transitions: 2 }, null),
    ).toBe(true);
    const l = await a.kube.getLease(ns, 'x');
    expect(l).toMatchObject({ holder: 'me', acquireTime: at, renewTime: at, transitions: 2 });
    // A write on a stale resourceVersion loses (409), it does not overwrite.
    expect(
      await a.kube.writeLease(
        ns,
        'x',
        { holder: 'me', leaseDurationSeconds: 15, acquireTime: at, renewTime: at + 1, transitions: 2 },
        l!.resourceVersion,
      ),
    ).toBe(true);
    expect(
      await a.kube.writeLease(
        ns,
        'x',
        { holder: 'other', leaseDurationSeconds: 15, acquireTime: at, renewTime: at + 2, transitions: 3 },
        l!.resourceVersion,
      ),
    ).toBe(false);
    expect((await a.kube.getLease(ns, 'x'))?.holder).toBe('me');
  });
});
