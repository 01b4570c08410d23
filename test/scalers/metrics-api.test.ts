import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, inject, it } from 'vitest';
import { lookupPath, metricsApi, parsePath, parseQuantity } from '../../src/scalers/metrics-api.js';
import type { RawSample, ScalerInput } from '../../src/scalers/types.js';
import { freePort } from '../support/servers/spawn.js';
import { expectScalerError, input, sampleOnce } from '../support/scalers.js';
import { scalerDeps } from '../../src/cli/scaler-clients.js';

const env = inject('servers');

const sample = (i: ScalerInput, trigger = 'api'): Promise<RawSample> => sampleOnce(metricsApi, i, trigger);

/** Makes the canned server answer `body` at a fresh path under `prefix`; returns the path. */
async function serve(body: unknown, status = 200, prefix = ''): Promise<string> {
  const path = `${prefix}/m-${randomBytes(4).toString('hex')}`;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const r = await fetch(`${env.METRICS_URL}/__set?path=${encodeURIComponent(path)}&status=${status}`, { method: 'POST', body: text });
  expect(r.status).toBe(204);
  return path;
}

async function lastRequest(path: string): Promise<{ url: string; headers: Record<string, string> }> {
  return (await fetch(`${env.METRICS_URL}/__last?path=${encodeURIComponent(path)}`)).json() as Promise<{
    url: string;
    headers: Record<string, string>;
  }>;
}

