import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { redis } from '../../src/scalers/redis.js';
import type { RawSample, ScalerInput } from '../../src/scalers/types.js';
import { freePort } from '../support/servers/spawn.js';
import { expectScalerError, input, sampleOnce } from '../support/scalers.js';
import { scalerDeps } from '../../src/cli/scaler-clients.js';

const env = inject('servers');

const sample = (i: ScalerInput, trigger = 'jobs'): Promise<RawSample> => sampleOnce(redis, i, trigger);

describe('redis parse', () => {
  it.each([
    {
      name: 'defaults',
      input: input({ listName: 'q', address: 'h:6379' }),
      want: { listLength: 5, activationListLength: 0, databaseIndex: 0, unsafeSsl: false, endpoint: { host: 'h', port: 6379 } },
    },
    { name: 'host and port', input: input({ listName: 'q', host: 'h', port: '7000' }), want: { endpoint: { host: 'h', port: 7000 } } },
    { name: 'ipv6 address', input: input({ listName: 'q', address: '[::1]:7000' }), want: { endpoint: { host: '::1', port: 7000 } } },
    {
      name: 'address before host',
      input: input({ listName: 'q', address: 'a:1', host: 'b', port: '2' }),
      want: { endpoint: { host: 'a', port: 1 } },
    },
    { name: 'address from authParams', input: input({ listName: 'q' }, { address: 'a:1' }), want: { endpoint: { host: 'a', port: 1 } } },
    {
      name: 'passwordFromEnv',
      input: input({ listName: 'q', address: 'a:1', passwordFromEnv: 'PW' }, {}, { PW: 'p' }),
      want: { password: 'p' },
    },
    {
      name: 'password: metadata before env before authParams',
      input: input({ listName: 'q', address: 'a:1', passwordFromEnv: 'PW' }, { password: 'auth' }, { PW: 'env' }),
      want: { password: 'env' },
    },
    {
      name: 'password from authParams',
      input: input({ listName: 'q', address: 'a:1' }, { password: 'auth', username: 'u' }),
      want: { password: 'auth', username: 'u' },
    },
    {
      name: 'targets',
      input: input({ listName: 'q', address: 'a:1', listLength: '10', activationListLength: '3', databaseIndex: '2' }),
      want: { listLength: 10, activationListLength: 3, databaseIndex: 2 },
    },
    { name: 'tls from authParams', input: input({ listName: 'q', address: 'a:1' }, { tls: 'enable' }), want: { tls: 'enable' } },
    {
      name: 'addresses (plural, comma-separated): the first one',
      input: input({ listName: 'q', addresses: 'a:1, b:2' }),
      want: {
        endpoint: { host: 'a', port: 1 },
        endpoints: [
          { host: 'a', port: 1 },
          { host: 'b', port: 2 },
        ],
      },
    },
    {
      name: 'hosts and ports, paired',
      input: input({ listName: 'q', hosts: 'a,b', ports: '1,2' }),
      want: {
        endpoint: { host: 'a', port: 1 },
        endpoints: [
          { host: 'a', port: 1 },
          { host: 'b', port: 2 },
        ],
      },
    },
    {
      name: 'TLS material from authParams',
      input: input(
        { listName: 'q', address: 'a:1', enableTLS: 'true' },
        { ca: 'CA PEM', cert: 'CERT PEM', key: 'KEY PEM', keyPassword: 'kp' },
      ),
      want: { ca: 'CA PEM', cert: 'CERT PEM', key: 'KEY PEM', keyPassword: 'kp' },
    },
  ])('$name', ({ input: i, want }) => {
    const r = redis.parse(i);
    expect(r.ok && r.meta).toMatchObject(want);
  });

  it.each([
    { name: 'listName missing', input: input({ address: 'a:1' }), wantFields: ['listName'] },
    { name: 'no address', input: input({ listName: 'q' }), wantFields: ['address'] },
    { name: 'host without port', input: input({ listName: 'q', host: 'h' }), wantFields: ['port'] },
    { name: 'bad address', input: input({ listName: 'q', address: 'redis://h' }), wantFields: ['address'] },
    { name: 'bad int', input: input({ listName: 'q', address: 'a:1', listLength: 'five' }), wantFields: ['listLength'] },
    { name: 'listLength 0', input: input({ listName: 'q', address: 'a:1', listLength: '0' }), wantFields: ['listLength'] },
    {
      name: 'both TLS settings',
      input: input({ listName: 'q', address: 'a:1', enableTLS: 'true' }, { tls: 'enable' }),
      wantFields: ['enableTLS'],
    },
    { name: 'more hosts than ports', input: input({ listName: 'q', hosts: 'a,b', ports: '1' }), wantFields: ['port'] },
    { name: 'a port that is not one', input: input({ listName: 'q', host: 'a', port: 'six' }), wantFields: ['port'] },
    { name: 'one bad address in the list', input: input({ listName: 'q', addresses: 'a:1,b' }), wantFields: ['address'] },
    {
      name: 'a client certificate without its key',
      input: input({ listName: 'q', address: 'a:1' }, { cert: 'CERT PEM' }),
      wantFields: ['key'],
    },
  ])('$name', ({ input: i, wantFields }) => {
    const r = redis.parse(i);
    expect(!r.ok && r.errors.map((e) => e.field)).toEqual(wantFields);
  });

  it('target', () => {
    const r = redis.parse(input({ listName: 'q', address: 'a:1', listLength: '7', activationListLength: '2' }));
    expect(r.ok && redis.target(r.meta)).toEqual({ target: 7, activationTarget: 2, unit: 'items' });
  });
});

