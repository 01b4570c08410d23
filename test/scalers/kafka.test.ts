// The kafka trigger against Apache Kafka 4.4 in KRaft mode (jars from Maven Central): a group's lag
// per partition as the broker holds it, KEDA's rules for a partition with no commit (latest /
// earliest / scaleToZeroOnInvalidOffset), the caps (partitions, partitions with lag,
// allowIdleConsumers), partitionLimitation, every topic the group committed, excludePersistentLag
// across polls, SASL/PLAIN, and failures as clear errors.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { kafka } from '../../src/scalers/kafka.js';
import { factors, parsePartitions, totalLag } from '../../src/scalers/kafka/lag.js';
import { expectScalerError, input, sampleOnce, withScaler } from '../support/scalers.js';
import { freePort } from '../support/servers/spawn.js';

const env = inject('servers');
let admin: Admin;
const client = () => new Kafka({ clientId: 'test', brokers: [env.KAFKA_BROKERS], logLevel: logLevel.NOTHING });
beforeAll(async () => {
  admin = client().admin();
  await admin.connect();
});
afterAll(async () => {
  await admin.disconnect();
});

/** A topic with `counts[i]` messages in partition i, and group `g` committed at `committed[i]` (undefined: no commit). */
async function topicWith(counts: number[], committed: (number | undefined)[], group: string): Promise<string> {
  const topic = `t-${randomBytes(4).toString('hex')}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: counts.length, replicationFactor: 1 }], waitForLeaders: true });
  const producer = client().producer({ allowAutoTopicCreation: false });
  await producer.connect();
  for (const [partition, n] of counts.entries())
    if (n) await producer.send({ topic, messages: Array.from({ length: n }, (_, i) => ({ partition, value: String(i) })) });
  await producer.disconnect();
  const partitions = committed.flatMap((offset, partition) => (offset === undefined ? [] : [{ partition, offset: String(offset) }]));
  if (partitions.length) await admin.setOffsets({ groupId: group, topic, partitions });
  return topic;
}

const meta = (extra: Record<string, string>) => input({ bootstrapServers: env.KAFKA_BROKERS, lagThreshold: '10', ...extra });

describe('kafka against a real broker', () => {
  let topic = '';
  const group = `g-${randomBytes(3).toString('hex')}`;
  beforeAll(async () => {
    // p0: 10 messages, committed at 4 (lag 6); p1: 5, committed at 5 (lag 0); p2: empty, never committed.
    topic = await topicWith([10, 5, 0], [4, 5, undefined], group);
  }, 60_000);

  it('the lag per partition; a partition with no commit counts 1 under latest (KEDA)', async () => {
    expect(await sampleOnce(kafka, meta({ consumerGroup: group, topic }), 'orders')).toEqual({ value: 7, active: true });
  });

  it('earliest counts the whole uncommitted partition (here empty: 0); scaleToZeroOnInvalidOffset counts it 0', async () => {
    expect((await sampleOnce(kafka, meta({ consumerGroup: group, topic, offsetResetPolicy: 'earliest' }), 'orders')).value).toBe(6);
    expect((await sampleOnce(kafka, meta({ consumerGroup: group, topic, scaleToZeroOnInvalidOffset: 'true' }), 'orders')).value).toBe(6);
  });

  it('capped at lagThreshold × partitions, or × partitions with lag; allowIdleConsumers lifts the cap', async () => {
    expect((await sampleOnce(kafka, meta({ consumerGroup: group, topic, lagThreshold: '1' }), 'orders')).value).toBe(3);
    expect(
      (await sampleOnce(kafka, meta({ consumerGroup: group, topic, lagThreshold: '1', limitToPartitionsWithLag: 'true' }), 'orders')).value,
    ).toBe(2);
    expect(
      (await sampleOnce(kafka, meta({ consumerGroup: group, topic, lagThreshold: '1', allowIdleConsumers: 'true' }), 'orders')).value,
    ).toBe(7);
  });

  it('partitionLimitation reads only those partitions', async () => {
    expect((await sampleOnce(kafka, meta({ consumerGroup: group, topic, partitionLimitation: '0' }), 'orders')).value).toBe(6);
    expect((await sampleOnce(kafka, meta({ consumerGroup: group, topic, partitionLimitation: '1-2' }), 'orders')).value).toBe(1);
  });

  it('without a topic: every topic the group has committed offsets for', async () => {
    const g = `g-${randomBytes(3).toString('hex')}`;
    await topicWith([3], [1], g);
    await topicWith([4, 4], [0, 4], g);
    expect(await sampleOnce(kafka, meta({ consumerGroup: g }), 'orders')).toEqual({ value: 6, active: true });
  });

  it('activation is strictly above activationLagThreshold; a group with no commits at all reads 1 per partition', async () => {
    expect((await sampleOnce(kafka, meta({ consumerGroup: group, topic, activationLagThreshold: '7' }), 'orders')).active).toBe(false);
    expect(await sampleOnce(kafka, meta({ consumerGroup: 'never-consumed', topic }), 'orders')).toEqual({ value: 3, active: true });
  });

  it('excludePersistentLag: a partition whose commit did not move since the last poll counts 0 (activation still sees it)', async () => {
    await withScaler(
      kafka,
      meta({ consumerGroup: group, topic, excludePersistentLag: 'true', partitionLimitation: '0' }),
      'orders',
      async (s) => {
        expect(await s.sample(AbortSignal.timeout(10_000))).toEqual({ value: 6, active: true });
        expect(await s.sample(AbortSignal.timeout(10_000))).toEqual({ value: 0, active: true });
        await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '8' }] });
        expect(await s.sample(AbortSignal.timeout(10_000))).toEqual({ value: 2, active: true });
        await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '4' }] });
      },
    );
  });

  it('SASL/PLAIN: the right password reads, a wrong one is SCALER_AUTH_FAILED without it', async () => {
    const sasl = (password: string) =>
      input(
        { bootstrapServers: env.KAFKA_SASL_BROKERS, consumerGroup: group, topic },
        { sasl: 'plaintext', username: env.KAFKA_SASL_USER, password },
      );
    expect((await sampleOnce(kafka, sasl(env.KAFKA_SASL_PASSWORD), 'orders')).value).toBe(7);
    const wrong = `wrong-${randomBytes(4).toString('hex')}`;
    await expectScalerError(sampleOnce(kafka, sasl(wrong), 'orders'), 'SCALER_AUTH_FAILED', 'orders', [wrong]);
  });

  it('TLS with a client certificate: reads with the CA (or unsafeSsl); without the CA, or the certificate, a clear error', async () => {
    const pem = (f: string) => readFileSync(f, 'utf8');
    const tls = (auth: Record<string, string>, extra: Record<string, string> = {}) =>
      input({ bootstrapServers: env.KAFKA_TLS_BROKERS, consumerGroup: group, topic, ...extra }, { tls: 'enable', ...auth });
    const full = { ca: pem(env.KAFKA_TLS_CA_FILE), cert: pem(env.KAFKA_TLS_CERT_FILE), key: pem(env.KAFKA_TLS_KEY_FILE) };
    expect((await sampleOnce(kafka, tls(full), 'orders')).value).toBe(7);
    const { ca: _, ...noCa } = full;
    expect((await sampleOnce(kafka, tls(noCa, { unsafeSsl: 'true' }), 'orders')).value).toBe(7);
    await expectScalerError(sampleOnce(kafka, tls(noCa), 'orders'), 'SCALER_TLS_FAILED', 'orders', [full.key]);
    const e = await sampleOnce(kafka, tls({ ca: full.ca }), 'orders').then(
      () => undefined,
      (x: Error) => x,
    );
    expect(e?.message).toMatch(/^trigger 'orders' \(kafka\): /);
  });

  it('a topic that does not exist, and a broker that refuses: clear errors', async () => {
    const e = await sampleOnce(kafka, meta({ consumerGroup: group, topic: 'no-such-topic' }), 'orders').then(
      () => undefined,
      (x: Error & { code: string }) => x,
    );
    expect(e?.message).toMatch(/^trigger 'orders' \(kafka\): /);
    await expectScalerError(
      sampleOnce(kafka, input({ bootstrapServers: `127.0.0.1:${await freePort()}`, consumerGroup: group, topic }), 'orders'),
      'SCALER_CONNECTION_REFUSED',
      'orders',
    );
  });
});

describe('kafka: metadata and arithmetic', () => {
  it.each([
    [{ consumerGroup: 'g' }, null],
    [{}, 'consumerGroup'],
    [{ consumerGroup: 'g', bootstrapServers: 'http://b:9092' }, 'bootstrapServers'],
    [{ consumerGroup: 'g', partitionLimitation: '1,2' }, 'partitionLimitation'],
    [{ consumerGroup: 'g', topic: 't', partitionLimitation: '3-1' }, 'partitionLimitation'],
    [{ consumerGroup: 'g', topic: 't', allowIdleConsumers: 'true', limitToPartitionsWithLag: 'true' }, 'limitToPartitionsWithLag'],
    [{ consumerGroup: 'g', limitToPartitionsWithLag: 'true' }, 'topic'],
    [{ consumerGroup: 'g', offsetResetPolicy: 'middle' }, 'offsetResetPolicy'],
    [{ consumerGroup: 'g', lagThreshold: '0' }, 'lagThreshold'],
  ])('%j → %s', (m, field) => {
    const r = kafka.parse(input({ bootstrapServers: 'b:9092', ...m }));
    if (field === null) expect(r.ok).toBe(true);
    else expect(r.ok ? [] : r.errors.map((e) => e.field)).toContain(field);
  });

  // KEDA 8b4f083 pkg/scalers/kafka_scaler_test.go parseKafkaMetadataTestDataset (and Validate), row by row.
  const keda = { bootstrapServers: 'foobar:9092', consumerGroup: 'my-group' };
  it.each([
    { name: 'partitionLimitation as list', input: { ...keda, topic: 'my-topic', partitionLimitation: '1,2,3,4' }, want: [1, 2, 3, 4] },
    { name: 'partitionLimitation as range', input: { ...keda, topic: 'my-topic', partitionLimitation: '1-4' }, want: [1, 2, 3, 4] },
    {
      name: 'partitionLimitation mixed list + ranges',
      input: { ...keda, topic: 'my-topic', partitionLimitation: '1-4,8,10-12' },
      want: [1, 2, 3, 4, 8, 10, 11, 12],
    },
    {
      name: 'partitionLimitation range with spaces around the dash (KEDA trims each end)',
      input: { ...keda, topic: 'my-topic', partitionLimitation: ' 1 - 4 ' },
      want: [1, 2, 3, 4],
    },
    {
      name: 'partitionLimitation whitespace only: as if absent',
      input: { ...keda, topic: 'my-topic', partitionLimitation: '           ' },
      want: undefined,
    },
    {
      name: 'ensureEvenDistributionOfPartitions is true',
      input: { ...keda, topic: 'my-topic', ensureEvenDistributionOfPartitions: 'true' },
      want: undefined,
    },
  ])('KEDA row, accepted: $name', ({ input: m, want }) => {
    const r = kafka.parse(input(m));
    expect(r.ok ? r.meta.partitions : r.errors).toEqual(want);
  });
  it.each([
    {
      name: 'partitionLimitation wrong data type',
      input: { ...keda, topic: 'my-topic', partitionLimitation: 'a,b,c,d' },
      field: 'partitionLimitation',
      message: /'a' is not a partition number/,
    },
    {
      name: 'limitToPartitionsWithLag and ensureEvenDistributionOfPartitions cannot be set to true simultaneously',
      input: { ...keda, topic: 'my-topic', ensureEvenDistributionOfPartitions: 'true', limitToPartitionsWithLag: 'true' },
      field: 'ensureEvenDistributionOfPartitions',
      message: /^limitToPartitionsWithLag and ensureEvenDistributionOfPartitions cannot be set simultaneously$/,
    },
    {
      name: 'ensureEvenDistributionOfPartitions without a topic',
      input: { ...keda, ensureEvenDistributionOfPartitions: 'true' },
      field: 'topic',
      message: /^topic must be specified when using ensureEvenDistributionOfPartitions$/,
    },
  ])('KEDA row, refused: $name', ({ input: m, field, message }) => {
    const r = kafka.parse(input(m));
    expect(r.ok ? [] : r.errors).toEqual([{ field, message: expect.stringMatching(message) }]);
  });

  it.each([
    { name: 'gssapi', sasl: 'gssapi' },
    { name: 'oauthbearer', sasl: 'oauthbearer' },
  ])('sasl $name without credentials: one problem, that it is not supported', ({ sasl }) => {
    const r = kafka.parse(input({ ...keda, topic: 't' }, { sasl }));
    expect(r.ok ? [] : r.errors).toEqual([
      { field: 'sasl', message: `sasl '${sasl}' is not supported by gitscale; use plaintext, scram_sha256 or scram_sha512` },
    ]);
  });

  it('sasl needs both credentials; oauthbearer is refused; plan names group, topic and partitions', () => {
    expect(kafka.parse(input({ bootstrapServers: 'b:9092', consumerGroup: 'g' }, { sasl: 'scram_sha512', username: 'u' }))).toMatchObject({
      ok: false,
      errors: [{ field: 'password' }],
    });
    expect(kafka.parse(input({ bootstrapServers: 'b:9092', consumerGroup: 'g' }, { sasl: 'oauthbearer' }))).toMatchObject({ ok: false });
    const r = kafka.parse(input({ bootstrapServers: 'a:9092, b:9092', consumerGroup: 'g', topic: 't', partitionLimitation: '0,2-3' }));
    expect(r.ok && kafka.source!(r.meta)).toBe("lag of group 'g' on topic 't' partitions 0,2-3 at a:9092,b:9092");
  });

  it('ensureEvenDistributionOfPartitions rounds up to a factor of the partition count (KEDA)', () => {
    const parts = Array.from({ length: 6 }, (_, i) => ({ topic: 't', partition: i, committed: 0, latest: i === 0 ? 25 : 0 }));
    const o = {
      lagThreshold: 10,
      offsetResetPolicy: 'latest' as const,
      allowIdleConsumers: false,
      excludePersistentLag: false,
      scaleToZeroOnInvalidOffset: false,
      limitToPartitionsWithLag: false,
      ensureEvenDistributionOfPartitions: true,
    };
    expect(totalLag(parts, o, new Map()).lag).toBe(30);
    expect(factors(12)).toEqual([1, 2, 3, 4, 6, 12]);
    expect(parsePartitions('1,2,5-7')).toEqual([1, 2, 5, 6, 7]);
  });
});
