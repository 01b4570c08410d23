// Did-you-mean for gitscale.dev/ annotations: edit distance, and how near counts as a typo.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KNOWN_ANNOTATIONS, didYouMean, editDistance } from '../../src/config/annotations.js';

const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : n.endsWith('.ts') ? [join(dir, n)] : []));
const known = KNOWN_ANNOTATIONS.map((k) => k.replace('gitscale.dev/', ''));

describe('editDistance', () => {
  it.each([
    { name: 'equal', input: ['field', 'field'], want: 0 },
    { name: 'a swap is two edits', input: ['feild', 'field'], want: 2 },
    { name: 'one insertion', input: ['pth', 'path'], want: 1 },
    { name: 'from empty', input: ['', 'path'], want: 4 },
    { name: 'kitten/sitting', input: ['kitten', 'sitting'], want: 3 },
  ])('$name', ({ input, want }) => {
    expect(editDistance(input[0], input[1])).toBe(want);
  });
});

describe('didYouMean', () => {
  it.each([
    { name: 'a swapped pair', input: 'feild', want: 'field' },
    { name: 'a dropped letter', input: 'repositry', want: 'repository' },
    { name: 'case only', input: 'PATH', want: 'path' },
    { name: 'a long key with two typos', input: 'review-scal-inn', want: 'review-scale-in' },
    { name: 'too far to be a typo', input: 'owner', want: undefined },
    { name: 'empty', input: '', want: undefined },
  ])('$name', ({ input, want }) => {
    expect(didYouMean(input, known)).toBe(want);
  });

  it('knows every gitscale.dev/ key written as a string literal anywhere in src/', () => {
    const literals = files(join(import.meta.dirname, '../../src')).flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(/['"`](gitscale\.dev\/[a-z][a-z-]*)['"`]/g)].map((m) => m[1]),
    );
    expect(literals.length).toBeGreaterThan(5);
    expect([...new Set(literals)].filter((k) => !KNOWN_ANNOTATIONS.includes(k))).toEqual([]);
  });
});
