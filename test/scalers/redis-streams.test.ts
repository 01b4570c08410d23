// The redis-streams family against redis-server 7: KEDA's three modes (stream length, a group's
// pending entries, a group's lag) with the values the server holds (0 included), activation, the
// mode's target, missing streams and groups as KEDA treats them, and the cluster (three masters)
// and sentinel topologies; every failure a clear error on the trigger, never a secret.
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { groupLag, modeOf, redisClusterStreams, redisSentinelStreams, redisStreams } from '../../src/scalers/redis-streams.js';
import { redisCluster, redisSentinel, type RedisMetadata } from '../../src/scalers/redis.js';
import { expectScalerError, input, sampleOnce } from '../support/scalers.js';
import { freePort } from '../support/servers/spawn.js';

const env = inject('servers');
let redis: Redis;
beforeAll(() => {
  redis = new Redis(env.REDIS_ADDRESS);
});
afterAll(async () => {
  await redis.quit();
});
const name = (what: string) => `${what}-${randomBytes(4).toString('hex')}`;
/** A stream with `n` entries, and a group created at its start that has read `read` of them and acknowledged `acked`. */
async function stream(
  client: Redis | Cluster,
  key: string,
  n: number,
  group?: { name: string; read: number; acked: number },
): Promise<void> {
  if (group) await client.xgroup('CREATE', key, group.name, '0', 'MKSTREAM');
  for (let i = 0; i < n; i++) await client.xadd(key, '*', 'job', String(i));
  if (!group || group.read === 0) return;
  const got = (await client.xreadgroup('GROUP', group.name, 'worker-1', 'COUNT', group.read, 'STREAMS', key, '>')) as [
    string,
    [string, string[]][],
  ][];
  const ids = got[0][1].map(([id]) => id);
  if (group.acked) await client.xack(key, group.name, ...ids.slice(0, group.acked));
}

