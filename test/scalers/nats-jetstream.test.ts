// The nats-jetstream trigger against Debian's nats-server: a consumer's num_pending +
// num_ack_pending as the monitoring endpoint reports them (0 included), activation, an account by
// name or id, a missing stream or consumer, a port that is not the monitoring port; and in a
// three-node cluster, the consumer's leader found through /varz as KEDA finds it, and found again
// when the leadership moves.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AckPolicy, connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { scalerDeps } from '../../src/cli/scaler-clients.js';
import { findConsumer, natsJetstream } from '../../src/scalers/nats-jetstream.js';
import { expectScalerError, input, sampleOnce } from '../support/scalers.js';
import { freePort } from '../support/servers/spawn.js';

const env = inject('servers');
let nc: NatsConnection;
let cluster: NatsConnection;
beforeAll(async () => {
  nc = await connect({ servers: env.NATS_URL });
  cluster = await connect({ servers: env.NATS_CLUSTER_URL.split(',') });
});
afterAll(async () => {
  await nc.close();
  await cluster.close();
});

/** A stream with `n` messages and a durable consumer that has been handed `fetched` of them (none acknowledged). */
async function backlog(conn: NatsConnection, n: number, fetched: number, replicas = 1): Promise<{ stream: string; consumer: string }> {
  const stream = `orders_${randomBytes(4).toString('hex')}`;
  const jsm = await conn.jetstreamManager();
  await jsm.streams.add({ name: stream, subjects: [`${stream}.>`], num_replicas: replicas });
  await jsm.consumers.add(stream, { durable_name: 'workers', ack_policy: AckPolicy.Explicit, ack_wait: 60_000_000_000 });
  const js = conn.jetstream();
  for (let i = 0; i < n; i++) await js.publish(`${stream}.new`, new TextEncoder().encode(String(i)));
  if (fetched) {
    const c = await js.consumers.get(stream, 'workers');
    const batch = await c.fetch({ max_messages: fetched, expires: 2000 });
    for await (const _ of batch) if (--fetched === 0) break;
  }
  return { stream, consumer: 'workers' };
}

const meta = (extra: Record<string, string>) => input({ natsServerMonitoringEndpoint: env.NATS_MONITORING, account: '$G', ...extra });

describe('nats-jetstream on one server', () => {
  it('num_pending + num_ack_pending: 8 messages, 3 handed out and not acknowledged → 8', async () => {
    const { stream, consumer } = await backlog(nc, 8, 3);
    expect(await sampleOnce(natsJetstream, meta({ stream, consumer }), 'orders')).toEqual({ value: 8, active: true });
  });

  it('an empty stream is 0 and inactive; activation is strictly above activationLagThreshold', async () => {
    const empty = await backlog(nc, 0, 0);
    expect(await sampleOnce(natsJetstream, meta(empty), 'orders')).toEqual({ value: 0, active: false });
    const two = await backlog(nc, 2, 0);
    expect(await sampleOnce(natsJetstream, meta({ ...two, activationLagThreshold: '2' }), 'orders')).toEqual({ value: 2, active: false });
    expect(await sampleOnce(natsJetstream, meta({ ...two, activationLagThreshold: '1' }), 'orders')).toEqual({ value: 2, active: true });
  });

  it('the account by id (accountID, from a TriggerAuthentication)', async () => {
    const { stream, consumer } = await backlog(nc, 4, 0);
    expect(
      await sampleOnce(
        natsJetstream,
        input({ stream, consumer }, { natsServerMonitoringEndpoint: env.NATS_MONITORING, accountID: '$G' }),
        'orders',
      ),
    ).toEqual({ value: 4, active: true });
  });

  it('a stream or consumer that is not there, and a port that is not the monitoring port: clear errors on their field', async () => {
    const { stream } = await backlog(nc, 1, 0);
    const noStream = await expectScalerError(
      sampleOnce(natsJetstream, meta({ stream: 'nope', consumer: 'workers' }), 'orders'),
      'SCALER_VALUE_NOT_FOUND',
      'orders',
    );
    expect(noStream).toMatchObject({
      message: expect.stringContaining("stream 'nope' not found in account '$G'"),
      data: { field: 'stream' },
    });
    const noConsumer = await expectScalerError(
      sampleOnce(natsJetstream, meta({ stream, consumer: 'nobody' }), 'orders'),
      'SCALER_VALUE_NOT_FOUND',
      'orders',
    );
    expect(noConsumer).toMatchObject({
      message: expect.stringContaining(`consumer 'nobody' not found in stream '${stream}'`),
      data: { field: 'consumer' },
    });
    const clientPort = env.NATS_URL.replace('nats://', '');
    const e = await sampleOnce(
      natsJetstream,
      meta({ natsServerMonitoringEndpoint: clientPort, stream, consumer: 'workers' }),
      'orders',
      3000,
    ).then(
      () => undefined,
      (x: Error) => x,
    );
    expect(e?.message).toMatch(/^trigger 'orders' \(nats-jetstream\): /);
  });

  it('connection refused, and a monitoring port that hangs: SCALER_CONNECTION_REFUSED, SCALER_TIMEOUT', async () => {
    await expectScalerError(
      sampleOnce(
        natsJetstream,
        meta({ natsServerMonitoringEndpoint: `127.0.0.1:${await freePort()}`, stream: 's', consumer: 'c' }),
        'orders',
      ),
      'SCALER_CONNECTION_REFUSED',
      'orders',
    );
    const hung = createServer(() => undefined);
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    try {
      await expectScalerError(
        sampleOnce(
          natsJetstream,
          meta({ natsServerMonitoringEndpoint: `127.0.0.1:${(hung.address() as AddressInfo).port}`, stream: 's', consumer: 'c' }),
          'orders',
          300,
        ),
        'SCALER_TIMEOUT',
        'orders',
      );
    } finally {
      hung.closeAllConnections();
      await new Promise((r) => hung.close(r));
    }
  });

  it('metadata: account or accountID, host:port only; the target', () => {
    expect(natsJetstream.parse(input({ natsServerMonitoringEndpoint: 'n:8222', stream: 's', consumer: 'c' }))).toMatchObject({
      ok: false,
      errors: [{ field: 'account' }],
    });
    expect(
      natsJetstream.parse(input({ natsServerMonitoringEndpoint: 'http://n:8222', account: 'a', stream: 's', consumer: 'c' })),
    ).toMatchObject({ ok: false, errors: [{ field: 'natsServerMonitoringEndpoint' }] });
    const r = natsJetstream.parse(input({ natsServerMonitoringEndpoint: 'n:8222', account: 'a', stream: 's', consumer: 'c' }));
    expect(r.ok && natsJetstream.target(r.meta)).toEqual({ target: 10, activationTarget: 0, unit: 'msgs' });
    expect(r.ok && natsJetstream.source!(r.meta)).toBe("consumer 'c' of stream 's' (account a) at http://n:8222");
  });

  it('findConsumer matches the account by id or name', () => {
    const jsz = {
      account_details: [{ id: 'ACC1', name: 'orders', stream_detail: [{ name: 's', consumer_detail: [{ name: 'c', num_pending: 1 }] }] }],
    };
    expect(findConsumer(jsz, { account: 'orders', accountID: undefined, stream: 's', consumer: 'c' }).consumer?.num_pending).toBe(1);
    expect(findConsumer(jsz, { account: undefined, accountID: 'ACC1', stream: 's', consumer: 'c' }).consumer?.num_pending).toBe(1);
    expect(findConsumer(jsz, { account: 'other', accountID: undefined, stream: 's', consumer: 'c' })).toEqual({
      stream: false,
      consumer: null,
    });
  });
});

