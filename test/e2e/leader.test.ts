// Leader election and sharding with the built CLI: two `gitscale run` processes and Leases on
// the real API server. Only the holder writes; kill -9 the leader and the standby writes within
// the lease duration, with no decision written twice; a Lease taken away stops writes; with
// shards the replicas split the repositories and a dead replica's shards move to the other.
import { describe, expect, inject, it } from 'vitest';
import { shardOf } from '../../src/cluster/lease.js';
import { startRun } from '../support/bin.js';
import { newList } from '../support/cli.js';
import { redisList, scaledObject, writeConfig } from '../support/config.js';
import { log, makeServedRepo } from '../support/git.js';
import { newNamespace, redisAndAdmin } from '../support/kube.js';
import { tempDir } from '../support/temp.js';

const servers = inject('servers');
const ctx = redisAndAdmin(servers);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const manifest = (name: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  replicas: 0\n`;
const LEASE = { leaseDurationSeconds: 4, renewDeadlineSeconds: 3, retryPeriodSeconds: 1 };

async function setQueue(list: string, n: number): Promise<void> {
  await ctx.redis.del(list);
  if (n) await ctx.redis.rpush(list, ...Array.from({ length: n }, () => 'j'));
}

async function replica(config: string, name: string, ns: string) {
  return startRun(
    ['-c', config, '--log-format', 'json', '--data-dir', await tempDir(`data-${name}`), '--kubeconfig', servers.KUBECONFIG_PATH],
    { POD_NAME: name, POD_NAMESPACE: ns },
  );
}

describe('leader election (one Lease)', () => {
  it('only the holder writes; after kill -9 the standby takes over within the lease duration; nothing is written twice', async () => {
    const ns = await newNamespace(ctx.a, 'lead');
    const { bare, url } = await makeServedRepo(servers, { 'worker.yaml': manifest('worker') });
    const list = await newList(ctx.redis, 0);
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url }],
      cluster: { leaderElection: LEASE },
      scaledObjects: [
        scaledObject({
          name: 'worker',
          namespace: ns,
          path: 'worker.yaml',
          spec: { pollingInterval: 1 },
          triggers: [redisList(servers.REDIS_ADDRESS, list)],
        }),
      ],
    });
    const first = await replica(config, 'one', ns);
    await first.waitFor((l) => l.msg === 'lease acquired: this replica writes');
    const second = await replica(config, 'two', ns);
    await second.waitFor((l) => l.msg === 'leader election');
    await setQueue(list, 10);
    await first.waitFor((l) => l.msg === 'commit' && String(l.subject).includes('0→2'));
    await sleep(1500);
    expect(second.lines().filter((l) => l.msg === 'lease acquired: this replica writes' || l.msg === 'commit')).toEqual([]);
    // /metrics says who leads; the standby is ready (it has nothing to tick).
    const at = async (r: typeof first) => `http://${(await r.waitFor((l) => l.msg === 'serving')).address}`;
    expect(await (await fetch(`${await at(first)}/metrics`)).text()).toContain('gitscale_leader{shard="0"} 1');
    expect(await (await fetch(`${await at(second)}/metrics`)).text()).toContain('gitscale_leader{shard="0"} 0');
    expect((await fetch(`${await at(second)}/readyz`)).status).toBe(200);
    const lease = await ctx.a.kube.getLease(ns, 'gitscale');
    expect(lease?.holder).toMatch(/^one_/);

    await first.stop('SIGKILL');
    const killedAt = Date.now();
    await setQueue(list, 20);
    await second.waitFor((l) => l.msg === 'lease acquired: this replica writes', 15_000);
    const tookOver = Date.now() - killedAt;
    // Within the lease duration of the last renewal seen, plus one retry period to notice.
    expect(tookOver).toBeLessThanOrEqual((LEASE.leaseDurationSeconds + 2 * LEASE.retryPeriodSeconds) * 1000);
    await second.waitFor((l) => l.msg === 'commit' && String(l.subject).includes('2→4'));
    await sleep(1500);
    expect((await second.stop()).code).toBe(0);
    const subjects = await log(bare);
    expect(subjects.filter((s) => s.includes('0→2'))).toHaveLength(1);
    expect(subjects.filter((s) => s.includes('2→4'))).toHaveLength(1);
    expect(subjects).toHaveLength(3);
    // A clean stop gives the Lease up.
    expect((await ctx.a.kube.getLease(ns, 'gitscale'))?.holder).toBeNull();
  });

  it('a replica whose Lease is taken away stops writing', async () => {
    const ns = await newNamespace(ctx.a, 'lost');
    const { bare, url } = await makeServedRepo(servers, { 'worker.yaml': manifest('worker') });
    const list = await newList(ctx.redis, 0);
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url }],
      cluster: { leaderElection: { ...LEASE, leaseDurationSeconds: 30, renewDeadlineSeconds: 20 } },
      scaledObjects: [
        scaledObject({
          name: 'worker',
          namespace: ns,
          path: 'worker.yaml',
          spec: { pollingInterval: 1 },
          triggers: [redisList(servers.REDIS_ADDRESS, list)],
        }),
      ],
    });
    const only = await replica(config, 'only', ns);
    await only.waitFor((l) => l.msg === 'lease acquired: this replica writes');
    // Another holder renews the Lease (as a replica on the far side of a partition would).
    const cur = (await ctx.a.kube.getLease(ns, 'gitscale'))!;
    const now = Date.now();
    expect(
      await ctx.a.kube.writeLease(
        ns,
        'gitscale',
        { ...cur, holder: 'someone-else', renewTime: now, acquireTime: now, transitions: cur.transitions + 1 },
        cur.resourceVersion,
      ),
    ).toBe(true);
    const base = `http://${(await only.waitFor((l) => l.msg === 'serving')).address}`;
    let before = '';
    for (let i = 0; i < 50 && !/keda_scaler_active\{[^}]*scaledObject="worker"/.test(before); i++, await sleep(100))
      before = await (await fetch(`${base}/metrics`)).text();
    expect(before).toMatch(/keda_scaler_active\{[^}]*scaledObject="worker"/);
    await only.waitFor((l) => l.msg === 'lease lost: writes stopped');
    await setQueue(list, 10);
    await sleep(3000);
    expect(only.lines().filter((l) => l.msg === 'commit')).toEqual([]);
    // Its numbers now belong to the holder: this replica no longer exports the object's series.
    const after = await (await fetch(`${base}/metrics`)).text();
    expect(after).not.toMatch(/scaledObject="worker"/);
    expect(after).toContain('gitscale_leader{shard="0"} 0');
    await only.stop();
    expect(await log(bare)).toHaveLength(1);
  });
});

