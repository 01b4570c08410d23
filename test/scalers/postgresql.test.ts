import { describe, expect, inject, it } from 'vitest';
import { parseConnection, postgresql } from '../../src/scalers/postgresql.js';
import type { RawSample, ScalerInput } from '../../src/scalers/types.js';
import { freePort } from '../support/servers/spawn.js';
import { expectScalerError, input, sampleOnce } from '../support/scalers.js';
import { scalerDeps } from '../../src/cli/scaler-clients.js';

const env = inject('servers');

/** Separate keys pointing at the test server; the password comes from authParams. */
const server = (query: string, extra: Record<string, string> = {}): ScalerInput =>
  input(
    {
      query,
      targetQueryValue: '5',
      host: env.PG_HOST,
      port: env.PG_PORT,
      userName: env.PG_USER,
      dbName: env.PG_DB,
      sslmode: 'disable',
      ...extra,
    },
    { password: env.PG_PASSWORD },
  );

const sample = (i: ScalerInput, trigger = 'backlog'): Promise<RawSample> => sampleOnce(postgresql, i, trigger, 15_000);

describe('postgresql parse', () => {
  const keys = { host: 'h', port: '5432', userName: 'u', dbName: 'd', sslmode: 'disable' };
  it.each([
    {
      name: 'separate keys',
      input: input({ query: 'select 1', targetQueryValue: '2.5', ...keys }, { password: 'p' }),
      want: {
        targetQueryValue: 2.5,
        activationTargetQueryValue: 0,
        server: { host: 'h', port: 5432, user: 'u', database: 'd', sslmode: 'disable', password: 'p' },
      },
    },
    {
      name: 'authParams before metadata',
      input: input({ query: 'q', targetQueryValue: '1', ...keys }, { host: 'auth-host' }),
      want: { server: { host: 'auth-host' } },
    },
    {
      name: 'passwordFromEnv',
      input: input({ query: 'q', targetQueryValue: '1', ...keys, passwordFromEnv: 'PGPW' }, {}, { PGPW: 'envpw' }),
      want: { server: { password: 'envpw' } },
    },
    {
      name: 'password: authParams before env',
      input: input({ query: 'q', targetQueryValue: '1', ...keys, passwordFromEnv: 'PGPW' }, { password: 'a' }, { PGPW: 'e' }),
      want: { server: { password: 'a' } },
    },
    {
      name: 'connection from authParams',
      input: input(
        { query: 'q', targetQueryValue: '1' },
        { connection: "host=db port=6432 user=app dbname=orders sslmode=require password='it\\'s'" },
      ),
      want: { server: { host: 'db', port: 6432, user: 'app', database: 'orders', sslmode: 'require', password: "it's" } },
    },
    {
      name: 'connectionFromEnv (URI)',
      input: input(
        { query: 'q', targetQueryValue: '1', connectionFromEnv: 'PGCONN' },
        {},
        { PGCONN: 'postgresql://app:p%40ss@db:6000/orders?sslmode=verify-full' },
      ),
      want: { server: { host: 'db', port: 6000, user: 'app', password: 'p@ss', database: 'orders', sslmode: 'verify-full' } },
    },
    {
      name: 'activation',
      input: input({ query: 'q', targetQueryValue: '1', activationTargetQueryValue: '0.5', ...keys }),
      want: { activationTargetQueryValue: 0.5 },
    },
  ])('$name', ({ input: i, want }) => {
    const r = postgresql.parse(i);
    expect(r.ok && r.meta).toMatchObject(want);
  });

  it.each([
    { name: 'query missing', input: input({ targetQueryValue: '1', ...keys }), wantFields: ['query'] },
    { name: 'target missing', input: input({ query: 'q', ...keys }), wantFields: ['targetQueryValue'] },
    { name: 'target zero', input: input({ query: 'q', targetQueryValue: '0', ...keys }), wantFields: ['targetQueryValue'] },
    { name: 'target negative', input: input({ query: 'q', targetQueryValue: '-1.5', ...keys }), wantFields: ['targetQueryValue'] },
    {
      name: 'passwordFromEnv naming an unset variable',
      input: input({ query: 'q', targetQueryValue: '1', ...keys, passwordFromEnv: 'PG_PASSWORD_UNSET' }),
      wantFields: ['passwordFromEnv'],
    },
    { name: 'bad float', input: input({ query: 'q', targetQueryValue: 'ten', ...keys }), wantFields: ['targetQueryValue'] },
    {
      name: 'no connection and no keys',
      input: input({ query: 'q', targetQueryValue: '1' }),
      wantFields: ['host', 'port', 'userName', 'dbName', 'sslmode'],
    },
    { name: 'bad sslmode', input: input({ query: 'q', targetQueryValue: '1', ...keys, sslmode: 'on' }), wantFields: ['sslmode'] },
    {
      name: 'hosts and ports that do not pair',
      input: input({ query: 'q', targetQueryValue: '1', ...keys, host: 'a,b,c', port: '1,2' }),
      wantFields: ['port'],
    },
    {
      name: 'bad connection string',
      input: input({ query: 'q', targetQueryValue: '1' }, { connection: 'host=db password=secret-value port=x' }),
      wantFields: ['connection'],
    },
  ])('$name', ({ input: i, wantFields }) => {
    const r = postgresql.parse(i);
    expect(!r.ok && r.errors.map((e) => e.field)).toEqual(wantFields);
    expect(JSON.stringify(r)).not.toContain('secret-value');
  });

  it('connection in trigger metadata is ignored with a warning (it may hold a password)', () => {
    const r = postgresql.parse(input({ query: 'q', targetQueryValue: '1', ...keys, connection: 'host=x' }));
    expect(r.ok && r.warnings).toEqual([
      `metadata 'connection' is ignored: 'connection' is read only from authentication parameters, an environment variable (<key>FromEnv)`,
    ]);
  });

  it.each([
    {
      name: 'quoted value with escapes',
      input: `host=h password='a b\\'c'`,
      want: { host: 'h', password: "a b'c", port: 5432, sslmode: 'prefer' },
    },
    { name: 'spaces around =', input: 'host = h port = 1', want: { host: 'h', port: 1 } },
    { name: 'unterminated quote', input: `host='h`, want: 'not a valid key=value connection string' },
    {
      name: 'several hosts, one port for all (libpq)',
      input: 'host=h1,h2 port=6432',
      want: {
        host: 'h1',
        port: 6432,
        hosts: [
          { host: 'h1', port: 6432 },
          { host: 'h2', port: 6432 },
        ],
      },
    },
    {
      name: 'several hosts, a port each',
      input: 'host=h1,h2 port=1,2',
      want: {
        hosts: [
          { host: 'h1', port: 1 },
          { host: 'h2', port: 2 },
        ],
      },
    },
    {
      name: 'several hosts, no port',
      input: 'host=h1,h2',
      want: {
        hosts: [
          { host: 'h1', port: 5432 },
          { host: 'h2', port: 5432 },
        ],
      },
    },
    {
      name: 'several hosts in a URI',
      input: 'postgresql://app@h1:5433,h2/orders',
      want: {
        user: 'app',
        database: 'orders',
        hosts: [
          { host: 'h1', port: 5433 },
          { host: 'h2', port: 5432 },
        ],
      },
    },
    { name: 'ports that do not match the hosts', input: 'host=h1,h2,h3 port=1,2', want: 'could not match 2 port numbers to 3 hosts' },
  ])('parseConnection: $name', ({ input: text, want }) => {
    const got = parseConnection(text);
    if (typeof want === 'string') expect(got).toBe(want);
    else expect(got).toMatchObject(want);
  });

  it('target', () => {
    const r = postgresql.parse(input({ query: 'q', targetQueryValue: '2.5', activationTargetQueryValue: '1', ...keys }));
    expect(r.ok && postgresql.target(r.meta)).toEqual({ target: 2.5, activationTarget: 1, unit: '' });
  });
});