describe('nats-jetstream in a three-node cluster', () => {
  it("asks the consumer's leader, and finds it again after the leadership moves", async () => {
    const { stream, consumer } = await backlog(cluster, 6, 2, 3);
    const m = input({ natsServerMonitoringEndpoint: env.NATS_CLUSTER_MONITORING, account: '$G', stream, consumer });
    const parsed = natsJetstream.parse(m);
    if (!parsed.ok) throw new Error('parse');
    const asked: string[] = [];
    const fetchSpy: typeof fetch = (u, init) => (asked.push(new URL(String(u)).host), fetch(u, init));
    const s = natsJetstream.create(parsed.meta, scalerDeps(Date.now, fetchSpy), 'orders');
    try {
      expect(await s.sample(AbortSignal.timeout(10_000))).toEqual({ value: 6, active: true });
      const jsm = await cluster.jetstreamManager();
      const leaderOf = async () => (await jsm.consumers.info(stream, consumer)).cluster?.leader;
      const first = await leaderOf();
      expect(first).toMatch(/^n[123]$/);
      // From now on the leader alone is asked.
      asked.length = 0;
      expect(await s.sample(AbortSignal.timeout(10_000))).toEqual({ value: 6, active: true });
      expect(asked).toEqual([`127.0.0.${first!.slice(1)}:${env.NATS_CLUSTER_MONITORING.split(':')[1]}`]);
      // The leader steps down: the next sample finds the new one.
      await cluster.request(`$JS.API.CONSUMER.LEADER.STEPDOWN.${stream}.${consumer}`, undefined, { timeout: 5000 });
      let moved: string | undefined;
      for (let i = 0; i < 40 && (!moved || moved === first); i++) {
        await new Promise((r) => setTimeout(r, 250));
        moved = await leaderOf().catch(() => undefined);
      }
      expect(moved).not.toBe(first);
      expect(await s.sample(AbortSignal.timeout(10_000))).toEqual({ value: 6, active: true });
      asked.length = 0;
      await s.sample(AbortSignal.timeout(10_000));
      expect(asked).toEqual([`127.0.0.${moved!.slice(1)}:${env.NATS_CLUSTER_MONITORING.split(':')[1]}`]);
    } finally {
      await s.close();
    }
  });
});
