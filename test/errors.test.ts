// errorMessage: one line that says what failed and why, through `cause` chains (Node's fetch wraps
// the system error: "fetch failed" alone says nothing) and message-less AggregateErrors.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ConfigError, errorMessage } from '../src/errors.js';

const sys = (message: string, extra: Record<string, unknown>) => Object.assign(new Error(message), extra);

describe('errorMessage', () => {
  it.each([
    { name: 'a plain error', input: new Error('boom'), want: 'boom' },
    { name: 'a thrown string', input: 'just text', want: 'just text' },
    { name: 'a typed error keeps its message', input: new ConfigError('CONFIG_INVALID', 'bad field'), want: 'bad field' },
    {
      name: 'fetch failed + the refused connection in its cause',
      input: new TypeError('fetch failed', {
        cause: sys('connect ECONNREFUSED 127.0.0.1:39999', { code: 'ECONNREFUSED', address: '127.0.0.1', port: 39999 }),
      }),
      want: 'fetch failed: connect ECONNREFUSED 127.0.0.1:39999',
    },
    {
      name: 'a cause that repeats the message is not repeated',
      input: new Error('read failed: EACCES', { cause: new Error('EACCES') }),
      want: 'read failed: EACCES',
    },
    {
      name: 'a message-less AggregateError (both addresses of localhost refused) speaks through its errors',
      input: new TypeError('fetch failed', {
        cause: Object.assign(
          new AggregateError([sys('connect ECONNREFUSED ::1:8080', {}), sys('connect ECONNREFUSED 127.0.0.1:8080', {})]),
          { code: 'ECONNREFUSED' },
        ),
      }),
      want: 'fetch failed: connect ECONNREFUSED ::1:8080; connect ECONNREFUSED 127.0.0.1:8080',
    },
    {
      name: 'a message-less system error: its code and address',
      input: new Error('request failed', { cause: sys('', { code: 'ECONNRESET', address: '10.0.0.1', port: 443 }) }),
      want: 'request failed: ECONNRESET 10.0.0.1:443',
    },
  ])('$name', ({ input, want }) => {
    expect(errorMessage(input)).toBe(want);
  });

  it('a real refused fetch names ECONNREFUSED and host:port', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const e = await fetch(`http://127.0.0.1:${port}/`).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(errorMessage(e)).toBe(`fetch failed: connect ECONNREFUSED 127.0.0.1:${port}`);
  });
});