describe('metrics-api parse', () => {
  const base = { url: 'http://svc:8080/stats', valueLocation: 'a.b', targetValue: '10' };
  it.each([
    {
      name: 'defaults',
      input: input(base),
      want: {
        targetValue: 10,
        activationTargetValue: 0,
        format: 'json',
        method: 'header',
        authModes: undefined,
        aggregationType: 'average',
      },
    },
    {
      name: "bearer (token, KEDA's other name for bearerToken)",
      input: input({ ...base, authMode: 'bearer' }, { token: 't' }),
      want: { authModes: 'bearer', bearerToken: 't' },
    },
    {
      name: 'apiKey with query method',
      input: input({ ...base, authMode: 'apiKey', method: 'query', keyParamName: 'key' }, { apiKey: 'k' }),
      want: { method: 'query', keyParamName: 'key', apiKey: 'k' },
    },
    {
      name: 'authMode from authParams',
      input: input(base, { authMode: 'basic', username: 'u', password: 'p' }),
      want: { authModes: 'basic', username: 'u' },
    },
    { name: 'activation', input: input({ ...base, activationTargetValue: '2.5' }), want: { activationTargetValue: 2.5 } },
  ])('$name', ({ input: i, want }) => {
    const r = metricsApi.parse(i);
    expect(r.ok && r.meta).toMatchObject(want);
  });

  it.each([
    { name: 'all required missing', input: input({}), wantFields: ['url', 'valueLocation', 'targetValue'] },
    { name: 'bad url', input: input({ ...base, url: 'ftp://x/y' }), wantFields: ['url'] },
    { name: 'target zero', input: input({ ...base, targetValue: '0' }), wantFields: ['targetValue'] },
    {
      name: 'target negative ("-3" used to pass, then every tick kept the old value)',
      input: input({ ...base, targetValue: '-3' }),
      wantFields: ['targetValue'],
    },
    { name: 'activation not a number', input: input({ ...base, activationTargetValue: 'abc' }), wantFields: ['activationTargetValue'] },
    { name: 'bad float', input: input({ ...base, targetValue: '1O' }), wantFields: ['targetValue'] },
    {
      name: 'prometheus format with a path, not a selector',
      input: input({ ...base, format: 'prometheus' }),
      wantFields: ['valueLocation'],
    },
    {
      name: 'aggregateFromKubeServiceEndpoints',
      input: input({ ...base, aggregateFromKubeServiceEndpoints: 'true' }),
      wantFields: ['aggregateFromKubeServiceEndpoints'],
    },
    { name: 'unknown format', input: input({ ...base, format: 'csv' }), wantFields: ['format'] },
    { name: 'bearer without token', input: input({ ...base, authMode: 'bearer' }), wantFields: ['bearerToken'] },
    { name: 'basic without username', input: input({ ...base, authMode: 'basic' }), wantFields: ['username'] },
    { name: 'apiKey without key', input: input({ ...base, authMode: 'apiKey' }), wantFields: ['apiKey'] },
    { name: 'unsupported authMode', input: input({ ...base, authMode: 'oauth' }), wantFields: ['authModes'] },
    { name: 'empty path segment', input: input({ ...base, valueLocation: 'a..b' }), wantFields: ['valueLocation'] },
  ])('$name', ({ input: i, wantFields }) => {
    const r = metricsApi.parse(i);
    expect(!r.ok && r.errors.map((e) => e.field)).toEqual(wantFields);
  });

  // KEDA's testMetricsAPIMetadata and testMetricsAPIAuthMetadata.
  const dummy = { url: 'http://dummy:1230/api/v1/', valueLocation: 'metric', targetValue: '42' };
  it.each([
    [{}, {}, true],
    [{ ...dummy, valueLocation: 'metric.test' }, {}, false],
    [{ ...dummy, targetValue: 'aa' }, {}, true],
    [{ ...dummy, targetValue: '1', activationTargetValue: 'aa' }, {}, true],
    [{ url: dummy.url, targetValue: 'aa' }, {}, true],
    [{ valueLocation: 'metric', targetValue: 'aa' }, {}, true],
    [{ url: dummy.url, valueLocation: 'metric' }, {}, true],
    [{ ...dummy, timeout: '1000' }, {}, false],
    [{ ...dummy, timeout: '-1' }, {}, true],
    [{ ...dummy, timeout: 'a' }, {}, true],
    [{ ...dummy, authMode: 'tls' }, { ca: 'caaa', cert: 'ceert', key: 'keey' }, false],
    [{ ...dummy, authMode: 'tls' }, { cert: 'ceert', key: 'keey' }, false],
    [{ ...dummy, authMode: 'tls' }, { ca: 'caaa', cert: 'ceert' }, true],
    [{ ...dummy, authMode: 'tls' }, { ca: 'caaa', key: 'keey' }, true],
    [{ ...dummy, authMode: 'apiKey' }, { apiKey: 'apiikey' }, false],
    [{ ...dummy, authMode: 'apiKey' }, { apiKey: 'apiikey', method: 'query' }, false],
    [{ ...dummy, authMode: 'apiKey' }, { apiKey: 'apiikey', method: 'header', keyParamName: 'custom' }, false],
    [{ ...dummy, authMode: 'apiKey' }, { apiKey: 'apiikey', method: 'query', keyParamName: 'custom' }, false],
    [{ ...dummy, authMode: 'apiKey' }, {}, true],
    [{ ...dummy, authMode: 'basic' }, { username: 'user', password: 'pass' }, false],
    [{ ...dummy, authMode: 'basic' }, {}, true],
    [{ ...dummy, authMode: 'bearer' }, { token: 'bearerTokenValue' }, false],
    [{ ...dummy, authMode: 'bearer' }, {}, true],
    [{ ...dummy, unsafeSsl: 'true' }, {}, false],
    [{ ...dummy, unsafeSsl: 'false' }, {}, false],
    [{ ...dummy, unsafeSsl: 'yes' }, {}, true],
    [{ ...dummy, authMode: 'apiKey,tls' }, { apiKey: 'apiikey', ca: 'caaa', cert: 'ceert', key: 'keey' }, false],
  ])('KEDA metadata table: %j with %j → error %s', (metadata, authParams, isError) => {
    expect(metricsApi.parse(input(metadata as Record<string, string>, authParams as Record<string, string>)).ok).toBe(!isError);
  });

  it('target', () => {
    const r = metricsApi.parse(input({ ...base, activationTargetValue: '1' }));
    expect(r.ok && metricsApi.target(r.meta)).toEqual({ target: 10, activationTarget: 1, unit: '' });
  });

  it.each([
    { name: 'integer', input: '42', want: 42 },
    { name: 'decimal kilo', input: '1.5k', want: 1500 },
    { name: 'milli', input: '250m', want: 0.25 },
    { name: 'binary', input: '2Ki', want: 2048 },
    { name: 'exponent', input: '1e3', want: 1000 },
    { name: 'negative', input: '-5', want: -5 },
    { name: 'mega', input: '3M', want: 3e6 },
    { name: 'not a quantity', input: '12 items', want: undefined },
    { name: 'bad suffix', input: '1KB', want: undefined },
    { name: 'empty', input: '', want: undefined },
  ])('parseQuantity: $name', ({ input: q, want }) => {
    expect(parseQuantity(q)).toBe(want);
  });

  it.each([
    { name: 'nested', path: 'a.b.c', doc: { a: { b: { c: 1 } } }, want: { found: true, value: 1 } },
    { name: 'array index', path: 'a.1.b', doc: { a: [{ b: 1 }, { b: 2 }] }, want: { found: true, value: 2 } },
    { name: 'array length', path: 'a.#', doc: { a: [1, 2, 3] }, want: { found: true, value: 3 } },
    { name: 'escaped dot', path: 'a\\.b', doc: { 'a.b': 5 }, want: { found: true, value: 5 } },
    { name: 'numeric object key', path: 'a.0', doc: { a: { 0: 'x' } }, want: { found: true, value: 'x' } },
    { name: 'missing', path: 'a.x.c', doc: { a: { b: 1 } }, want: { found: false, at: 'a.x' } },
    { name: 'index out of range', path: 'a.5', doc: { a: [] }, want: { found: false, at: 'a.5' } },
    { name: 'no prototype keys', path: 'a.constructor', doc: { a: {} }, want: { found: false, at: 'a.constructor' } },
  ])('lookupPath: $name', ({ path, doc, want }) => {
    expect(lookupPath(doc, parsePath(path)!)).toEqual(want);
  });
});