describe('redis-streams: the three modes against redis-server', () => {
  it('no consumerGroup: the stream length (XLEN), 0 for a stream that does not exist', async () => {
    const s = name('len');
    await stream(redis, s, 7);
    expect(await sampleOnce(redisStreams, input({ address: env.REDIS_ADDRESS, stream: s, streamLength: '5' }), 'orders')).toEqual({
      value: 7,
      active: true,
    });
    expect(await sampleOnce(redisStreams, input({ address: env.REDIS_ADDRESS, stream: name('none') }), 'orders')).toEqual({
      value: 0,
      active: false,
    });
  });

  it('consumerGroup: its pending entries (read, not acknowledged: XPENDING)', async () => {
    const s = name('pending');
    await stream(redis, s, 6, { name: 'workers', read: 4, acked: 1 });
    expect(await sampleOnce(redisStreams, input({ address: env.REDIS_ADDRESS, stream: s, consumerGroup: 'workers' }), 'orders')).toEqual({
      value: 3,
      active: true,
    });
  });

  it('consumerGroup and lagCount: the group lag (entries not yet delivered: XINFO GROUPS)', async () => {
    const s = name('lag');
    await stream(redis, s, 6, { name: 'workers', read: 4, acked: 4 });
    expect(
      await sampleOnce(redisStreams, input({ address: env.REDIS_ADDRESS, stream: s, consumerGroup: 'workers', lagCount: '2' }), 'orders'),
    ).toEqual({ value: 2, active: true });
    // No such stream: 0. No such group on the stream: the stream's length.
    expect(
      await sampleOnce(
        redisStreams,
        input({ address: env.REDIS_ADDRESS, stream: name('none'), consumerGroup: 'workers', lagCount: '2' }),
        'orders',
      ),
    ).toEqual({ value: 0, active: false });
    expect(
      await sampleOnce(redisStreams, input({ address: env.REDIS_ADDRESS, stream: s, consumerGroup: 'other', lagCount: '2' }), 'orders'),
    ).toEqual({ value: 6, active: true });
  });

  it('activation is strictly above activationLagCount, in every mode', async () => {
    const s = name('act');
    await stream(redis, s, 3);
    expect(await sampleOnce(redisStreams, input({ address: env.REDIS_ADDRESS, stream: s, activationLagCount: '3' }), 'orders')).toEqual({
      value: 3,
      active: false,
    });
    expect(await sampleOnce(redisStreams, input({ address: env.REDIS_ADDRESS, stream: s, activationLagCount: '2' }), 'orders')).toEqual({
      value: 3,
      active: true,
    });
  });

  it('pending entries of a group that does not exist: SCALER_VALUE_NOT_FOUND with Redis own words', async () => {
    const e = await expectScalerError(
      sampleOnce(redisStreams, input({ address: env.REDIS_ADDRESS, stream: name('nogroup'), consumerGroup: 'ghosts' }), 'orders'),
      'SCALER_VALUE_NOT_FOUND',
      'orders',
    );
    expect(e.message).toMatch(/pending entries of group 'ghosts' on stream .* NOGROUP/);
  });

  it('the target follows the mode; plan says which count it read', () => {
    const parse = (m: Record<string, string>) => {
      const r = redisStreams.parse(input({ address: 'h:1', stream: 's', ...m }));
      if (!r.ok) throw new Error(JSON.stringify(r.errors));
      return r.meta;
    };
    expect(redisStreams.target(parse({ streamLength: '9' }))).toEqual({ target: 9, activationTarget: 0, unit: 'entries' });
    expect(redisStreams.target(parse({ consumerGroup: 'g', pendingEntriesCount: '4' }))).toEqual({
      target: 4,
      activationTarget: 0,
      unit: 'entries',
    });
    expect(redisStreams.target(parse({ consumerGroup: 'g', lagCount: '12', activationLagCount: '1' }))).toEqual({
      target: 12,
      activationTarget: 1,
      unit: 'entries',
    });
    expect(redisStreams.source!(parse({ consumerGroup: 'g', lagCount: '12' }))).toBe("lag of group 'g' on stream 's' at h:1");
    expect(redisStreams.source!(parse({}))).toBe("length of stream 's' at h:1");
    expect([modeOf({ consumerGroup: 'g', lagCount: 0 }), modeOf({ consumerGroup: undefined, lagCount: 5 })]).toEqual(['pending', 'length']);
  });

  it('metadata errors name their field', () => {
    expect(redisStreams.parse(input({ address: 'h:1' }))).toMatchObject({ ok: false, errors: [{ field: 'stream' }] });
    expect(redisStreams.parse(input({ stream: 's' }))).toMatchObject({ ok: false, errors: [{ field: 'address' }] });
    expect(redisStreams.parse(input({ address: 'h:1', stream: 's', lagCount: '-1' }))).toMatchObject({
      ok: false,
      errors: [{ field: 'lagCount' }],
    });
    expect(redisSentinelStreams.parse(input({ address: 'h:1', stream: 's' }))).toMatchObject({
      ok: false,
      errors: [{ field: 'sentinelMaster' }],
    });
  });

  it("groupLag reads the flat XINFO GROUPS reply; a nil lag reads 0 (as KEDA's client)", () => {
    const reply = [
      ['name', 'a', 'consumers', 1, 'lag', 4],
      ['name', 'b', 'lag', null],
    ];
    expect([groupLag(reply, 'a'), groupLag(reply, 'b'), groupLag(reply, 'c')]).toEqual([4, 0, null]);
  });
});

