// The rabbitmq trigger against Debian's RabbitMQ with its management plugin: QueueLength over
// AMQP and over HTTP (ready + unacknowledged, or ready only), a vhost from the URL or vhostName,
// useRegex with sum / avg / max, the rate modes over HTTP, KEDA's mode arithmetic, and every
// failure a clear error on the trigger without the password.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type Channel, type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { composed, metricOf, rabbitmq } from '../../src/scalers/rabbitmq.js';
import { expectScalerError, input, sampleOnce } from '../support/scalers.js';
import { freePort } from '../support/servers/spawn.js';

const env = inject('servers');
const amqpUrl = (vhost = '') => `amqp://${env.RABBITMQ_USER}:${env.RABBITMQ_PASSWORD}@${env.RABBITMQ_AMQP_ADDRESS}/${vhost}`;
const httpUrl = (vhost = '') => `${env.RABBITMQ_HTTP_URL.replace('://', `://${env.RABBITMQ_USER}:${env.RABBITMQ_PASSWORD}@`)}/${vhost}`;
let conn: ChannelModel;
let ch: Channel;
let jobs: ChannelModel;
beforeAll(async () => {
  conn = await connect(amqpUrl());
  ch = await conn.createChannel();
  jobs = await connect(amqpUrl('jobs'));
});
afterAll(async () => {
  await conn.close();
  await jobs.close();
});

/** A queue with `n` messages, `held` of them delivered and not acknowledged (on a consumer that stays open). */
async function queue(n: number, held = 0, on: Channel = ch, prefix = 'q'): Promise<string> {
  const q = `${prefix}-${randomBytes(4).toString('hex')}`;
  await on.assertQueue(q, { durable: false });
  for (let i = 0; i < n; i++) on.sendToQueue(q, Buffer.from(String(i)));
  if (held) {
    const consumer = await conn.createChannel();
    await consumer.prefetch(held);
    let got = 0;
    await new Promise<void>((resolve) => void consumer.consume(q, () => void (++got === held && resolve()), { noAck: false }));
  }
  return q;
}

/** The management API reflects a queue's counts a little after the broker: wait for `want` messages. */
async function settled(q: string, want: number, vhost = '%2F'): Promise<void> {
  const auth = { authorization: `Basic ${Buffer.from(`${env.RABBITMQ_USER}:${env.RABBITMQ_PASSWORD}`).toString('base64')}` };
  for (const end = Date.now() + 15_000; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
    const r = await fetch(`${env.RABBITMQ_HTTP_URL}/api/queues/${vhost}/${q}`, { headers: auth });
    if (r.ok && ((await r.json()) as { messages?: number }).messages === want) return;
  }
  throw new Error(`the management API never showed ${want} messages in ${q}`);
}

