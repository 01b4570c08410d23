// The logger (pino underneath): JSON and text lines, level filtering, and secrets redacted by
// field path in both formats whatever the caller passed.
import { describe, expect, it } from 'vitest';
import { REDACTED, SECRET_FIELDS, createLogger } from '../src/log.js';

const T = Date.UTC(2026, 11, 5, 9, 0, 0);
const lines = (format: 'json' | 'text', level?: 'debug' | 'info' | 'warn' | 'error') => {
  const out: string[] = [];
  return { out, log: createLogger({ format, level, write: (l) => void out.push(l), now: () => T }) };
};

describe('createLogger', () => {
  it('json: one object per line with time, level, msg and the fields', () => {
    const { out, log } = lines('json');
    log.info('commit', { repository: 'manifests', attempts: 2, files: ['a.yaml'], skipped: undefined });
    expect(out).toHaveLength(1);
    expect(JSON.parse(out[0])).toEqual({
      time: '2026-12-05T09:00:00.000Z',
      level: 'info',
      msg: 'commit',
      repository: 'manifests',
      attempts: 2,
      files: ['a.yaml'],
    });
  });

  it('text: time, level, message, then key=value in the order given (quoted when needed)', () => {
    const { out, log } = lines('text');
    log.warn('trigger failed', { object: 'shop/web', error: 'connect ECONNREFUSED 127.0.0.1:1', n: 3, empty: '' });
    expect(out).toEqual([
      '2026-12-05T09:00:00.000Z WARN  trigger failed object=shop/web error="connect ECONNREFUSED 127.0.0.1:1" n=3 empty=""',
    ]);
  });

  it('drops what is below the level', () => {
    const { out, log } = lines('json', 'warn');
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    expect(out.map((l) => JSON.parse(l).msg)).toEqual(['w', 'e']);
  });

  it.each(['json', 'text'] as const)('%s: secrets are redacted by path, at the top and one level down; other fields are kept', (format) => {
    const { out, log } = lines(format);
    const secret = 's3cr3t-value';
    log.error('request failed', {
      ...Object.fromEntries(SECRET_FIELDS.map((k) => [k, secret])),
      trigger: { type: 'redis', password: secret, authParams: { password: secret } },
      headers: { authorization: `Bearer ${secret}`, accept: 'application/json' },
      url: 'https://example.com/q',
    });
    expect(out).toHaveLength(1);
    expect(out[0]).not.toContain(secret);
    expect(out[0]).toContain(REDACTED);
    expect(out[0]).toContain('application/json');
    expect(out[0]).toContain('https://example.com/q');
  });
});
