// `mysql` against a real MariaDB (Debian's, started by the test environment): KEDA's metadata
// (connectionString as a Go DSN, or the separate keys), the value a query returns, activation,
// and each failure a clear error on the trigger — never a crash, never a secret in the message.
import { createConnection } from 'mysql2/promise';
import { describe, expect, inject, it } from 'vitest';
import { mysql, parseDsn } from '../../src/scalers/mysql.js';
import type { RawSample, ScalerInput } from '../../src/scalers/types.js';
import { freePort } from '../support/servers/spawn.js';
import { expectScalerError, input, sampleOnce, withScaler } from '../support/scalers.js';

const env = inject('servers');

/** Separate keys pointing at the test server; the password comes from authParams. */
const server = (query: string, extra: Record<string, string> = {}): ScalerInput =>
  input(
    { query, queryValue: '5', host: env.MYSQL_HOST, port: env.MYSQL_PORT, username: env.MYSQL_USER, dbName: env.MYSQL_DATABASE, ...extra },
    { password: env.MYSQL_PASSWORD },
  );
const dsn = (params = '', password = env.MYSQL_PASSWORD) =>
  `${env.MYSQL_USER}:${password}@tcp(${env.MYSQL_HOST}:${env.MYSQL_PORT})/${env.MYSQL_DATABASE}${params}`;

const sample = (i: ScalerInput, trigger = 'backlog'): Promise<RawSample> => sampleOnce(mysql, i, trigger, 15_000);

describe('mysql parse', () => {
  const keys = { host: 'db', port: '3306', username: 'u', dbName: 'd' };
  it.each([
    {
      name: 'separate keys',
      input: input({ query: 'SELECT 1', queryValue: '2.5', ...keys }, { password: 'p' }),
      want: {
        queryValue: 2.5,
        activationQueryValue: 0,
        server: { host: 'db', port: 3306, user: 'u', database: 'd', password: 'p', tls: 'false' },
      },
    },
    {
      name: 'host and dbName from authParams when metadata lacks them',
      input: input({ query: 'q', queryValue: '1', username: 'u', port: '3307' }, { host: 'auth-host', dbName: 'ad' }),
      want: { server: { host: 'auth-host', port: 3307, database: 'ad' } },
    },
    {
      name: 'passwordFromEnv',
      input: input({ query: 'q', queryValue: '1', ...keys, passwordFromEnv: 'MYPW' }, {}, { MYPW: 'envpw' }),
      want: { server: { password: 'envpw' } },
    },
    {
      name: 'connectionStringFromEnv (KEDA docs example)',
      input: input(
        { query: 'q', queryValue: '4', connectionStringFromEnv: 'SQL_CONN_STR' },
        {},
        { SQL_CONN_STR: 'root:pw@tcp(mysql:3306)/stats_db' },
      ),
      want: { server: { host: 'mysql', port: 3306, user: 'root', password: 'pw', database: 'stats_db', tls: 'false' } },
    },
    {
      name: 'connectionString from authParams wins over the keys',
      input: input({ query: 'q', queryValue: '1', ...keys }, { connectionString: 'a:b@tcp(other:3310)/x?tls=skip-verify' }),
      want: { server: { host: 'other', port: 3310, tls: 'skip-verify' } },
    },
    {
      name: 'port defaults to 3306',
      input: input({ query: 'q', queryValue: '1', host: 'db', username: 'u', dbName: 'd' }),
      want: { server: { port: 3306 } },
    },
    {
      name: 'activation',
      input: input({ query: 'q', queryValue: '1', activationQueryValue: '0.5', ...keys }),
      want: { activationQueryValue: 0.5 },
    },
  ])('$name', ({ input: i, want }) => {
    const r = mysql.parse(i);
    expect(r.ok && r.meta).toMatchObject(want);
  });

  it.each([
    { name: 'no metadata (KEDA: raises)', input: input({}), wantFields: ['query', 'queryValue'] },
    { name: 'query missing', input: input({ queryValue: '1', ...keys }), wantFields: ['query'] },
    { name: 'queryValue missing', input: input({ query: 'q', ...keys }), wantFields: ['queryValue'] },
    {
      name: 'invalid activationQueryValue (KEDA: raises)',
      input: input({ query: 'q', queryValue: '12', activationQueryValue: 'AA', ...keys }),
      wantFields: ['activationQueryValue'],
    },
    {
      name: 'no connectionString and no host',
      input: input({ query: 'q', queryValue: '1', username: 'u', dbName: 'd' }),
      wantFields: ['host'],
    },
    {
      name: 'connectionStringFromEnv naming an unset variable',
      input: input({ query: 'q', queryValue: '1', connectionStringFromEnv: 'MYSQL_CONN_UNSET' }),
      wantFields: ['connectionStringFromEnv'],
    },
    {
      name: 'a DSN that is not one',
      input: input({ query: 'q', queryValue: '1' }, { connectionString: 'user:secret-value@db:3306' }),
      wantFields: ['connectionString'],
    },
    {
      name: 'a custom tls config',
      input: input({ query: 'q', queryValue: '1' }, { connectionString: 'u:secret-value@tcp(db)/d?tls=custom' }),
      wantFields: ['connectionString'],
    },
  ])('$name', ({ input: i, wantFields }) => {
    const r = mysql.parse(i);
    expect(!r.ok && r.errors.map((e) => e.field)).toEqual(wantFields);
    expect(JSON.stringify(r)).not.toContain('secret-value');
  });

  it.each([
    {
      name: 'a password with @ and :',
      dsn: 'app:p@ss:w0rd@tcp(db:3307)/orders',
      want: { user: 'app', password: 'p@ss:w0rd', host: 'db', port: 3307, database: 'orders' },
    },
    {
      name: 'no credentials, default address',
      dsn: '/orders',
      want: { host: '127.0.0.1', port: 3306, database: 'orders', user: undefined },
    },
    { name: 'tcp without a port', dsn: 'u@tcp(db)/d', want: { host: 'db', port: 3306 } },
    { name: 'IPv6', dsn: 'u@tcp([::1]:3306)/d', want: { host: '::1', port: 3306 } },
    { name: 'unix socket', dsn: 'u@unix(/run/mysqld/mysqld.sock)/d', want: { socketPath: '/run/mysqld/mysqld.sock' } },
    { name: 'tls and timeout', dsn: 'u@tcp(db:1)/d?tls=true&timeout=1m30s', want: { tls: 'true', connectTimeoutMs: 90_000 } },
    { name: 'no /dbname', dsn: 'u:p@tcp(db:3306)', want: "it has no '/dbname' part (the form is user:password@tcp(host:3306)/dbname)" },
    { name: 'an unknown network', dsn: 'u@pipe(x)/d', want: "its network 'pipe' is not supported (tcp or unix)" },
    { name: 'a bad timeout', dsn: 'u@tcp(db)/d?timeout=soon', want: 'its timeout=soon is not a duration like 5s' },
  ])('parseDsn: $name', ({ dsn: text, want }) => {
    const got = parseDsn(text);
    if (typeof want === 'string') expect(got).toBe(want);
    else expect(got).toMatchObject(want);
  });

  it('other DSN parameters are ignored with a warning; target', () => {
    const r = mysql.parse(
      input({ query: 'q', queryValue: '2.5', activationQueryValue: '1' }, { connectionString: 'u:p@tcp(db)/d?parseTime=true' }),
    );
    expect(r.ok && r.warnings).toEqual(["connectionString parameter 'parseTime' is ignored"]);
    expect(r.ok && mysql.target(r.meta)).toEqual({ target: 2.5, activationTarget: 1, unit: '' });
  });
});