describe('rabbitmq: QueueLength', () => {
  it('over AMQP: the messages a passive declare reports (ready; 0 for an empty queue)', async () => {
    const q = await queue(7);
    await settled(q, 7);
    expect(await sampleOnce(rabbitmq, input({ host: amqpUrl(), queueName: q, mode: 'QueueLength', value: '5' }), 'jobs')).toEqual({ value: 7, active: true });
    expect(await sampleOnce(rabbitmq, input({ host: amqpUrl(), queueName: await queue(0) }), 'jobs')).toEqual({ value: 0, active: false });
  });

  it('over HTTP: ready + unacknowledged, or ready only with excludeUnacknowledged', async () => {
    const q = await queue(6, 2);
    await settled(q, 6);
    expect(await sampleOnce(rabbitmq, input({ host: httpUrl(), queueName: q }), 'jobs')).toEqual({ value: 6, active: true });
    expect(await sampleOnce(rabbitmq, input({ host: httpUrl(), queueName: q, excludeUnacknowledged: 'true' }), 'jobs')).toEqual({ value: 4, active: true });
  });

  it('the vhost from the URL, or vhostName; credentials from a TriggerAuthentication', async () => {
    const jch = await jobs.createChannel();
    const q = await queue(3, 0, jch, 'jobsq');
    await settled(q, 3, 'jobs');
    expect(await sampleOnce(rabbitmq, input({ host: httpUrl('jobs'), queueName: q }), 'jobs')).toEqual({ value: 3, active: true });
    expect(await sampleOnce(rabbitmq, input({ host: `${env.RABBITMQ_HTTP_URL}/`, queueName: q, vhostName: 'jobs' }, { username: env.RABBITMQ_USER, password: env.RABBITMQ_PASSWORD }), 'jobs')).toEqual({ value: 3, active: true });
    expect(await sampleOnce(rabbitmq, input({ host: `amqp://${env.RABBITMQ_AMQP_ADDRESS}/`, queueName: q, vhostName: 'jobs' }, { username: env.RABBITMQ_USER, password: env.RABBITMQ_PASSWORD }), 'jobs')).toEqual({ value: 3, active: true });
    await jch.close();
  });

  it('activation strictly above activationValue', async () => {
    const q = await queue(4);
    await settled(q, 4);
    expect(await sampleOnce(rabbitmq, input({ host: httpUrl(), queueName: q, activationValue: '4' }), 'jobs')).toEqual({ value: 4, active: false });
  });

  it('useRegex with sum, avg and max over the matching queues (HTTP)', async () => {
    const tag = `rx${randomBytes(3).toString('hex')}`;
    const qs = [await queue(2, 0, ch, tag), await queue(5, 0, ch, tag), await queue(11, 0, ch, tag)];
    for (const [i, q] of qs.entries()) await settled(q, [2, 5, 11][i]);
    const rx = (operation: string) => sampleOnce(rabbitmq, input({ host: httpUrl(), queueName: `^${tag}-.*`, useRegex: 'true', operation }), 'jobs');
    expect((await rx('sum')).value).toBe(18);
    expect((await rx('avg')).value).toBe(6);
    expect((await rx('max')).value).toBe(11);
    const none = await sampleOnce(rabbitmq, input({ host: httpUrl(), queueName: '^never-matches$', useRegex: 'true' }), 'jobs');
    expect(none).toEqual({ value: 0, active: false });
  });

  it('MessageRate over HTTP: the publish rate the management API reports', async () => {
    const q = await queue(0);
    // About 50 messages a second for as long as the rate is awaited.
    const publisher = setInterval(() => ch.sendToQueue(q, Buffer.from('x')), 20);
    try {
      let got = { value: 0, active: false };
      for (let i = 0; i < 30 && got.value < 5; i++, await new Promise((r) => setTimeout(r, 500))) {
        got = await sampleOnce(rabbitmq, input({ host: httpUrl(), queueName: q, mode: 'MessageRate', value: '10' }), 'jobs');
      }
      expect(got.value).toBeGreaterThan(5);
      expect(got.value).toBeLessThan(200);
      expect(got.active).toBe(true);
    } finally {
      clearInterval(publisher);
    }
  });
});

describe('rabbitmq: failures', () => {
  it('a queue that is not there: SCALER_QUEUE_NOT_FOUND over AMQP and HTTP', async () => {
    await expectScalerError(sampleOnce(rabbitmq, input({ host: amqpUrl(), queueName: 'nope' }), 'jobs'), 'SCALER_QUEUE_NOT_FOUND', 'jobs', [env.RABBITMQ_PASSWORD]);
    await expectScalerError(sampleOnce(rabbitmq, input({ host: httpUrl(), queueName: 'nope' }), 'jobs'), 'SCALER_QUEUE_NOT_FOUND', 'jobs', [env.RABBITMQ_PASSWORD]);
  });

  it('a wrong password: SCALER_AUTH_FAILED, the password nowhere', async () => {
    const wrong = `wrong-${randomBytes(4).toString('hex')}`;
    const q = await queue(1);
    await expectScalerError(sampleOnce(rabbitmq, input({ host: `amqp://${env.RABBITMQ_USER}:${wrong}@${env.RABBITMQ_AMQP_ADDRESS}/`, queueName: q }), 'jobs'), 'SCALER_AUTH_FAILED', 'jobs', [wrong]);
    await expectScalerError(sampleOnce(rabbitmq, input({ host: `${env.RABBITMQ_HTTP_URL}/`, queueName: q }, { username: env.RABBITMQ_USER, password: wrong }), 'jobs'), 'SCALER_AUTH_FAILED', 'jobs', [wrong]);
  });

  it('a management API that hangs (timeout) or answers something that is not JSON: clear errors', async () => {
    const hung = createServer(() => undefined);
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    const port = (hung.address() as AddressInfo).port;
    try {
      await expectScalerError(sampleOnce(rabbitmq, input({ host: `http://127.0.0.1:${port}/`, queueName: 'q', timeout: '300' }), 'jobs'), 'SCALER_TIMEOUT', 'jobs');
    } finally {
      hung.closeAllConnections();
      await new Promise((r) => hung.close(r));
    }
    const path = `/rabbit-${randomBytes(3).toString('hex')}`;
    await fetch(`${env.METRICS_URL}/__set?path=${encodeURIComponent(`${path}/api/queues/%2F/q`)}&type=text/html`, { method: 'POST', body: '<html>proxy</html>' });
    await expectScalerError(sampleOnce(rabbitmq, input({ host: `${env.METRICS_URL}${path}/`, queueName: 'q' }), 'jobs'), 'SCALER_INVALID_RESPONSE', 'jobs');
  });

  it('connection refused over both', async () => {
    const port = await freePort();
    await expectScalerError(sampleOnce(rabbitmq, input({ host: `amqp://u:secret-pw@127.0.0.1:${port}/`, queueName: 'q' }), 'jobs'), 'SCALER_CONNECTION_REFUSED', 'jobs', ['secret-pw']);
    await expectScalerError(sampleOnce(rabbitmq, input({ host: `http://u:secret-pw@127.0.0.1:${port}/`, queueName: 'q' }), 'jobs'), 'SCALER_CONNECTION_REFUSED', 'jobs', ['secret-pw']);
  });
});

