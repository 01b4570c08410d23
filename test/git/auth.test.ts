import { describe, expect, it } from 'vitest';
import { authHeaders, scrub } from '../../src/git/auth.js';

describe('git auth', () => {
  it('builds a Basic header with x-access-token by default, none without a token', () => {
    expect(authHeaders('t0k')).toEqual({ Authorization: `Basic ${Buffer.from('x-access-token:t0k').toString('base64')}` });
    expect(authHeaders('t0k', 'oauth2').Authorization).toBe(`Basic ${Buffer.from('oauth2:t0k').toString('base64')}`);
    expect(authHeaders(undefined)).toEqual({});
  });

  it('scrubs the token and its Basic encodings from messages', () => {
    const b64 = Buffer.from('x-access-token:s3cr3t-value').toString('base64');
    expect(scrub(`failed with s3cr3t-value and Basic ${b64}`, 's3cr3t-value')).toBe('failed with *** and Basic ***');
    expect(scrub('nothing here', undefined)).toBe('nothing here');
  });
});
