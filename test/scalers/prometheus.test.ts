// The prometheus trigger against Debian's Prometheus scraping the test's exporter every second
// (and a second Prometheus behind TLS with a required client certificate and basic auth): the value
// the query answers (0 included, sums, scalars), activation strictly above its threshold, KEDA's
// metadata and auth tables, KEDA's answer table (empty, NaN, ±Inf, several series, error statuses)
// served from a real socket, and every failure a clear error on the trigger.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { scalerDeps } from '../../src/cli/scaler-clients.js';
import { prometheus, queryUrl, type PrometheusMetadata } from '../../src/scalers/prometheus.js';
import { requestAuth } from '../../src/scalers/http/auth.js';

const servers = inject('servers');
const deps = scalerDeps();

function parse(metadata: Record<string, string>, authParams: Record<string, string> = {}) {
  return prometheus.parse({ metadata, authParams, env: {} });
}
function meta(metadata: Record<string, string>, authParams: Record<string, string> = {}): PrometheusMetadata {
  const r = parse(metadata, authParams);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.meta;
}
async function sample(metadata: Record<string, string>, authParams: Record<string, string> = {}) {
  const s = prometheus.create(meta(metadata, authParams), deps, 'prom');
  try {
    return await s.sample(AbortSignal.timeout(10_000));
  } finally {
    await s.close();
  }
}
const fails = async (metadata: Record<string, string>, authParams: Record<string, string> = {}) => {
  try {
    await sample(metadata, authParams);
  } catch (e) {
    return e as Error & { code: string; data: { field?: string } };
  }
  throw new Error('expected the sample to fail');
};

/** Sets a gauge at the exporter, then waits until Prometheus answers `query` with `want`. */
async function gauge(name: string, labels: string, value: number | 'absent', query: string, want: string | null): Promise<void> {
  await fetch(`${servers.PROMETHEUS_EXPORTER_URL}/__set?name=${name}&labels=${encodeURIComponent(labels)}&value=${value}`, {
    method: 'POST',
  });
  for (const end = Date.now() + 15_000; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
    const r = (await (await fetch(`${servers.PROMETHEUS_URL}/api/v1/query?query=${encodeURIComponent(query)}`)).json()) as {
      data: { result: { value: [number, string] }[] };
    };
    const got = r.data.result[0]?.value[1] ?? null;
    // KEDA asks for the value at the current whole second: let that second pass the scrape too.
    if (got === want) return void (await new Promise((r) => setTimeout(r, 1100)));
  }
  throw new Error(`Prometheus never answered ${want} for ${query}`);
}

const q = `q${randomBytes(4).toString('hex')}`;
const base = (over: Record<string, string> = {}) => ({
  serverAddress: servers.PROMETHEUS_URL,
  query: `sum(queue_depth{queue="${q}"})`,
  threshold: '5',
  ...over,
});

