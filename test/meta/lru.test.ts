// The bounded cache behind the object store's and the manifest parser's memos.
import { describe, expect, it } from 'vitest';
import { Lru } from '../../src/lru.js';

describe('Lru', () => {
  it('keeps the total cost within budget, dropping the least recently used first', () => {
    const c = new Lru<string, string>(10, (v) => v.length);
    c.set('a', 'xxxx');
    c.set('b', 'xxxx');
    expect(c.get('a')).toBe('xxxx'); // a is now the most recent
    c.set('c', 'xxxx'); // 12 > 10: b goes
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBe('xxxx');
    expect(c.get('c')).toBe('xxxx');
    expect(c.size).toBe(2);
  });

  it('always keeps the newest entry, even one over budget, and re-setting a key re-weighs it', () => {
    const c = new Lru<string, string>(3, (v) => v.length);
    c.set('a', 'x');
    c.set('big', 'xxxxxxxx');
    expect(c.size).toBe(1);
    expect(c.get('big')).toBe('xxxxxxxx');
    c.set('big', 'x');
    c.set('b', 'x');
    expect(c.size).toBe(2);
  });
});
