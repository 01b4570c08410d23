// `mongodb` against a real MongoDB wire-protocol server (FerretDB, built from the Go module proxy
// by the test environment, with SCRAM authentication on): KEDA's metadata, countDocuments with an
// Extended JSON filter, activation, TLS with a client certificate (FerretDB's TLS listener requiring
// one), and each failure a clear error without a secret.
import { MongoClient } from 'mongodb';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mongodb } from '../../src/scalers/mongodb.js';
import type { RawSample, ScalerInput } from '../../src/scalers/types.js';
import { freePort } from '../support/servers/spawn.js';
import { expectScalerError, input, sampleOnce, withScaler } from '../support/scalers.js';

const env = inject('servers');
const sample = (i: ScalerInput, trigger = 'jobs'): Promise<RawSample> => sampleOnce(mongodb, i, trigger, 20_000);
const collection = `jobs_${randomBytes(4).toString('hex')}`;
/** Separate keys pointing at the test server; the password from authParams. */
const keys = (query: string, extra: Record<string, string> = {}): ScalerInput =>
  input(
    {
      dbName: env.MONGODB_DATABASE,
      collection,
      query,
      queryValue: '5',
      host: env.MONGODB_HOST,
      port: env.MONGODB_PORT,
      username: env.MONGODB_USER,
      ...extra,
    },
    { password: env.MONGODB_PASSWORD },
  );

describe('mongodb parse', () => {
  it('KEDA keys: dbName, collection, query, queryValue; the connection from the separate keys', () => {
    const r = mongodb.parse(
      input(
        { dbName: 'shop', collection: 'jobs', query: '{"status":"queued"}', queryValue: '4', host: 'db', port: '27017', username: 'app' },
        { password: 'p@ss' },
      ),
    );
    expect(r.ok && r.meta).toMatchObject({
      queryValue: 4,
      activationQueryValue: 0,
      scheme: 'mongodb',
      uri: 'mongodb://app:p%40ss@db:27017/shop',
    });
    expect(r.ok && mongodb.target(r.meta)).toEqual({ target: 4, activationTarget: 0, unit: 'docs' });
    expect(r.ok && mongodb.source!(r.meta)).toBe('documents in shop.jobs matching "{\\"status\\":\\"queued\\"}" at db:27017');
  });

  it('mongodb+srv needs no port; a connection string wins over the keys', () => {
    const srv = mongodb.parse(
      input(
        {
          dbName: 'd',
          collection: 'c',
          query: '{"a":1}',
          queryValue: '1',
          scheme: 'mongodb+srv',
          host: 'cluster0.example.net',
          username: 'u',
        },
        { password: 'p' },
      ),
    );
    expect(srv.ok && srv.meta.uri).toBe('mongodb+srv://u:p@cluster0.example.net/d');
    const cs = mongodb.parse(
      input(
        { dbName: 'd', collection: 'c', query: '{"a":1}', queryValue: '1', host: 'ignored' },
        { connectionString: 'mongodb://x:y@h:1/d' },
      ),
    );
    expect(cs.ok && cs.meta.uri).toBe('mongodb://x:y@h:1/d');
  });

  it.each([
    { name: 'nothing', input: input({}), want: ['dbName', 'collection', 'query', 'queryValue'] },
    {
      name: 'no connection and no host',
      input: input({ dbName: 'd', collection: 'c', query: '{"a":1}', queryValue: '1' }),
      want: ['host'],
    },
    {
      name: 'host without password',
      input: input({ dbName: 'd', collection: 'c', query: '{"a":1}', queryValue: '1', host: 'h', port: '1', username: 'u' }),
      want: ['password'],
    },
    {
      name: 'host without port',
      input: input({ dbName: 'd', collection: 'c', query: '{"a":1}', queryValue: '1', host: 'h', username: 'u' }, { password: 'p' }),
      want: ['port'],
    },
    {
      name: 'a query that is not JSON',
      input: input({ dbName: 'd', collection: 'c', query: "{status: 'queued'}", queryValue: '1' }, { connectionString: 'mongodb://h/d' }),
      want: ['query'],
    },
    {
      name: 'an empty query (KEDA: empty bson document)',
      input: input({ dbName: 'd', collection: 'c', query: '{}', queryValue: '1' }, { connectionString: 'mongodb://h/d' }),
      want: ['query'],
    },
    {
      name: 'a zero queryValue (an HPA target must be > 0; KEDA accepts it)',
      input: input({ dbName: 'd', collection: 'c', query: '{"a":1}', queryValue: '0' }, { connectionString: 'mongodb://h/d' }),
      want: ['queryValue'],
    },
    {
      name: 'tls: enable with tls=false in the connection string (KEDA: TLS on)',
      input: input(
        { dbName: 'd', collection: 'c', query: '{"a":1}', queryValue: '1' },
        { connectionString: 'mongodb://u:secret-value@h/d?tls=false', tls: 'enable', ca: 'c' },
      ),
      want: ['tls'],
    },
    {
      name: 'not a mongodb URI',
      input: input(
        { dbName: 'd', collection: 'c', query: '{"a":1}', queryValue: '1' },
        { connectionString: 'postgres://secret-value@h/d' },
      ),
      want: ['connectionString'],
    },
  ])('$name', ({ input: i, want }) => {
    const r = mongodb.parse(i);
    expect(!r.ok && r.errors.map((e) => e.field)).toEqual(want);
    expect(JSON.stringify(r)).not.toContain('secret-value');
  });
});