describe('prometheus: the value Prometheus holds', () => {
  it('follows the series: 7, then 7 + 5 over two series, then 0', async () => {
    await gauge('queue_depth', `queue="${q}",shard="a"`, 7, base().query, '7');
    expect(await sample(base())).toEqual({ value: 7, active: true });
    await gauge('queue_depth', `queue="${q}",shard="b"`, 5, base().query, '12');
    expect(await sample(base())).toEqual({ value: 12, active: true });
    await gauge('queue_depth', `queue="${q}",shard="a"`, 0, base().query, '5');
    await gauge('queue_depth', `queue="${q}",shard="b"`, 0, base().query, '0');
    expect(await sample(base())).toEqual({ value: 0, active: false });
  });

  it('activation is strictly above activationThreshold (the raw value)', async () => {
    const a = `a${q}`;
    await gauge('queue_depth', `queue="${a}"`, 3, `queue_depth{queue="${a}"}`, '3');
    expect(await sample(base({ query: `queue_depth{queue="${a}"}`, activationThreshold: '3' }))).toEqual({ value: 3, active: false });
    expect(await sample(base({ query: `queue_depth{queue="${a}"}`, activationThreshold: '2.5' }))).toEqual({ value: 3, active: true });
  });

  it('a scalar answer is read too (scalar(), arithmetic)', async () => {
    expect(await sample(base({ query: '2 * 21' }))).toEqual({ value: 42, active: true });
  });

  it('no series: 0 with ignoreNullValues (the default), an error naming the query without it', async () => {
    const none = base({ query: `queue_depth{queue="never-${q}"}` });
    expect(await sample(none)).toEqual({ value: 0, active: false });
    const e = await fails({ ...none, ignoreNullValues: 'false' });
    expect(e).toMatchObject({
      code: 'SCALER_VALUE_NOT_FOUND',
      message: expect.stringMatching(
        /trigger 'prom' \(prometheus\): query .*never-.*: the query returned no series: the target may be lost \(ignoreNullValues is false\)/,
      ),
    });
  });

  it('NaN (0/0 on a vector): 0 with ignoreNullValues, an error without', async () => {
    const nan = base({ query: 'vector(0) / 0' });
    expect(await sample(nan)).toEqual({ value: 0, active: false });
    expect(await fails({ ...nan, ignoreNullValues: 'false' })).toMatchObject({
      code: 'SCALER_NON_NUMERIC',
      message: expect.stringContaining('the query returned NaN'),
    });
  });

  it('several series: an error saying to aggregate', async () => {
    const several = `s${q}`;
    await gauge('queue_depth', `queue="${several}",shard="a"`, 1, `count(queue_depth{queue="${several}"})`, '1');
    await gauge('queue_depth', `queue="${several}",shard="b"`, 2, `count(queue_depth{queue="${several}"})`, '2');
    expect(await fails(base({ query: `queue_depth{queue="${several}"}` }))).toMatchObject({
      code: 'SCALER_INVALID_RESPONSE',
      message: expect.stringContaining('returned 2 series; it must return one'),
    });
  });

  it("a query Prometheus refuses: its own error text, on the field 'query'", async () => {
    const e = await fails(base({ query: 'sum(' }));
    expect(e).toMatchObject({
      code: 'SCALER_HTTP_STATUS',
      message: expect.stringMatching(/prometheus query api returned error\. status: 400: .*parse error/),
    });
  });
});

describe('prometheus: what is sent', () => {
  it('time (now, whole seconds, UTC), namespace and queryParameters in the URL; customHeaders and bearer as headers', async () => {
    const path = `/prom-sent-${q}`;
    await fetch(`${servers.METRICS_URL}/__set?path=${path}/api/v1/query`, {
      method: 'POST',
      body: JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, '4'] }] } }),
    });
    const token = `tok-${randomBytes(6).toString('hex')}`;
    expect(
      await sample(
        base({
          serverAddress: `${servers.METRICS_URL}${path}/`,
          namespace: 'team-a',
          queryParameters: 'dedup=true,partial_response=false',
          customHeaders: 'X-Scope-OrgID=tenant-1',
          authModes: 'bearer',
        }),
        { bearerToken: token },
      ),
    ).toEqual({ value: 4, active: true });
    const seen = (await (await fetch(`${servers.METRICS_URL}/__last?path=${path}/api/v1/query`)).json()) as {
      url: string;
      headers: Record<string, string>;
    };
    const url = new URL(seen.url, 'http://x');
    expect(url.searchParams.get('query')).toBe(base().query);
    expect(url.searchParams.get('time')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Math.abs(Date.parse(url.searchParams.get('time')!) - Date.now())).toBeLessThan(5_000);
    expect([...url.searchParams.keys()]).toEqual(['query', 'time', 'namespace', 'dedup', 'partial_response']);
    expect(seen.headers['x-scope-orgid']).toBe('tenant-1');
    expect(seen.headers.authorization).toBe(`Bearer ${token}`);
  });

  it('queryUrl: the injected clock sets time; custom auth and apiKey as KEDA sends them', () => {
    const m = meta(base({ authModes: 'custom,apiKey', method: 'query' }), {
      customAuthHeader: 'X-Auth',
      customAuthValue: 'v1',
      apiKey: 'k1',
    });
    const auth = requestAuth(m);
    expect(auth.headers).toEqual({ 'x-auth': 'v1' });
    const url = queryUrl(m, Date.UTC(2026, 11, 5, 17, 0, 1, 999), auth);
    expect([...url.searchParams]).toEqual([
      ['query', base().query],
      ['time', '2026-12-05T17:00:01Z'],
      ['api_key', 'k1'],
    ]);
  });
});