describe('metrics-api against an HTTP server', () => {
  const doc = {
    queue: { depth: 12, stats: [{ pending: 3 }, { pending: '1.5k' }], workers: ['a', 'b'], load: '250m', label: 'busy', none: null },
  };
  it.each([
    { name: 'a nested number', valueLocation: 'queue.depth', want: 12 },
    { name: 'an array element', valueLocation: 'queue.stats.0.pending', want: 3 },
    { name: 'a quantity string', valueLocation: 'queue.stats.1.pending', want: 1500 },
    { name: 'a milli quantity', valueLocation: 'queue.load', want: 0.25 },
    { name: 'an array length', valueLocation: 'queue.workers.#', want: 2 },
  ])('reads $name', async ({ valueLocation, want }) => {
    const path = await serve(doc);
    expect(await sample(input({ url: `${env.METRICS_URL}${path}`, valueLocation, targetValue: '5' }))).toEqual({
      value: want,
      active: true,
    });
  });

  it('activation is strict: value == activationTargetValue is inactive', async () => {
    const path = await serve({ v: 4 });
    const url = `${env.METRICS_URL}${path}`;
    expect(await sample(input({ url, valueLocation: 'v', targetValue: '2', activationTargetValue: '4' }))).toEqual({
      value: 4,
      active: false,
    });
    expect(await sample(input({ url, valueLocation: 'v', targetValue: '2', activationTargetValue: '3.5' }))).toEqual({
      value: 4,
      active: true,
    });
  });

  it.each([
    { name: 'a non-numeric string', valueLocation: 'queue.label', wantCode: 'SCALER_NON_NUMERIC', want: /the string "busy"/ },
    { name: 'null', valueLocation: 'queue.none', wantCode: 'SCALER_NON_NUMERIC', want: /is null/ },
    { name: 'an object', valueLocation: 'queue', wantCode: 'SCALER_NON_NUMERIC', want: /is an object, not a number/ },
    { name: 'a missing path', valueLocation: 'queue.nope.x', wantCode: 'SCALER_VALUE_NOT_FOUND', want: /no value at 'queue.nope'/ },
  ])('rejects $name', async ({ valueLocation, wantCode, want }) => {
    const path = await serve(doc);
    const e = await expectScalerError(
      sample(input({ url: `${env.METRICS_URL}${path}`, valueLocation, targetValue: '5' }), 'bad-value'),
      wantCode,
      'bad-value',
    );
    expect(e.message).toMatch(want);
    expect(e.data.field).toBe('valueLocation');
  });

  it('an answer larger than 4 MiB is refused unread, streamed or declared (SCALER_INVALID_RESPONSE), never buffered whole', async () => {
    let sent = 0;
    const server = createServer((req, res) => {
      if (req.url === '/declared') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(64 * 1024 * 1024) });
        res.write('{"v": 1, "pad": "');
        return; // never sends the rest: the client must not wait for it
      }
      // Chunked, without a length: 64 kB at a time until the client stops reading.
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const push = () => {
        while (!res.destroyed && sent < 64 * 1024 * 1024 && res.write(chunk)) sent += chunk.length;
        if (!res.destroyed && sent < 64 * 1024 * 1024) res.once('drain', push);
      };
      res.write('{"v": 1, "pad": "');
      push();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const path of ['/declared', '/streamed']) {
        const e = await expectScalerError(
          sample(input({ url: `${base}${path}`, valueLocation: 'v', targetValue: '5' }), 'big'),
          'SCALER_INVALID_RESPONSE',
          'big',
        );
        expect(e.message).toMatch(/answered more than 4194304 bytes: not read/);
      }
      expect(sent).toBeLessThan(32 * 1024 * 1024);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('rejects a non-JSON body with SCALER_INVALID_RESPONSE', async () => {
    const path = await serve('<html>oops</html>');
    await expectScalerError(
      sample(input({ url: `${env.METRICS_URL}${path}`, valueLocation: 'a', targetValue: '5' }), 'html'),
      'SCALER_INVALID_RESPONSE',
      'html',
    );
  });

  it.each([
    { name: '500', status: 500 },
    { name: '204', status: 204 },
    { name: '404 (nothing set)', status: 404 },
  ])('a $name answer rejects with SCALER_HTTP_STATUS naming the status', async ({ status }) => {
    const path = status === 404 ? '/never-set' : await serve({ v: 1 }, status);
    const e = await expectScalerError(
      sample(input({ url: `${env.METRICS_URL}${path}`, valueLocation: 'v', targetValue: '5' }), 'status'),
      'SCALER_HTTP_STATUS',
      'status',
    );
    expect(e.message).toContain(`HTTP ${status}`);
  });

  it('connection refused says ECONNREFUSED host:port, not "fetch failed"', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/metrics`;
    const e = await expectScalerError(
      sample(input({ url, valueLocation: 'v', targetValue: '5' }), 'refused'),
      'SCALER_CONNECTION_REFUSED',
      'refused',
    );
    expect(e.message).toBe(`trigger 'refused' (metrics-api): connection refused at ${url} (ECONNREFUSED 127.0.0.1:${port})`);
  });

  it('bearer auth: the right token reads, a wrong one rejects with SCALER_AUTH_FAILED without the token', async () => {
    const path = await serve({ v: 7 }, 200, '/bearer');
    const meta = { url: `${env.METRICS_URL}${path}`, valueLocation: 'v', targetValue: '5', authMode: 'bearer' };
    expect(await sample(input(meta, { token: env.METRICS_TOKEN }))).toEqual({ value: 7, active: true });
    await expectScalerError(sample(input(meta, { token: 'wrong-token-abc' }), 'auth'), 'SCALER_AUTH_FAILED', 'auth', ['wrong-token-abc']);
    await expectScalerError(sample(input({ ...meta, authMode: '' }), 'anon'), 'SCALER_AUTH_FAILED', 'anon');
  });

  it('basic auth sends an Authorization header', async () => {
    const path = await serve({ v: 1 });
    await sample(
      input(
        { url: `${env.METRICS_URL}${path}`, valueLocation: 'v', targetValue: '5', authMode: 'basic' },
        { username: 'u', password: 'p' },
      ),
    );
    expect((await lastRequest(path)).headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
  });

  type Seen = { url: string; headers: Record<string, string> };
  it.each<{ name: string; meta: Record<string, string>; check: (r: Seen) => void }>([
    { name: 'default header', meta: {}, check: (r: Seen) => expect(r.headers['x-api-key']).toBe('k-123') },
    { name: 'named header', meta: { keyParamName: 'X-Token' }, check: (r: Seen) => expect(r.headers['x-token']).toBe('k-123') },
    { name: 'default query', meta: { method: 'query' }, check: (r: Seen) => expect(r.url).toMatch(/[?&]api_key=k-123/) },
    { name: 'named query', meta: { method: 'query', keyParamName: 'key' }, check: (r: Seen) => expect(r.url).toMatch(/[?&]key=k-123/) },
  ])('apiKey auth: $name', async ({ meta, check }) => {
    const path = await serve({ v: 1 });
    await sample(
      input(
        { url: `${env.METRICS_URL}${path}?x=1`, valueLocation: 'v', targetValue: '5', authMode: 'apiKey', ...meta },
        { apiKey: 'k-123' },
      ),
    );
    check(await lastRequest(path));
  });

  it('an API key sent in the query never appears in an error', async () => {
    const url = `http://127.0.0.1:${await freePort()}/m`;
    await expectScalerError(
      sample(input({ url, valueLocation: 'v', targetValue: '5', authMode: 'apiKey', method: 'query' }, { apiKey: 'query-key-789' }), 'q'),
      'SCALER_CONNECTION_REFUSED',
      'q',
      ['query-key-789'],
    );
  });

  it('the timeout metadata (ms) and the caller signal both abort', async () => {
    const parsed = metricsApi.parse(input({ url: `http://10.255.255.1:81/m`, valueLocation: 'v', targetValue: '5', timeout: '100' }));
    if (!parsed.ok) throw new Error('parse');
    const s = metricsApi.create(
      parsed.meta,
      scalerDeps(
        Date.now,
        (_u, init) => new Promise((_r, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason))),
      ),
      'slow',
    );
    await expectScalerError(s.sample(new AbortController().signal), 'SCALER_TIMEOUT', 'slow');
    const c = new AbortController();
    const p = s.sample(c.signal);
    c.abort();
    await expectScalerError(p, 'SCALER_ABORTED', 'slow');
  });
});