describe('rabbitmq: metadata and KEDA arithmetic', () => {
  const ok = (m: Record<string, string>) => rabbitmq.parse(input({ queueName: 'q', host: 'amqp://h/', ...m }));
  it.each([
    [{}, null],
    [{ host: 'http://h/' }, null],
    [{ mode: 'QueueLength' }, 'value'],
    [{ value: '3' }, 'mode'],
    [{ queueLength: '3', mode: 'QueueLength', value: '3' }, 'queueLength'],
    [{ mode: 'MessageRate', value: '3' }, 'mode'],
    [{ useRegex: 'true' }, 'useRegex'],
    [{ excludeUnacknowledged: 'true' }, 'excludeUnacknowledged'],
    [{ timeout: '1000' }, 'timeout'],
    [{ host: 'ftp://h/' }, 'host'],
    [{ host: 'http://h/', pageSize: '0' }, 'pageSize'],
    [{ host: 'http://h/', operation: 'median' }, 'operation'],
  ])('%j → %s', (m, field) => {
    const r = ok(m as Record<string, string>);
    if (field === null) expect(r.ok).toBe(true);
    else expect(r.ok ? [] : r.errors.map((e) => e.field)).toContain(field);
  });

  it('defaults: QueueLength with a target of 20; deprecated queueLength is the target', () => {
    const r = ok({});
    expect(r.ok && rabbitmq.target(r.meta)).toEqual({ target: 20, activationTarget: 0, unit: 'msgs' });
    const old = ok({ queueLength: '7' });
    expect(old.ok && rabbitmq.target(old.meta)).toEqual({ target: 7, activationTarget: 0, unit: 'msgs' });
    const rate = ok({ host: 'http://u:pw@h:15672/jobs', mode: 'PublishedToDeliveredRatio', value: '1.5' });
    expect(rate.ok && rabbitmq.source!(rate.meta)).toBe("queue 'q' in vhost 'jobs' at http://h:15672/jobs (http, PublishedToDeliveredRatio)");
  });

  it.each([
    ['QueueLength', { messages: 4, publishRate: 0, deliverRate: 0 }, 1, { value: 4, active: true }],
    ['MessageRate: active on messages even at rate 0', { messages: 3, publishRate: 0, deliverRate: 0 }, 1, { value: 0, active: true }],
    ['DeliverGetRate', { messages: 0, publishRate: 9, deliverRate: 2.5 }, 1, { value: 2.5, active: true }],
    ['PublishedToDeliveredRatio', { messages: 0, publishRate: 6, deliverRate: 2 }, 1, { value: 3, active: true }],
    ['PublishedToDeliveredRatio: nothing delivered → activationValue, active', { messages: 0, publishRate: 6, deliverRate: 0 }, 2, { value: 2, active: true }],
    ['ExpectedQueueConsumptionTime', { messages: 10, publishRate: 4, deliverRate: 2 }, 1, { value: 6, active: true }],
    ['ExpectedQueueConsumptionTime: empty queue → 0', { messages: 0, publishRate: 4, deliverRate: 2 }, 1, { value: 0, active: false }],
    ['ExpectedQueueConsumptionTime: nothing delivered → activationValue, active', { messages: 5, publishRate: 1, deliverRate: 0 }, 3, { value: 3, active: true }],
  ])('%s', (mode, q, activation, want) => {
    expect(metricOf(mode.split(':')[0] as never, { ready: q.messages, ...q }, activation)).toEqual(want);
  });

  it('composed queues: avg rounds the counts down as KEDA\'s integers', () => {
    const qs = [{ messages: 1, ready: 1, publishRate: 1, deliverRate: 0 }, { messages: 2, ready: 2, publishRate: 2, deliverRate: 1 }];
    expect(composed(qs, 'avg')).toEqual({ messages: 1, ready: 1, publishRate: 1.5, deliverRate: 0.5 });
    expect(composed([], 'max')).toEqual({ messages: 0, ready: 0, publishRate: 0, deliverRate: 0 });
  });
});