describe('prometheus: TLS with a client certificate and basic auth (Prometheus web config)', () => {
  const file = (p: string) => readFileSync(p, 'utf8');
  const tlsBase = () => base({ serverAddress: servers.PROMETHEUS_TLS_URL, query: '1 + 2', authModes: 'tls,basic' });
  const params = () => ({
    ca: file(servers.PROMETHEUS_TLS_CA_FILE),
    cert: file(servers.PROMETHEUS_TLS_CERT_FILE),
    key: file(servers.PROMETHEUS_TLS_KEY_FILE),
    username: servers.PROMETHEUS_BASIC_USER,
    password: servers.PROMETHEUS_BASIC_PASSWORD,
  });

  it('reads through both', async () => {
    expect(await sample(tlsBase(), params())).toEqual({ value: 3, active: true });
  });

  it('unsafeSsl skips checking the server, the client certificate still goes', async () => {
    const { ca: _, ...noCa } = params();
    expect(await sample({ ...tlsBase(), unsafeSsl: 'true' }, noCa)).toEqual({ value: 3, active: true });
  });

  it('a wrong password is SCALER_AUTH_FAILED, the password nowhere in the message', async () => {
    const wrong = `wrong-${randomBytes(6).toString('hex')}`;
    const e = await fails(tlsBase(), { ...params(), password: wrong });
    expect(e).toMatchObject({
      code: 'SCALER_AUTH_FAILED',
      data: { field: 'authModes' },
      message: expect.stringContaining('returned HTTP 401'),
    });
    expect(e.message).not.toContain(wrong);
  });

  it("the server's certificate without its CA, or no client certificate: SCALER_TLS_FAILED", async () => {
    const { ca: _, ...noCa } = params();
    expect(await fails(tlsBase(), noCa)).toMatchObject({
      code: 'SCALER_TLS_FAILED',
      message: expect.stringMatching(/TLS with https:\/\/127\.0\.0\.1:\d+\/api\/v1\/query failed/),
    });
    const { cert: __, key: ___, ...noClient } = params();
    const e = await fails({ ...tlsBase(), authModes: 'basic' }, noClient);
    expect(['SCALER_TLS_FAILED', 'SCALER_UNAVAILABLE']).toContain(e.code);
  });
});