describe('postgresql against postgres', () => {
  it.each([
    { name: 'bigint count', query: 'SELECT count(*) FROM generate_series(1, 7)', want: 7 },
    { name: 'numeric', query: 'SELECT 12.5::numeric', want: 12.5 },
    { name: 'float', query: 'SELECT 0.25::float8', want: 0.25 },
    { name: 'int from a table, first column of the first row', query: 'SELECT n, 99 FROM (VALUES (3), (4)) t(n)', want: 3 },
    { name: 'numeric text', query: `SELECT '42'::text`, want: 42 },
    { name: 'zero', query: 'SELECT 0', want: 0 },
  ])('reads $name', async ({ query, want }) => {
    expect(await sample(server(query))).toEqual({ value: want, active: want > 0 });
  });

  it('connects with a connection string from the environment', async () => {
    const conn = `postgresql://${env.PG_USER}:${encodeURIComponent(env.PG_PASSWORD)}@${env.PG_HOST}:${env.PG_PORT}/${env.PG_DB}?sslmode=disable`;
    const i = input({ query: 'SELECT 9', targetQueryValue: '1', connectionFromEnv: 'DB' }, {}, { DB: conn });
    expect(await sample(i)).toEqual({ value: 9, active: true });
    const kv = `host=${env.PG_HOST} port=${env.PG_PORT} user=${env.PG_USER} password='${env.PG_PASSWORD}' dbname=${env.PG_DB} sslmode=disable`;
    expect(await sample(input({ query: 'SELECT 8', targetQueryValue: '1' }, { connection: kv }))).toEqual({ value: 8, active: true });
  });

  it('activation is strict: value == activationTargetQueryValue is inactive', async () => {
    expect(await sample(server('SELECT 3', { activationTargetQueryValue: '3' }))).toEqual({ value: 3, active: false });
    expect(await sample(server('SELECT 3.5', { activationTargetQueryValue: '3' }))).toEqual({ value: 3.5, active: true });
  });

  it.each([
    { name: 'NULL', query: 'SELECT NULL::int', want: /NULL.*COALESCE/ },
    { name: 'no rows', query: 'SELECT 1 WHERE false', want: /no rows/ },
    { name: 'text', query: `SELECT 'many'`, want: /"many", not a number/ },
    { name: 'boolean', query: 'SELECT true', want: /boolean, not a number/ },
    { name: 'NaN', query: `SELECT 'NaN'::float8`, want: /not a finite number/ },
  ])('rejects $name with SCALER_NON_NUMERIC', async ({ query, want }) => {
    const e = await expectScalerError(sample(server(query), 'odd'), 'SCALER_NON_NUMERIC', 'odd', [env.PG_PASSWORD]);
    expect(e.message).toMatch(want);
    expect(e.data.field).toBe('query');
  });

  it('a SQL error rejects with SCALER_QUERY_FAILED', async () => {
    const e = await expectScalerError(sample(server('SELECT * FROM no_such_table'), 'sql'), 'SCALER_QUERY_FAILED', 'sql');
    expect(e.message).toMatch(/no_such_table.*42P01/);
  });

  it('a missing database rejects with SCALER_DATABASE_NOT_FOUND', async () => {
    await expectScalerError(sample(server('SELECT 1', { dbName: 'nope' }), 'db'), 'SCALER_DATABASE_NOT_FOUND', 'db', [env.PG_PASSWORD]);
  });

  it('connection refused', async () => {
    const port = String(await freePort());
    await expectScalerError(sample(server('SELECT 1', { port }), 'refused'), 'SCALER_CONNECTION_REFUSED', 'refused', [env.PG_PASSWORD]);
  });

  it('bad credentials reject with SCALER_AUTH_FAILED and never show the password', async () => {
    const bad = 'not-the-password-Xyz';
    const i = server('SELECT 1');
    await expectScalerError(sample({ ...i, authParams: { password: bad } }, 'auth'), 'SCALER_AUTH_FAILED', 'auth', [bad, env.PG_PASSWORD]);
    const conn = `host=${env.PG_HOST} port=${env.PG_PORT} user=${env.PG_USER} password=${bad} dbname=${env.PG_DB} sslmode=disable`;
    await expectScalerError(
      sample(input({ query: 'SELECT 1', targetQueryValue: '1' }, { connection: conn }), 'auth'),
      'SCALER_AUTH_FAILED',
      'auth',
      [bad, conn],
    );
  });

  it('reuses one connection across samples and recovers after an abort', async () => {
    const parsed = postgresql.parse(
      server('SELECT count(*) FROM pg_stat_activity WHERE application_name = $$gitscale$$ AND pg_sleep(0.3) IS NOT NULL'),
    );
    if (!parsed.ok) throw new Error('parse');
    const s = postgresql.create(parsed.meta, scalerDeps(), 'reuse');
    try {
      expect((await s.sample(AbortSignal.timeout(10_000))).value).toBeGreaterThanOrEqual(1);
      const c = new AbortController();
      const slow = s.sample(c.signal);
      setTimeout(() => c.abort(), 100);
      await expectScalerError(slow, 'SCALER_ABORTED', 'reuse');
      expect((await s.sample(AbortSignal.timeout(10_000))).value).toBeGreaterThanOrEqual(1);
    } finally {
      await s.close();
    }
  });

  it('a query slower than the signal rejects with SCALER_TIMEOUT', async () => {
    await expectScalerError(
      (async () => {
        const parsed = postgresql.parse(server('SELECT 1 FROM pg_sleep(5)'));
        if (!parsed.ok) throw new Error('parse');
        const s = postgresql.create(parsed.meta, scalerDeps(), 'slow');
        try {
          return await s.sample(AbortSignal.timeout(200));
        } finally {
          await s.close();
        }
      })(),
      'SCALER_TIMEOUT',
      'slow',
    );
  });

  it('several hosts: the first that accepts a connection serves (libpq); none: one error naming them all', async () => {
    const down = await freePort();
    expect(await sample(server('SELECT 11', { host: `127.0.0.1,${env.PG_HOST}`, port: `${down},${env.PG_PORT}` }))).toEqual({
      value: 11,
      active: true,
    });
    const conn = `host=127.0.0.1,${env.PG_HOST} port=${down},${env.PG_PORT} user=${env.PG_USER} password='${env.PG_PASSWORD}' dbname=${env.PG_DB} sslmode=disable`;
    expect(await sample(input({ query: 'SELECT 12', targetQueryValue: '1' }, { connection: conn }))).toEqual({ value: 12, active: true });
    const down2 = await freePort();
    const e = await expectScalerError(
      sample(server('SELECT 1', { host: '127.0.0.1,127.0.0.1', port: `${down},${down2}` }), 'nohost'),
      'SCALER_CONNECTION_REFUSED',
      'nohost',
      [env.PG_PASSWORD],
    );
    expect(e.message).toContain(`no host answered (127.0.0.1:${down}, 127.0.0.1:${down2})`);
    // A host that answers and refuses the password is not skipped: libpq stops there too.
    await expectScalerError(
      sample(
        {
          ...server('SELECT 1', { host: `${env.PG_HOST},127.0.0.1`, port: `${env.PG_PORT},${down}` }),
          authParams: { password: 'wrong-Pw-123' },
        },
        'auth',
      ),
      'SCALER_AUTH_FAILED',
      'auth',
      ['wrong-Pw-123'],
    );
  });
});