describe('redis-streams: failures', () => {
  let garbage: Server;
  let garbageAddress = '';
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    // Answers anything with text that is not RESP.
    garbage = createServer((s) => {
      sockets.add(s);
      s.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    });
    await new Promise<void>((r) => garbage.listen(0, '127.0.0.1', r));
    garbageAddress = `127.0.0.1:${(garbage.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    // A client that does not close its half of the socket would hold close() forever.
    for (const s of sockets) s.destroy();
    await new Promise((r) => garbage.close(r));
  });

  it('connection refused, a wrong password and a server that is not Redis: each a clear error, no secret', async () => {
    await expectScalerError(
      sampleOnce(redisStreams, input({ address: `127.0.0.1:${await freePort()}`, stream: 's' }), 'orders'),
      'SCALER_CONNECTION_REFUSED',
      'orders',
    );
    const wrong = `wrong-${randomBytes(4).toString('hex')}`;
    await expectScalerError(
      sampleOnce(redisStreams, input({ address: env.REDIS_AUTH_ADDRESS, stream: 's' }, { password: wrong }), 'orders'),
      'SCALER_AUTH_FAILED',
      'orders',
      [wrong],
    );
    const e = await sampleOnce(redisStreams, input({ address: garbageAddress, stream: 's' }), 'orders', 3000).then(
      () => undefined,
      (x: Error & { code: string }) => x,
    );
    expect(e?.message).toMatch(/^trigger 'orders' \(redis-streams\): /);
  });
});

describe('redis cluster (three masters): lists and streams', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = new Cluster(env.REDIS_CLUSTER_ADDRESSES.split(',').map((a) => ({ host: a.split(':')[0], port: Number(a.split(':')[1]) })));
  });
  afterAll(async () => {
    await cluster.quit();
  });

  it('reads keys on whichever master holds their slot', async () => {
    const lists = ['a', 'b', 'c', 'd', 'e'].map((x) => name(`list-${x}`));
    for (const [i, l] of lists.entries()) await cluster.rpush(l, ...Array.from({ length: i + 1 }, () => 'x'));
    for (const [i, l] of lists.entries())
      expect(await sampleOnce(redisCluster, input({ addresses: env.REDIS_CLUSTER_ADDRESSES, listName: l }), 'jobs')).toEqual({
        value: i + 1,
        active: true,
      });
    const s = name('cstream');
    await stream(cluster, s, 5, { name: 'workers', read: 3, acked: 1 });
    expect(await sampleOnce(redisClusterStreams, input({ addresses: env.REDIS_CLUSTER_ADDRESSES, stream: s }), 'orders')).toEqual({
      value: 5,
      active: true,
    });
    expect(
      await sampleOnce(
        redisClusterStreams,
        input({ addresses: env.REDIS_CLUSTER_ADDRESSES, stream: s, consumerGroup: 'workers' }),
        'orders',
      ),
    ).toEqual({ value: 2, active: true });
    expect(
      await sampleOnce(
        redisClusterStreams,
        input({ addresses: env.REDIS_CLUSTER_ADDRESSES, stream: s, consumerGroup: 'workers', lagCount: '1' }),
        'orders',
      ),
    ).toEqual({ value: 2, active: true });
    expect(
      redisCluster.source!(
        (redisCluster.parse(input({ addresses: env.REDIS_CLUSTER_ADDRESSES, listName: 'l' })) as { meta: RedisMetadata }).meta,
      ),
    ).toBe(`list 'l' at cluster ${env.REDIS_CLUSTER_ADDRESSES}`);
  });

  it('no node reachable: a clear error', async () => {
    const port = await freePort();
    const e = await expectScalerError(
      sampleOnce(redisCluster, input({ addresses: `127.0.0.1:${port}`, listName: 'l' }), 'jobs'),
      'SCALER_UNAVAILABLE',
      'jobs',
    );
    expect(e.message).toBe(
      `trigger 'jobs' (redis-cluster): no node of cluster 127.0.0.1:${port} answered (refused, closed or not a cluster)`,
    );
  });
});

describe('redis sentinel: the master it names', () => {
  let master: Redis;
  beforeAll(() => {
    master = new Redis(env.REDIS_SENTINEL_MASTER_ADDRESS, { password: env.REDIS_SENTINEL_MASTER_PASSWORD });
  });
  afterAll(async () => {
    await master.quit();
  });
  const via = (extra: Record<string, string>) =>
    input(
      { address: env.REDIS_SENTINEL_ADDRESS, sentinelMaster: env.REDIS_SENTINEL_MASTER, ...extra },
      { password: env.REDIS_SENTINEL_MASTER_PASSWORD },
    );

  it('lists and streams, with the master password from a TriggerAuthentication', async () => {
    const l = name('slist');
    await master.rpush(l, 'a', 'b', 'c', 'd');
    expect(await sampleOnce(redisSentinel, via({ listName: l }), 'jobs')).toEqual({ value: 4, active: true });
    const s = name('sstream');
    await stream(master, s, 3);
    expect(await sampleOnce(redisSentinelStreams, via({ stream: s }), 'orders')).toEqual({ value: 3, active: true });
  });

  it('a master name the sentinel does not know, or a wrong master password: clear errors, no secret', async () => {
    const unknown = await sampleOnce(
      redisSentinel,
      input({ address: env.REDIS_SENTINEL_ADDRESS, sentinelMaster: 'nobody', listName: 'l' }),
      'jobs',
      5000,
    ).then(
      () => undefined,
      (x: Error & { code: string }) => x,
    );
    expect(unknown?.message).toMatch(/^trigger 'jobs' \(redis-sentinel\): .*master 'nobody' via sentinel/);
    const wrong = `wrong-${randomBytes(4).toString('hex')}`;
    await expectScalerError(
      sampleOnce(
        redisSentinel,
        input({ address: env.REDIS_SENTINEL_ADDRESS, sentinelMaster: env.REDIS_SENTINEL_MASTER, listName: 'l' }, { password: wrong }),
        'jobs',
      ),
      'SCALER_AUTH_FAILED',
      'jobs',
      [wrong],
    );
  });
});