describe('prometheus: failures, each on the trigger', () => {
  let hung: Server;
  let hungUrl = '';
  beforeAll(async () => {
    hung = createServer(() => undefined);
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    hungUrl = `http://127.0.0.1:${(hung.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    hung.closeAllConnections();
    await new Promise((r) => hung.close(r));
  });

  it('connection refused', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    expect(await fails(base({ serverAddress: `http://127.0.0.1:${port}` }))).toMatchObject({
      code: 'SCALER_CONNECTION_REFUSED',
      message: expect.stringContaining(`trigger 'prom' (prometheus): connection refused at http://127.0.0.1:${port}/api/v1/query`),
    });
  });

  it('a server that never answers: SCALER_TIMEOUT after timeout ms', async () => {
    const started = Date.now();
    expect(await fails(base({ serverAddress: hungUrl, timeout: '300' }))).toMatchObject({ code: 'SCALER_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  // KEDA's testPromQueryResult, each body served from a real socket.
  it.each([
    ['no results', '{}', 200, true, 0],
    ['no values', '{"data":{"result":[]}}', 200, true, 0],
    ["no values but shouldn't ignore", '{"data":{"result":[]}}', 200, false, null],
    ['value is empty list', '{"data":{"result":[{"value": []}]}}', 200, true, 0],
    ["value is empty list but shouldn't ignore", '{"data":{"result":[{"value": []}]}}', 200, false, null],
    ['valid value', '{"data":{"result":[{"value": ["1", "2"]}]}}', 200, true, 2],
    ['not enough values', '{"data":{"result":[{"value": ["1"]}]}}', 200, true, null],
    ['multiple results', '{"data":{"result":[{},{}]}}', 200, true, null],
    ['error status response', '{}', 400, true, null],
    ['+Inf', '{"data":{"result":[{"value": ["1", "+Inf"]}]}}', 200, true, 0],
    ["+Inf but shouldn't ignore", '{"data":{"result":[{"value": ["1", "+Inf"]}]}}', 200, false, null],
    ['-Inf', '{"data":{"result":[{"value": ["1", "-Inf"]}]}}', 200, true, 0],
    ["-Inf but shouldn't ignore", '{"data":{"result":[{"value": ["1", "-Inf"]}]}}', 200, false, null],
    ['NaN', '{"data":{"result":[{"value": ["1", "NaN"]}]}}', 200, true, 0],
    ["NaN but shouldn't ignore", '{"data":{"result":[{"value": ["1", "NaN"]}]}}', 200, false, null],
    ['not JSON (gitscale)', '<html>proxy error</html>', 200, true, null],
    ['a value that is not a number (gitscale)', '{"data":{"result":[{"value": ["1", "many"]}]}}', 200, true, null],
  ])('KEDA answer table: %s', async (name, body, status, ignore, want) => {
    const path = `/prom-table-${q}-${name.replace(/\W+/g, '-')}`;
    await fetch(`${servers.METRICS_URL}/__set?path=${path}/api/v1/query&status=${status}`, { method: 'POST', body });
    const m = base({ serverAddress: `${servers.METRICS_URL}${path}`, ignoreNullValues: String(ignore) });
    if (want === null) expect((await fails(m)).message).toMatch(/^trigger 'prom' \(prometheus\): /);
    else expect((await sample(m)).value).toBe(want);
  });
});

describe('prometheus: metadata', () => {
  const ok = { serverAddress: 'http://localhost:9090', metricName: 'http_requests_total', threshold: '100', query: 'up' };
  // KEDA's testPromMetadata.
  it.each([
    [{}, true],
    [ok, false],
    [{ serverAddress: 'http://localhost:9090', threshold: '100', query: 'up', namespace: 'foo' }, false],
    [{ ...ok, ignoreNullValues: 'false' }, false],
    [{ ...ok, activationThreshold: '50' }, false],
    [{ ...ok, serverAddress: '' }, true],
    [{ serverAddress: 'http://localhost:9090', metricName: 'http_requests_total', query: 'up' }, true],
    [{ ...ok, threshold: 'one' }, true],
    [{ ...ok, activationThreshold: 'one' }, true],
    [{ ...ok, query: '' }, true],
    [{ ...ok, ignoreNullValues: 'xxxx' }, true],
    [{ ...ok, serverAddress: 'https://localhost:9090', unsafeSsl: 'true' }, false],
    [{ ...ok, customHeaders: 'key1=value1,key2=value2' }, false],
    [{ ...ok, customHeaders: 'key1=value1,key2' }, true],
    [{ ...ok, queryParameters: 'key1=value1,key2=value2' }, false],
    [{ ...ok, queryParameters: 'key1=value1,key2' }, true],
    [{ ...ok, timeout: '1000' }, false],
    [{ ...ok, timeout: '-1' }, true],
    [{ ...ok, timeout: 'a' }, true],
  ])('%j → error %s', (metadata, isError) => {
    expect(parse(metadata).ok).toBe(!isError);
  });

  // KEDA's testPrometheusAuthMetadata (pod identity rows aside).
  it.each([
    ['tls', { ca: 'caaa', cert: 'ceert', key: 'keey' }, false],
    ['tls', { cert: 'ceert', key: 'keey' }, false],
    ['tls', { ca: 'caaa', cert: 'ceert' }, true],
    ['tls', { ca: 'caaa', key: 'keey' }, true],
    ['bearer', { bearerToken: 'tooooken' }, false],
    ['bearer', {}, true],
    ['basic', { username: 'user', password: 'pass' }, false],
    ['basic', {}, true],
    ['tls, basic', { ca: 'caaa', cert: 'ceert', key: 'keey', username: 'user', password: 'pass' }, false],
    ['tls,basic', { username: 'user', password: 'pass' }, true],
    ['custom', { customAuthHeader: 'header', customAuthValue: 'value' }, false],
    ['custom', { customAuthHeader: '' }, true],
    ['custom', { customAuthValue: '' }, true],
    ['bearer,basic', { bearerToken: 't', username: 'u' }, true],
    ['oauth', {}, true],
    ['kerberos', {}, true],
  ])('authModes %s with %j → error %s', (authModes, authParams, isError) => {
    expect(parse({ ...ok, authModes }, authParams as Record<string, string>).ok).toBe(!isError);
  });

  it('errors name their field; credentials in the address and SigV4 are refused; plan shows the query, never a secret', () => {
    const r = parse(
      { ...ok, serverAddress: 'http://user:pw@localhost:9090', authModes: 'bearer,basic' },
      { bearerToken: 'secret-token', username: 'u' },
    );
    expect(r.ok ? [] : r.errors.map((e) => e.field)).toEqual(['serverAddress', 'authModes']);
    expect(parse({ ...ok, awsRegion: 'eu-west-1' })).toMatchObject({
      ok: false,
      errors: [{ field: 'awsRegion', message: expect.stringContaining('SigV4') }],
    });
    const m = meta({ ...ok, query: 'sum(rate(http_requests_total[2m]))', authModes: 'bearer' }, { bearerToken: 'secret-token' });
    expect(prometheus.source!(m)).toBe('query "sum(rate(http_requests_total[2m]))" at http://localhost:9090/');
    expect(prometheus.target(m)).toEqual({ target: 100, activationTarget: 0, unit: '' });
  });
});
