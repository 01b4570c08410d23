// An assumed role's credentials are kept until 5 minutes before they expire, shared by the callers
// that ask meanwhile, and a failed request is not kept (the next sample asks STS again).
import { describe, expect, it } from 'vitest';
import { memoized } from '../../src/cli/scaler-clients.js';

describe('memoized credentials', () => {
  it('reuses until 5 minutes before expiry; one request in flight; a failure is retried', async () => {
    let now = 0;
    let calls = 0;
    let fail = false;
    const provider = memoized(
      async () => {
        calls++;
        if (fail) throw new Error('sts down');
        return { accessKeyId: `ASIA${calls}`, secretAccessKey: 's', expiration: new Date(now + 15 * 60_000) };
      },
      () => now,
    );
    const [a, b] = await Promise.all([provider(), provider()]);
    expect(calls).toBe(1);
    expect(a).toBe(b);
    now = 9 * 60_000;
    expect((await provider()).accessKeyId).toBe('ASIA1');
    now = 10 * 60_000; // 5 minutes before expiry
    expect((await provider()).accessKeyId).toBe('ASIA2');
    now = 30 * 60_000;
    fail = true;
    await expect(provider()).rejects.toThrow('sts down');
    fail = false;
    expect((await provider()).accessKeyId).toBe('ASIA4');
  });
});
