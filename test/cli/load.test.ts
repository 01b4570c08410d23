// Config fixtures: every valid case loads with no problem; each invalid case names its code.
import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/cli/load.js';

const dir = join(import.meta.dirname, '../../fixtures/config');
const valid = fs.readdirSync(join(dir, 'valid'));
const invalid = fs.readdirSync(join(dir, 'invalid'));

describe('config fixtures', () => {
  it.each(valid)('valid/%s loads without problems', async (f) => {
    const r = await loadConfig(join(dir, 'valid', f), { env: { GIT_TOKEN: 'test-token' }, fs });
    expect(r.problems).toEqual([]);
    expect(r.config?.objects.length).toBeGreaterThan(0);
  });

  it.each(invalid)('invalid/%s reports its code with object, file and field', async (f) => {
    const code = f.replace(/\.yaml$/, '');
    const r = await loadConfig(join(dir, 'invalid', f), { env: {}, fs });
    const hit = r.problems.find((p) => p.code === code);
    expect(hit, JSON.stringify(r.problems)).toBeDefined();
    expect(hit!.file).toBe(join(dir, 'invalid', f));
    expect(hit!.object).not.toBe('');
    expect(r.config?.objects.length ?? 0).toBe(0);
  });

  it('names the metadata field of a bad trigger', async () => {
    const r = await loadConfig(join(dir, 'invalid', 'TRIGGER_METADATA.yaml'), { env: { GIT_TOKEN: 't' }, fs });
    const fields = r.problems.map((p) => p.field);
    expect(fields).toContain('spec.triggers[0].metadata.queueLength');
    expect(fields).toContain('spec.triggers[0].metadata.queueURL');
    expect(r.problems.every((p) => p.object === 'default/consumer')).toBe(true);
  });

  it('lists the known trigger types for an unknown one', async () => {
    const r = await loadConfig(join(dir, 'invalid', 'UNKNOWN_TRIGGER_TYPE.yaml'), { env: { GIT_TOKEN: 't' }, fs });
    expect(r.problems[0].message).toMatch(/unknown trigger type 'kafkaa': must be one of: aws-sqs-queue, metrics-api, postgresql, redis/);
    expect(r.problems[0].field).toBe('spec.triggers[0].type');
  });
});