describe('mysql against MariaDB', () => {
  it.each([
    { name: 'a count', query: 'SELECT COUNT(*) FROM (SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) t', want: 3 },
    { name: 'a decimal', query: 'SELECT CAST(12.5 AS DECIMAL(10,2))', want: 12.5 },
    { name: 'a double', query: 'SELECT 0.25e0', want: 0.25 },
    { name: 'the first column of the first row', query: 'SELECT n, 99 FROM (SELECT 3 AS n UNION ALL SELECT 4) t ORDER BY n', want: 3 },
    { name: 'numeric text', query: `SELECT '42'`, want: 42 },
    { name: 'a big integer', query: 'SELECT 9007199254740993', want: 9007199254740992 },
    { name: 'zero', query: 'SELECT 0', want: 0 },
  ])('reads $name', async ({ query, want }) => {
    expect(await sample(server(query))).toEqual({ value: want, active: want > 0 });
  });

  it('connects with a connection string, from the environment or a TriggerAuthentication', async () => {
    expect(await sample(input({ query: 'SELECT 9', queryValue: '1', connectionStringFromEnv: 'DB' }, {}, { DB: dsn() }))).toEqual({
      value: 9,
      active: true,
    });
    expect(await sample(input({ query: 'SELECT 8', queryValue: '1' }, { connectionString: dsn('?timeout=5s') }))).toEqual({
      value: 8,
      active: true,
    });
  });

  it('over TLS when the DSN asks for it (tls=skip-verify: the server’s self-signed certificate)', async () => {
    expect(
      await sample(
        input(
          {
            query: `SELECT COUNT(*) FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_cipher' AND VARIABLE_VALUE <> ''`,
            queryValue: '1',
          },
          { connectionString: dsn('?tls=skip-verify') },
        ),
      ),
    ).toEqual({ value: 1, active: true });
  });

  it('activation is strict: value == activationQueryValue is inactive', async () => {
    expect(await sample(server('SELECT 3', { activationQueryValue: '3' }))).toEqual({ value: 3, active: false });
    expect(await sample(server('SELECT 3.5', { activationQueryValue: '3' }))).toEqual({ value: 3.5, active: true });
  });

  it('the query runs read-only: a write is refused and nothing is written', async () => {
    const admin = await createConnection({
      host: env.MYSQL_HOST,
      port: Number(env.MYSQL_PORT),
      user: env.MYSQL_USER,
      password: env.MYSQL_PASSWORD,
      database: env.MYSQL_DATABASE,
    });
    try {
      await admin.query('CREATE TABLE IF NOT EXISTS gitscale_never (n INT)');
      const e = await expectScalerError(
        sample(server('INSERT INTO gitscale_never (n) VALUES (1)'), 'writer'),
        'SCALER_QUERY_FAILED',
        'writer',
        [env.MYSQL_PASSWORD],
      );
      expect(e.message).toMatch(/tried to write .* read-only transaction/);
      const [rows] = await admin.query('SELECT COUNT(*) AS n FROM gitscale_never');
      expect((rows as { n: number }[])[0].n).toBe(0);
    } finally {
      await admin.end();
    }
  });

  it.each([
    { name: 'NULL', query: 'SELECT NULL', want: /NULL.*COALESCE/ },
    { name: 'no rows', query: 'SELECT 1 FROM DUAL WHERE 1 = 0', want: /no rows/ },
    { name: 'text', query: `SELECT 'many'`, want: /"many", not a number/ },
  ])('rejects $name with SCALER_NON_NUMERIC', async ({ query, want }) => {
    const e = await expectScalerError(sample(server(query), 'odd'), 'SCALER_NON_NUMERIC', 'odd', [env.MYSQL_PASSWORD]);
    expect(e.message).toMatch(want);
    expect(e.data.field).toBe('query');
  });

  it('a SQL error rejects with SCALER_QUERY_FAILED', async () => {
    const e = await expectScalerError(sample(server('SELECT * FROM no_such_table'), 'sql'), 'SCALER_QUERY_FAILED', 'sql');
    expect(e.message).toMatch(/no_such_table.*ER_NO_SUCH_TABLE/);
  });

  it('a database the user may not use rejects clearly', async () => {
    const e = await sample(server('SELECT 1', { dbName: 'nope' }), 'db').then(
      () => undefined,
      (x: Error) => x,
    );
    expect(['SCALER_DATABASE_NOT_FOUND', 'SCALER_AUTH_FAILED']).toContain((e as { code?: string }).code);
    expect(String(e)).not.toContain(env.MYSQL_PASSWORD);
  });

  it('connection refused', async () => {
    const port = String(await freePort());
    await expectScalerError(sample(server('SELECT 1', { port }), 'refused'), 'SCALER_CONNECTION_REFUSED', 'refused', [env.MYSQL_PASSWORD]);
  });

  it('bad credentials reject with SCALER_AUTH_FAILED and never show the password', async () => {
    const bad = 'not-the-password-Xyz';
    const i = server('SELECT 1');
    await expectScalerError(sample({ ...i, authParams: { password: bad } }, 'auth'), 'SCALER_AUTH_FAILED', 'auth', [
      bad,
      env.MYSQL_PASSWORD,
    ]);
    await expectScalerError(
      sample(input({ query: 'SELECT 1', queryValue: '1' }, { connectionString: dsn('', bad) }), 'auth'),
      'SCALER_AUTH_FAILED',
      'auth',
      [bad, dsn('', bad)],
    );
  });

  it('reuses one connection across samples and recovers after an abort', async () => {
    await withScaler(mysql, server('SELECT CONNECTION_ID() + 0 * SLEEP(0.3)'), 'reuse', async (s) => {
      const first = (await s.sample(AbortSignal.timeout(10_000))).value;
      expect((await s.sample(AbortSignal.timeout(10_000))).value).toBe(first);
      const c = new AbortController();
      const slow = s.sample(c.signal);
      setTimeout(() => c.abort(), 100);
      await expectScalerError(slow, 'SCALER_ABORTED', 'reuse');
      expect((await s.sample(AbortSignal.timeout(10_000))).value).not.toBe(first);
    });
  });

  it('a query slower than the signal rejects with SCALER_TIMEOUT', async () => {
    await expectScalerError(
      withScaler(mysql, server('SELECT SLEEP(5)'), 'slow', (s) => s.sample(AbortSignal.timeout(200))),
      'SCALER_TIMEOUT',
      'slow',
    );
  });
});