describe('redis against redis-server', () => {
  let client: Redis;
  beforeAll(async () => {
    const [host, port] = env.REDIS_ADDRESS.split(':');
    client = new Redis({ host, port: Number(port), lazyConnect: true });
    await client.connect();
    await client.del('rl:list', 'rl:zset', 'rl:set', 'rl:hash', 'rl:string', 'rl:stream');
    await client.rpush('rl:list', 'a', 'b', 'c');
    await client.zadd('rl:zset', 1, 'a', 2, 'b');
    await client.sadd('rl:set', 'a', 'b', 'c', 'd');
    await client.hset('rl:hash', { a: '1', b: '2', c: '3', d: '4', e: '5' });
    await client.set('rl:string', 'x');
    await client.xadd('rl:stream', '*', 'f', 'v');
    await client.select(3);
    await client.rpush('rl:db3', 'a', 'b');
    await client.select(0);
  });
  afterAll(async () => {
    await client?.quit();
  });

  it.each([
    { name: 'list', listName: 'rl:list', want: 3 },
    { name: 'zset', listName: 'rl:zset', want: 2 },
    { name: 'set', listName: 'rl:set', want: 4 },
    { name: 'hash', listName: 'rl:hash', want: 5 },
    { name: 'missing key', listName: 'rl:none', want: 0 },
  ])('counts a $name', async ({ listName, want }) => {
    expect(await sample(input({ listName, address: env.REDIS_ADDRESS }))).toEqual({ value: want, active: want > 0 });
  });

  it('reads the databaseIndex', async () => {
    expect(await sample(input({ listName: 'rl:db3', address: env.REDIS_ADDRESS, databaseIndex: '3' }))).toEqual({ value: 2, active: true });
  });

  it('activation is strict: value == activationListLength is inactive', async () => {
    const [host, port] = env.REDIS_ADDRESS.split(':');
    expect(await sample(input({ listName: 'rl:list', host, port, activationListLength: '3' }))).toEqual({ value: 3, active: false });
    expect(await sample(input({ listName: 'rl:list', host, port, activationListLength: '2' }))).toEqual({ value: 3, active: true });
  });

  it.each([
    { name: 'string', listName: 'rl:string' },
    { name: 'stream', listName: 'rl:stream' },
  ])('rejects a $name key with SCALER_WRONG_TYPE', async ({ listName }) => {
    const e = await expectScalerError(
      sample(input({ listName, address: env.REDIS_ADDRESS }), 'wrong-type'),
      'SCALER_WRONG_TYPE',
      'wrong-type',
    );
    expect(e.message).toContain(listName);
    expect(e.data.field).toBe('listName');
  });

  it('connection refused rejects promptly', async () => {
    const port = await freePort();
    const t0 = Date.now();
    const e = await expectScalerError(
      sample(input({ listName: 'q', address: `127.0.0.1:${port}` }), 'refused'),
      'SCALER_CONNECTION_REFUSED',
      'refused',
    );
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(e.message).toContain(`(ECONNREFUSED 127.0.0.1:${port})`);
  });

  it('authenticates with a password (requirepass) and with an ACL user', async () => {
    const pw = env.REDIS_AUTH_PASSWORD;
    expect(await sample(input({ listName: 'q', address: env.REDIS_AUTH_ADDRESS }, { password: pw }))).toEqual({ value: 0, active: false });
    expect(
      await sample(
        input(
          { listName: 'q', address: env.REDIS_AUTH_ADDRESS, username: env.REDIS_AUTH_USER, passwordFromEnv: 'RPW' },
          {},
          { RPW: env.REDIS_AUTH_USER_PASSWORD },
        ),
      ),
    ).toEqual({ value: 0, active: false });
  });

  it.each<{ name: string; auth: Record<string, string> }>([
    { name: 'wrong password', auth: { password: 'wrong-password-123' } },
    { name: 'wrong user password', auth: { username: 'scaler', password: 'wrong-password-456' } },
    { name: 'no password', auth: {} },
  ])('bad credentials ($name) reject with SCALER_AUTH_FAILED without the password', async ({ auth }) => {
    const secrets = [...Object.values(auth).filter((v) => v.startsWith('wrong')), env.REDIS_AUTH_PASSWORD];
    await expectScalerError(
      sample(input({ listName: 'q', address: env.REDIS_AUTH_ADDRESS }, auth), 'auth'),
      'SCALER_AUTH_FAILED',
      'auth',
      secrets,
    );
  });

  it('recovers on the next sample after a failure, and closes cleanly', async () => {
    const parsed = redis.parse(input({ listName: 'rl:list', address: env.REDIS_ADDRESS }));
    if (!parsed.ok) throw new Error('parse');
    const s = redis.create(parsed.meta, scalerDeps(), 'again');
    try {
      expect(await s.sample(AbortSignal.timeout(5_000))).toEqual({ value: 3, active: true });
      expect(await s.sample(AbortSignal.timeout(5_000))).toEqual({ value: 3, active: true });
      const aborted = new AbortController();
      aborted.abort();
      await expectScalerError(s.sample(aborted.signal), 'SCALER_ABORTED', 'again');
      expect(await s.sample(AbortSignal.timeout(5_000))).toEqual({ value: 3, active: true });
    } finally {
      await s.close();
    }
  });

  describe('over TLS (the server requires a client certificate)', () => {
    const pem = (f: string) => readFileSync(f, 'utf8');
    const tlsInput = (auth: Record<string, string>, extra: Record<string, string> = {}) =>
      input({ listName: tlsList, address: env.REDIS_TLS_ADDRESS, enableTLS: 'true', ...extra }, auth);
    let tlsList = '';
    beforeAll(async () => {
      tlsList = `tls-${Math.random().toString(36).slice(2)}`;
      const c = new Redis({
        host: '127.0.0.1',
        port: Number(env.REDIS_TLS_ADDRESS.split(':')[1]),
        tls: { ca: pem(env.REDIS_TLS_CA_FILE), cert: pem(env.REDIS_TLS_CERT_FILE), key: pem(env.REDIS_TLS_KEY_FILE) },
      });
      await c.rpush(tlsList, 'a', 'b', 'c');
      await c.quit();
    });

    it('with the CA and a client certificate: the value', async () => {
      expect(
        await sample(tlsInput({ ca: pem(env.REDIS_TLS_CA_FILE), cert: pem(env.REDIS_TLS_CERT_FILE), key: pem(env.REDIS_TLS_KEY_FILE) })),
      ).toEqual({ value: 3, active: true });
    });

    it('tls: enable from authParams, and an encrypted key with keyPassword', async () => {
      const i = input(
        { listName: tlsList, address: env.REDIS_TLS_ADDRESS },
        {
          tls: 'enable',
          ca: pem(env.REDIS_TLS_CA_FILE),
          cert: pem(env.REDIS_TLS_CERT_FILE),
          key: pem(env.REDIS_TLS_ENCRYPTED_KEY_FILE),
          keyPassword: env.REDIS_TLS_KEY_PASSWORD,
        },
      );
      expect(await sample(i)).toEqual({ value: 3, active: true });
    });

    it('unsafeSsl: the server certificate unchecked (no CA given)', async () => {
      expect(
        await sample(tlsInput({ cert: pem(env.REDIS_TLS_CERT_FILE), key: pem(env.REDIS_TLS_KEY_FILE) }, { unsafeSsl: 'true' })),
      ).toEqual({ value: 3, active: true });
    });

    it('an unknown CA is a TLS error naming the field, never a secret', async () => {
      const key = pem(env.REDIS_TLS_KEY_FILE);
      const e = await expectScalerError(
        sample(tlsInput({ cert: pem(env.REDIS_TLS_CERT_FILE), key }), 'untrusted'),
        'SCALER_TLS_FAILED',
        'untrusted',
        [key],
      );
      expect(e.message).toMatch(/certificate/i);
      expect(e.data.field).toBe('ca');
    });

    it('without a client certificate the server refuses the handshake: a clear error', async () => {
      const e = await sample(tlsInput({ ca: pem(env.REDIS_TLS_CA_FILE) }), 'nocert').then(
        () => undefined,
        (x: Error) => x,
      );
      expect(e).toBeDefined();
      expect(['SCALER_TLS_FAILED', 'SCALER_UNAVAILABLE']).toContain((e as { code?: string }).code);
      expect(String(e)).toMatch(/trigger 'nocert' \(redis\)/);
    });
  });
});