describe('metrics-api: formats and auth modes over the wire', () => {
  it.each([
    ['yaml', 'queue:\n  depth: 9\n', 'queue.depth', 9],
    ['xml', '<stats><queue><depth>11</depth></queue></stats>', 'stats.queue.depth', 11],
    [
      'prometheus',
      '# TYPE queue_depth gauge\nqueue_depth{queue="jobs"} 13\nqueue_depth{queue="mail"} 2\n',
      'queue_depth{queue="jobs"}',
      13,
    ],
  ])('format %s', async (format, body, valueLocation, want) => {
    const path = await serve(body);
    expect(await sample(input({ url: `${env.METRICS_URL}${path}`, valueLocation, targetValue: '5', format }))).toEqual({
      value: want,
      active: true,
    });
    expect((await lastRequest(path)).headers.accept).toMatch(format === 'prometheus' ? /^text\/plain/ : new RegExp(format));
  });

  it('a format error names the trigger, the format and the field', async () => {
    const path = await serve('<stats><depth>1</stats>');
    const e = await expectScalerError(
      sample(input({ url: `${env.METRICS_URL}${path}`, valueLocation: 'stats.depth', targetValue: '5', format: 'xml' }), 'x'),
      'SCALER_INVALID_RESPONSE',
      'x',
    );
    expect(e.message).toMatch(/trigger 'x' \(metrics-api\): the answer is not XML: .* \(format xml\)/);
    expect(e.data.field).toBe('format');
  });

  it('custom auth and apiKey with basic, combined (authModes "custom,apiKey,basic")', async () => {
    const path = await serve({ v: 2 });
    await sample(
      input(
        { url: `${env.METRICS_URL}${path}`, valueLocation: 'v', targetValue: '5', authModes: 'custom, apiKey, basic', method: 'query' },
        { customAuthHeader: 'X-Tenant-Key', customAuthValue: 'tenant-secret', apiKey: 'k-9', username: 'u', password: 'p' },
      ),
    );
    const seen = await lastRequest(path);
    expect(seen.headers['x-tenant-key']).toBe('tenant-secret');
    expect(seen.headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    expect(seen.url).toMatch(/[?&]api_key=k-9/);
  });

  // A real TLS server requiring a client certificate: the test Prometheus behind its web config.
  const file = (p: string) => readFileSync(p, 'utf8');
  const tlsUrl = () => `${env.PROMETHEUS_TLS_URL}/api/v1/query?query=vector(6)`;
  const tlsParams = () => ({
    ca: file(env.PROMETHEUS_TLS_CA_FILE),
    cert: file(env.PROMETHEUS_TLS_CERT_FILE),
    key: file(env.PROMETHEUS_TLS_KEY_FILE),
    username: env.PROMETHEUS_BASIC_USER,
    password: env.PROMETHEUS_BASIC_PASSWORD,
  });

  it('tls (client certificate, CA) with basic: reads; without the CA it is SCALER_TLS_FAILED unless unsafeSsl', async () => {
    const meta = { url: tlsUrl(), valueLocation: 'data.result.0.value.1', targetValue: '5', authModes: 'tls,basic' };
    expect(await sample(input(meta, tlsParams()))).toEqual({ value: 6, active: true });
    const { ca: _, ...noCa } = tlsParams();
    await expectScalerError(sample(input(meta, noCa), 'tls'), 'SCALER_TLS_FAILED', 'tls', [env.PROMETHEUS_BASIC_PASSWORD]);
    expect(await sample(input({ ...meta, unsafeSsl: 'true' }, noCa))).toEqual({ value: 6, active: true });
  });
});