// KEDA 8b4f083 pkg/scalers/mongo_scaler_test.go, testMONGODBMetadata and mongoDBConnectionStringTestDatas, row by row.
describe("mongodb: KEDA's table", () => {
  const kedaEnv = { MongoDB_CONN_STR: 'mongodb://mongodb0.example.com:27017', MongoDB_PASSWORD: 'test@password' };
  const q = { query: '{"name":"John"}', collection: 'demo', queryValue: '12' };
  const fromEnv = { ...q, connectionStringFromEnv: 'MongoDB_CONN_STR', dbName: 'test' };
  const srv = { dbName: 'test', scheme: 'mongodb+srv', host: 'localhost', port: '', username: 'sample', password: 'sec@ure' };
  it.each([
    { name: 'no metadata', input: input({}, {}, kedaEnv), want: ['dbName', 'collection', 'query', 'queryValue'] },
    { name: 'connectionStringFromEnv', input: input(fromEnv, {}, kedaEnv), uri: 'mongodb://mongodb0.example.com:27017' },
    {
      name: 'from passwordFromEnv',
      input: input(
        { ...q, passwordFromEnv: 'MongoDB_PASSWORD' },
        { dbName: 'test', host: 'localhost', port: '1234', username: 'sample' },
        kedaEnv,
      ),
      uri: 'mongodb://sample:test%40password@localhost:1234/test',
    },
    {
      name: 'from trigger auth',
      input: input(q, { dbName: 'test', host: 'localhost', port: '1234', username: 'sample', password: 'sec@ure' }, kedaEnv),
      uri: 'mongodb://sample:sec%40ure@localhost:1234/test',
    },
    { name: 'mongodb srv support', input: input(q, srv, kedaEnv), uri: 'mongodb+srv://sample:sec%40ure@localhost/test' },
    { name: 'float queryValue', input: input({ ...q, queryValue: '0.9' }, srv, kedaEnv), target: 0.9 },
    // KEDA's row also names an unset variable (Mongo_CONN_STR): both are reported.
    {
      name: 'wrong activationQueryValue',
      input: input({ ...fromEnv, activationQueryValue: 'aa', connectionStringFromEnv: 'Mongo_CONN_STR' }, {}, kedaEnv),
      want: ['connectionStringFromEnv', 'activationQueryValue'],
    },
    { name: 'TLS enabled with CA only', input: input(fromEnv, { tls: 'enable', ca: 'cavalue' }, kedaEnv), tls: { ca: 'cavalue' } },
    {
      name: 'TLS enabled with cert and key',
      input: input(fromEnv, { tls: 'enable', cert: 'certvalue', key: 'keyvalue' }, kedaEnv),
      tls: { cert: 'certvalue', key: 'keyvalue' },
    },
    {
      name: 'TLS enabled with cert, key and CA',
      input: input(fromEnv, { tls: 'enable', cert: 'certvalue', key: 'keyvalue', ca: 'cavalue' }, kedaEnv),
      tls: { ca: 'cavalue', cert: 'certvalue', key: 'keyvalue' },
    },
    {
      name: 'TLS enabled with cert only (key required)',
      input: input(fromEnv, { tls: 'enable', cert: 'certvalue' }, kedaEnv),
      want: ['key'],
    },
    {
      name: 'TLS enabled with key only (cert required)',
      input: input(fromEnv, { tls: 'enable', key: 'keyvalue' }, kedaEnv),
      want: ['cert'],
    },
    { name: 'TLS enabled without any certs', input: input(fromEnv, { tls: 'enable' }, kedaEnv), want: ['tls'] },
    {
      name: 'TLS disabled (default) needs no certs',
      input: input(fromEnv, { tls: 'disable' }, kedaEnv),
      uri: 'mongodb://mongodb0.example.com:27017',
    },
  ])('$name', ({ input: i, want, uri, target, tls }) => {
    const r = mongodb.parse(i);
    if (want) {
      expect(!r.ok && r.errors.map((e) => e.field)).toEqual(want);
      expect(JSON.stringify(r)).not.toContain('keyvalue');
      return;
    }
    expect(r.ok ? [] : r.errors).toEqual([]);
    if (!r.ok) return;
    if (uri) expect(r.meta.uri).toBe(uri);
    if (target) expect(mongodb.target(r.meta).target).toBe(target);
    if (tls)
      expect({ tls: r.meta.tls, ca: r.meta.ca, cert: r.meta.cert, key: r.meta.key }).toEqual({
        tls: 'enable',
        ca: undefined,
        cert: undefined,
        key: undefined,
        ...tls,
      });
  });

  it('TLS material without tls: enable is unused, as in KEDA, and said so', () => {
    const r = mongodb.parse(
      input(
        { dbName: 'd', collection: 'c', query: '{"a":1}', queryValue: '1' },
        { connectionString: 'mongodb://h/d', ca: 'cavalue', key: 'k' },
      ),
    );
    expect(r.ok && r.warnings).toContainEqual(expect.stringMatching(/^'ca', 'key' unused: TLS material is used only with 'tls: enable'/));
  });

  it("'tls' other than enable or disable is refused, naming the field", () => {
    const r = mongodb.parse(
      input({ dbName: 'd', collection: 'c', query: '{"a":1}', queryValue: '1' }, { connectionString: 'mongodb://h/d', tls: 'yes' }),
    );
    expect(!r.ok && r.errors.map((e) => e.field)).toEqual(['tls']);
  });
});

