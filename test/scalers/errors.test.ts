// The errors every scaler shares (src/scalers/errors.ts): the trigger named, secrets redacted,
// network and TLS failures told apart.
import { describe, expect, it } from 'vitest';
import { ScalerError } from '../../src/errors.js';
import { abortable, networkError, redact, scalerError } from '../../src/scalers/errors.js';

describe('errors', () => {
  const ctx = { trigger: 'orders', type: 'redis', secrets: ['s3cr3t', undefined] };

  it('names the trigger and redacts secrets', () => {
    const e = scalerError(ctx, 'SCALER_AUTH_FAILED', 'bad password s3cr3t for redis://u:s3cr3t@h', 'password');
    expect(e).toBeInstanceOf(ScalerError);
    expect(e.code).toBe('SCALER_AUTH_FAILED');
    expect(e.message).toBe(`trigger 'orders' (redis): bad password *** for redis://u:***@h`);
    expect(e.data).toEqual({ trigger: 'orders', field: 'password' });
  });

  it('redact ignores empty secrets', () => {
    expect(redact('abc', ['', undefined])).toBe('abc');
  });

  it.each([
    { name: 'refused', input: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), wantCode: 'SCALER_CONNECTION_REFUSED' },
    {
      name: 'refused in a cause',
      input: new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) }),
      wantCode: 'SCALER_CONNECTION_REFUSED',
    },
    {
      name: 'refused in an AggregateError',
      input: Object.assign(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]), { code: 'ECONNREFUSED' }),
      wantCode: 'SCALER_CONNECTION_REFUSED',
    },
    { name: 'dns', input: Object.assign(new Error('x'), { code: 'ENOTFOUND' }), wantCode: 'SCALER_HOST_NOT_FOUND' },
    { name: 'timeout', input: Object.assign(new Error('x'), { code: 'ETIMEDOUT' }), wantCode: 'SCALER_TIMEOUT' },
    { name: 'reset', input: Object.assign(new Error('x'), { code: 'ECONNRESET' }), wantCode: 'SCALER_UNAVAILABLE' },
  ])('networkError: $name', ({ input: e, wantCode }) => {
    expect(networkError(ctx, e, 'h:1')?.code).toBe(wantCode);
  });

  const refused = (address: string, port: number) =>
    Object.assign(new Error(`connect ECONNREFUSED ${address}:${port}`), { code: 'ECONNREFUSED', address, port });
  it.each([
    {
      name: 'fetch failed, refused in the cause',
      input: new TypeError('fetch failed', { cause: refused('127.0.0.1', 39999) }),
      want: `trigger 'orders' (redis): connection refused at h:1 (ECONNREFUSED 127.0.0.1:39999)`,
    },
    {
      name: 'both addresses of localhost refused',
      input: Object.assign(new AggregateError([refused('::1', 6379), refused('127.0.0.1', 6379)]), { code: 'ECONNREFUSED' }),
      want: `trigger 'orders' (redis): connection refused at h:1 (ECONNREFUSED ::1:6379)`,
    },
    {
      name: 'host not found names the host',
      input: Object.assign(new Error('getaddrinfo ENOTFOUND db.internal'), { code: 'ENOTFOUND', hostname: 'db.internal' }),
      want: `trigger 'orders' (redis): host not found: h:1 (ENOTFOUND db.internal)`,
    },
    {
      name: 'a code without an address',
      input: Object.assign(new Error('x'), { code: 'ECONNRESET' }),
      want: `trigger 'orders' (redis): h:1 is unavailable (ECONNRESET)`,
    },
  ])('networkError message says the system code and address: $name', ({ input: e, want }) => {
    expect(networkError(ctx, e, 'h:1')?.message).toBe(want);
  });

  it('networkError: not a network error', () => {
    expect(networkError(ctx, new Error('other'), 'h:1')).toBeUndefined();
  });

  it('networkError: an aborted signal wins, timeout vs abort', () => {
    const timedOut = new AbortController();
    timedOut.abort(new DOMException('t', 'TimeoutError'));
    expect(networkError(ctx, new Error('x'), 'h:1', timedOut.signal)?.code).toBe('SCALER_TIMEOUT');
    const aborted = new AbortController();
    aborted.abort();
    expect(networkError(ctx, new Error('x'), 'h:1', aborted.signal)?.code).toBe('SCALER_ABORTED');
  });

  it('abortable rejects on abort and passes results through', async () => {
    const c = new AbortController();
    const never = new Promise<number>(() => undefined);
    const p = abortable(never, c.signal);
    c.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
    await expect(abortable(Promise.resolve(3), new AbortController().signal)).resolves.toBe(3);
  });
});