describe('sharding (cluster.shards: 2)', () => {
  it('two replicas split the repositories; a dead replica’s shard moves to the other', async () => {
    const ns = await newNamespace(ctx.a, 'shard');
    // Two repository names that land in different shards.
    const names: string[] = [];
    for (let i = 0; names.length < 2; i++) if (!names.some((n) => shardOf(n, 2) === shardOf(`repo${i}`, 2))) names.push(`repo${i}`);
    const repos = await Promise.all(names.map((_, i) => makeServedRepo(servers, { 'worker.yaml': manifest(`w${i}`) })));
    const lists = await Promise.all(names.map(() => newList(ctx.redis, 0)));
    const config = await writeConfig({
      repositories: names.map((name, i) => ({ name, url: repos[i].url })),
      cluster: { shards: 2, leaderElection: LEASE },
      scaledObjects: names.map((name, i) =>
        scaledObject({
          name: `w${i}`,
          namespace: ns,
          repository: name,
          path: 'worker.yaml',
          spec: { pollingInterval: 1 },
          triggers: [redisList(servers.REDIS_ADDRESS, lists[i])],
        }),
      ),
    });
    const one = await replica(config, 'one', ns);
    await one.waitFor((l) => l.msg === 'lease acquired: this replica writes' && l.lease === 'gitscale-1');
    await one.waitFor((l) => l.msg === 'lease acquired: this replica writes' && l.lease === 'gitscale-0');
    const two = await replica(config, 'two', ns);
    // One sees a second member and gives a shard up; two takes it.
    const given = await one.waitFor((l) => l.msg === 'lease released: another replica takes this shard', 15_000);
    const taken = await two.waitFor((l) => l.msg === 'lease acquired: this replica writes', 15_000);
    expect(taken.lease).toBe(given.lease);
    const holders = async () =>
      Promise.all([0, 1].map(async (i) => (await ctx.a.kube.getLease(ns, `gitscale-${i}`))?.holder?.split('_')[0]));
    expect((await holders()).sort()).toEqual(['one', 'two']);
    await Promise.all(lists.map((l) => setQueue(l, 10)));
    for (const [i, r] of repos.entries()) {
      for (let t = 0; t < 100 && (await log(r.bare)).length < 2; t++) await sleep(100);
      expect(await log(r.bare), names[i]).toHaveLength(2);
    }

    await two.stop('SIGKILL');
    const killedAt = Date.now();
    const back = await one.waitFor(
      (l) => l.msg === 'lease acquired: this replica writes' && l.lease === taken.lease && Date.parse(String(l.time)) >= killedAt,
      20_000,
    );
    expect(back).toBeTruthy();
    expect(await holders()).toEqual(['one', 'one']);
    await Promise.all(lists.map((l) => setQueue(l, 20)));
    for (const r of repos) {
      for (let t = 0; t < 100 && (await log(r.bare)).length < 3; t++) await sleep(100);
      expect(await log(r.bare)).toHaveLength(3);
    }
    await one.stop();
  });
});