describe('mongodb against FerretDB', () => {
  let admin: MongoClient;
  beforeAll(async () => {
    admin = await new MongoClient(env.MONGODB_URI).connect();
    const docs = [
      ...Array.from({ length: 7 }, (_, i) => ({ status: 'queued', n: i, at: new Date(Date.UTC(2026, 11, 1 + i)) })),
      ...Array.from({ length: 3 }, (_, i) => ({ status: 'done', n: 10 + i, at: new Date(Date.UTC(2026, 10, 1)) })),
    ];
    await admin.db(env.MONGODB_DATABASE).collection(collection).insertMany(docs);
  });
  afterAll(async () => {
    await admin?.close();
  });

  it.each([
    { name: 'a field match', query: '{"status": "queued"}', want: 7 },
    { name: 'an operator', query: '{"n": {"$gte": 5}}', want: 5 },
    { name: 'Extended JSON dates', query: '{"at": {"$gte": {"$date": "2026-12-04T00:00:00Z"}}}', want: 4 },
    { name: 'nothing matching: zero', query: '{"status": "failed"}', want: 0 },
  ])('counts $name', async ({ query, want }) => {
    expect(await sample(keys(query))).toEqual({ value: want, active: want > 0 });
  });

  it('with a connection string from a TriggerAuthentication or from the environment', async () => {
    const q = { dbName: env.MONGODB_DATABASE, collection, query: '{"status": "done"}', queryValue: '1' };
    expect(await sample(input(q, { connectionString: env.MONGODB_URI }))).toEqual({ value: 3, active: true });
    expect(await sample(input({ ...q, connectionStringFromEnv: 'MONGO_URI' }, {}, { MONGO_URI: env.MONGODB_URI }))).toEqual({
      value: 3,
      active: true,
    });
  });

  it('activation is strict: a count equal to activationQueryValue is inactive', async () => {
    expect(await sample(keys('{"status": "done"}', { activationQueryValue: '3' }))).toEqual({ value: 3, active: false });
    expect(await sample(keys('{"status": "done"}', { activationQueryValue: '2' }))).toEqual({ value: 3, active: true });
  });

  it('a wrong password is SCALER_AUTH_FAILED and never shows it', async () => {
    const bad = 'not-the-Password-9';
    await expectScalerError(sample({ ...keys('{"a": 1}'), authParams: { password: bad } }, 'auth'), 'SCALER_AUTH_FAILED', 'auth', [
      bad,
      env.MONGODB_PASSWORD,
    ]);
  });

  it('a server that refuses connections is a clear error', async () => {
    const port = String(await freePort());
    const e = await sample(keys('{"a": 1}', { port }), 'down').then(
      () => undefined,
      (x: Error) => x,
    );
    expect(['SCALER_CONNECTION_REFUSED', 'SCALER_TIMEOUT']).toContain((e as { code?: string }).code);
    expect(String(e)).toMatch(/trigger 'down' \(mongodb\)/);
    expect(String(e)).not.toContain(env.MONGODB_PASSWORD);
  }, 30_000);

  describe('TLS (a listener requiring a client certificate)', () => {
    const pem = (f: string) => readFileSync(f, 'utf8');
    const material = () => ({ ca: pem(env.MONGODB_TLS_CA_FILE), cert: pem(env.MONGODB_TLS_CERT_FILE), key: pem(env.MONGODB_TLS_KEY_FILE) });
    const overTls = (auth: Record<string, string>) => {
      const i = keys('{"status": "queued"}', { port: env.MONGODB_TLS_PORT });
      return { ...i, authParams: { ...i.authParams, ...auth } };
    };

    it('tls: enable with the CA and a client certificate, from the separate keys or a connection string without tls=true', async () => {
      expect(await sample(overTls({ tls: 'enable', ...material() }), 'tls')).toEqual({ value: 7, active: true });
      const cs = `mongodb://${env.MONGODB_USER}:${env.MONGODB_PASSWORD}@127.0.0.1:${env.MONGODB_TLS_PORT}/${env.MONGODB_DATABASE}`;
      const q = { dbName: env.MONGODB_DATABASE, collection, query: '{"status": "done"}', queryValue: '0.9' };
      expect(await sample(input(q, { connectionString: cs, tls: 'enable', ...material() }), 'tls')).toEqual({ value: 3, active: true });
    });

    it('an encrypted key with keyPassword; a wrong keyPassword is SCALER_TLS_FAILED on keyPassword, neither shown', async () => {
      const enc = pem(env.MONGODB_TLS_KEY_ENCRYPTED_FILE);
      expect(await sample(overTls({ tls: 'enable', ...material(), key: enc, keyPassword: env.MONGODB_TLS_KEY_PASSWORD }), 'tls')).toEqual({
        value: 7,
        active: true,
      });
      const wrong = `wrong-${randomBytes(4).toString('hex')}`;
      const e = await expectScalerError(
        sample(overTls({ tls: 'enable', ...material(), key: enc, keyPassword: wrong }), 'tls'),
        'SCALER_TLS_FAILED',
        'tls',
        [wrong, env.MONGODB_TLS_KEY_PASSWORD, enc.split('\n')[1], env.MONGODB_PASSWORD],
      );
      expect(e.data.field).toBe('keyPassword');
    }, 30_000);

    it('without the CA the server is not trusted: SCALER_TLS_FAILED, no key shown', async () => {
      const { ca: _, ...noCa } = material();
      await expectScalerError(sample(overTls({ tls: 'enable', ...noCa }), 'tls'), 'SCALER_TLS_FAILED', 'tls', [
        noCa.key,
        env.MONGODB_PASSWORD,
      ]);
    }, 30_000);

    it('without a client certificate the server refuses the handshake: a clear error', async () => {
      const e = await sample(overTls({ tls: 'enable', ca: material().ca }), 'tls').then(
        () => undefined,
        (x: Error) => x,
      );
      expect((e as { code?: string })?.code).toMatch(/^SCALER_(TLS_FAILED|UNAVAILABLE|TIMEOUT)$/);
      expect(String(e)).toMatch(/trigger 'tls' \(mongodb\)/);
      expect(String(e)).not.toContain(env.MONGODB_PASSWORD);
    }, 30_000);

    it('the TLS material is not used without tls: enable (as KEDA): the TLS listener gets no answer', async () => {
      const e = await sample(overTls(material()), 'tls').then(
        () => undefined,
        (x: Error) => x,
      );
      expect((e as { code?: string })?.code).toMatch(/^SCALER_(UNAVAILABLE|TIMEOUT|TLS_FAILED)$/);
    }, 30_000);
  });

  it('reuses one connection and recovers after an abort', async () => {
    await withScaler(mongodb, keys('{"status": "queued"}'), 'again', async (s) => {
      expect(await s.sample(AbortSignal.timeout(10_000))).toEqual({ value: 7, active: true });
      const c = new AbortController();
      c.abort();
      await expectScalerError(s.sample(c.signal), 'SCALER_ABORTED', 'again');
      expect(await s.sample(AbortSignal.timeout(10_000))).toEqual({ value: 7, active: true });
    });
  });
});
