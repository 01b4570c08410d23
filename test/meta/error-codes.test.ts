// The one catalogue of codes (src/errors/codes.ts) and the code that uses it agree: every catalogued
// code is raised or reported somewhere, and a code written where the type system does not look (a
// plain string field, the docs) is one of the catalogue's. The error classes take their family's
// union, so a misspelled code at a `new XError(…)` already fails to compile.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClusterError, ConfigError, GitError, ManifestError, ScalerError } from '../../src/errors.js';
import { ERROR_CODES } from '../../src/errors/codes.js';
import { ForgeError } from '../../src/forges/types.js';

const root = join(import.meta.dirname, '../..');
const src = join(root, 'src');
const CATALOGUE = 'errors/codes.ts';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}
const sources = files(src)
  .map((f) => ({ path: relative(src, f), text: readFileSync(f, 'utf8') }))
  .filter((s) => s.path !== CATALOGUE);

const families = Object.entries(ERROR_CODES);
const all = new Map(families.flatMap(([family, codes]) => Object.keys(codes).map((c) => [c, family] as const)));
/** The first words codes start with (CONFIG, SCALER, GIT …): a token starting so is taken for a code. */
const prefixes = new Set([...all.keys()].map((c) => c.split('_')[0]));
const looksLikeCode = (token: string) => token.includes('_') && prefixes.has(token.split('_')[0]);

describe('error codes', () => {
  it('every family has codes, each with a one-line meaning, and no code is in two families', () => {
    expect(all.size).toBe(families.reduce((n, [, codes]) => n + Object.keys(codes).length, 0));
    for (const [family, codes] of families) {
      expect(Object.keys(codes).length, family).toBeGreaterThan(0);
      for (const [code, meaning] of Object.entries(codes)) {
        expect(code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
        expect(meaning, code).toMatch(/^[^\n]{10,140}$/);
      }
    }
  });

  it("each error class takes its family's codes only (a type check: tsc fails when one takes any string again)", () => {
    const made = [
      // @ts-expect-error: a misspelled code
      new ScalerError('SCALER_TIMEOTU', 'x'),
      // @ts-expect-error: another family's code
      new ConfigError('SCALER_TIMEOUT', 'x'),
      // @ts-expect-error: another family's code
      new ManifestError('GIT_AUTH', 'x', { file: 'f' }),
      // @ts-expect-error: another family's code
      new GitError('KUBE_FAILED', 'x'),
      // @ts-expect-error: another family's code
      new ClusterError('FORGE_HTTP', 'x'),
      // @ts-expect-error: another family's code
      new ForgeError('CONFIG_TYPE', 'x', { status: 0, forge: 'gitea' }),
    ];
    expect(made).toHaveLength(6);
  });

  it('every catalogued code is used in src', () => {
    const used = new Set(sources.flatMap((s) => [...s.text.matchAll(/'([A-Z][A-Z0-9_]*)'/g)].map((m) => m[1])));
    expect([...all.keys()].filter((c) => !used.has(c))).toEqual([]);
  });

  it('every code-like string in src is catalogued (where a plain string field would let a typo through)', () => {
    const stray = sources.flatMap((s) =>
      [...s.text.matchAll(/'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)'/g)]
        .map((m) => m[1])
        .filter((t) => looksLikeCode(t) && !all.has(t))
        .map((t) => `${s.path}: ${t}`),
    );
    expect(stray).toEqual([]);
  });

  it('every code the docs name is catalogued', () => {
    // Environment variables the docs name that share a code's first word.
    const notCodes = new Set(['GIT_TOKEN']);
    const docs = [
      'README.md',
      ...readdirSync(join(root, 'docs'))
        .filter((n) => n.endsWith('.md'))
        .map((n) => `docs/${n}`),
    ];
    const stray = docs.flatMap((d) =>
      [...readFileSync(join(root, d), 'utf8').matchAll(/`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`/g)]
        .map((m) => m[1])
        .filter((t) => looksLikeCode(t) && !all.has(t) && !notCodes.has(t))
        .map((t) => `${d}: ${t}`),
    );
    expect(stray).toEqual([]);
  });
});
