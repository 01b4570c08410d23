import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { describeValue, getScaler, isScalerType, scalers, type ScalerClients } from '../../src/scalers/index.js';
import type { Schema } from '../../src/scalers/schema.js';

const srcDir = fileURLToPath(new URL('../../src/scalers/', import.meta.url));
const testDir = fileURLToPath(new URL('./', import.meta.url));
const NOT_SCALERS = new Set(['errors', 'index', 'schema', 'types']);
/** The file named after the key, else its family's: the key without its topology word (redis-cluster-streams → redis-streams). */
const fileOf = (key: string) =>
  NOT_SCALERS.has(key)
    ? undefined
    : [key, key.replace(/-(cluster|sentinel)(?=-|$)/, '')].find((f) =>
        existsSync(fileURLToPath(new URL(`../../src/scalers/${f}.ts`, import.meta.url))),
      );

describe('scaler registry', () => {
  const files = readdirSync(srcDir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3))
    .filter((f) => !NOT_SCALERS.has(f))
    .sort();

  it('every key is served by the file of its name, or by its family file (redis serves redis-cluster, redis-streams serves redis-sentinel-streams), and every file serves a key', async () => {
    const served = new Map<string, string[]>();
    for (const [key, def] of Object.entries(scalers)) {
      expect(def.type).toBe(key);
      const file = fileOf(key) as string;
      expect(file, `no file serves '${key}'`).toBeDefined();
      const mod = (await import(/* @vite-ignore */ new URL(`${file}.ts`, new URL('../../src/scalers/', import.meta.url)).href)) as Record<
        string,
        unknown
      >;
      expect(Object.values(mod), `${file}.ts does not export the definition of '${key}'`).toContain(def);
      served.set(file, [...(served.get(file) ?? []), key]);
    }
    expect([...served.keys()].sort()).toEqual(files);
  });

  it('composes ScalerClients from the clients each definition declares (a type check: neither every client lost nor none required)', () => {
    expectTypeOf<keyof ScalerClients>().toEqualTypeOf<
      'amqp' | 'httpTls' | 'kafka' | 'mongodb' | 'mysql' | 'postgresql' | 'redis' | 's3' | 'sqs'
    >();
    expectTypeOf<Record<string, never>>().not.toMatchTypeOf<ScalerClients>();
  });

  it('keeps its keys sorted', () => {
    const keys = Object.keys(scalers);
    expect(keys).toEqual([...keys].sort());
  });

  it('every src/scalers file has a test file and no test file is an orphan', () => {
    const tests = readdirSync(testDir)
      .filter((f) => f.endsWith('.test.ts'))
      .map((f) => f.slice(0, -'.test.ts'.length))
      .sort();
    const sources = readdirSync(srcDir)
      .filter((f) => f.endsWith('.ts') && f !== 'types.ts' && f !== 'index.ts')
      .map((f) => f.slice(0, -3));
    expect(tests.filter((t) => t !== 'registry').sort()).toEqual(sources.sort());
  });

  it.each(Object.keys(scalers))(
    '%s: target() reads only schema fields declared role target / activation (so each is checked > 0 / warned below 0), or none at all (a fixed target)',
    async (type) => {
      const { schema } = (await import(
        /* @vite-ignore */ new URL(`${fileOf(type)}.ts`, new URL('../../src/scalers/', import.meta.url)).href
      )) as { schema: Schema };
      // A distinct number per numeric field; target() must hand back the one whose role says so.
      const meta: Record<string, unknown> = {};
      Object.entries(schema).forEach(([k, f], i) => (meta[k] = f.kind === 'int' || f.kind === 'float' ? 1000 + i : undefined));
      const t = scalers[type as keyof typeof scalers].target(meta as never);
      const keyOf = (n: number) => Object.keys(meta).find((k) => meta[k] === n);
      if (!Object.values(schema).some((f) => f.role)) {
        // No field has a role: the target is fixed (cron: 1 per replica), whatever the metadata says.
        const other = Object.fromEntries(Object.keys(meta).map((k) => [k, typeof meta[k] === 'number' ? 7 : undefined]));
        expect(scalers[type as keyof typeof scalers].target(other as never)).toEqual(t);
        expect(t.target).toBeGreaterThan(0);
        return;
      }
      expect(schema[keyOf(t.target) ?? '']?.role, `target ${t.target}`).toBe('target');
      expect(schema[keyOf(t.activationTarget) ?? '']?.role, `activation ${t.activationTarget}`).toBe('activation');
    },
  );

  it('getScaler returns the definition', () => {
    expect(getScaler('redis')).toBe(scalers.redis);
    expect(isScalerType('aws-sqs-queue')).toBe(true);
    expect(isScalerType('toString')).toBe(false);
  });

  it.each([
    { name: 'unknown', input: 'kafkaa' },
    { name: 'prototype key', input: 'constructor' },
    { name: 'case differs', input: 'Redis' },
  ])('an unknown type ($name) lists the known ones', ({ input }) => {
    let err: unknown;
    try {
      getScaler(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('UNKNOWN_TRIGGER_TYPE');
    // Every registered type, in order (from the registry: a new trigger edits no test but its own).
    expect((err as Error).message).toBe(`unknown trigger type '${input}': must be one of: ${Object.keys(scalers).sort().join(', ')}`);
  });

  it.each([
    { name: 'with a unit', input: { unit: 'msgs', value: 20, target: 5 }, want: '20 msgs / 5' },
    { name: 'no unit', input: { unit: '', value: 2.5, target: 10 }, want: '2.5 / 10' },
    { name: 'long fractions', input: { unit: 'items', value: 1 / 3, target: 0.1 + 0.2 }, want: '0.333333 items / 0.3' },
  ])('describeValue: $name', ({ input, want }) => {
    expect(describeValue(input.unit, input.value, input.target)).toBe(want);
  });
});
