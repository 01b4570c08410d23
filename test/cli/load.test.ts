// Config fixtures: every valid case loads with no problem; each invalid case names its code.
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
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
    // An unset *FromEnv variable may come from the target container's env in Git: validate checks it against the manifest.
    const hit = [...r.problems, ...r.envMissing].find((p) => p.code === code);
    expect(hit, JSON.stringify(r.problems)).toBeDefined();
    expect(hit!.file).toBe(join(dir, 'invalid', f));
    expect(hit!.object).not.toBe('');
    // Such an object is kept (the manifest may settle it); every other invalid object is dropped.
    expect(r.config?.objects.length ?? 0).toBe(code === 'TRIGGER_ENV_MISSING' ? 1 : 0);
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
    expect(r.problems[0].message).toMatch(/unknown trigger type 'kafkaa': must be one of: aws-s3, aws-sqs-queue, cron, kafka, metrics-api, mongodb, mysql, nats-jetstream, postgresql, prometheus, rabbitmq, redis, redis-cluster, redis-cluster-streams, redis-sentinel, redis-sentinel-streams, redis-streams/);
    expect(r.problems[0].field).toBe('spec.triggers[0].type');
  });

  it('an unset variable named by a FromEnv key names the key, the variable and its own code (left for the manifest to settle)', async () => {
    const r = await loadConfig(join(dir, 'invalid', 'TRIGGER_ENV_MISSING.yaml'), { env: {}, fs });
    expect(r.problems).toEqual([]);
    expect(r.config?.objects.map((o) => o.key)).toEqual(['default/consumer']);
    expect(r.envMissing).toEqual([{
      object: 'default/consumer', file: join(dir, 'invalid', 'TRIGGER_ENV_MISSING.yaml'), field: 'spec.triggers[0].metadata.passwordFromEnv',
      message: `'passwordFromEnv' names environment variable 'REDIS_PASSWORD', which is not set (or empty) in gitscale's environment`, code: 'TRIGGER_ENV_MISSING',
    }]);
    const set = await loadConfig(join(dir, 'invalid', 'TRIGGER_ENV_MISSING.yaml'), { env: { REDIS_PASSWORD: 'pw' }, fs });
    expect(set.problems).toEqual([]);
    expect(set.envMissing).toEqual([]);
  });
});

describe('trigger targets must be positive numbers, in every trigger type', () => {
  const tmp = fs.mkdtempSync(join(tmpdir(), 'gitscale-load-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const write = (triggers: unknown[]): string => {
    const file = join(tmp, `c-${Math.random().toString(36).slice(2)}.yaml`);
    fs.writeFileSync(file, stringify({
      repositories: [{ name: 'm', url: '/srv/m' }],
      scaledObjects: [{ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'a', annotations: { 'gitscale.dev/repository': 'm', 'gitscale.dev/path': 'a.yaml' } }, spec: { scaleTargetRef: { name: 'a' }, triggers } }],
    }));
    return file;
  };
  const api = { url: 'http://m/x', valueLocation: 'v' };
  const sqs = { queueURL: 'orders', awsRegion: 'eu-west-1' };
  const pg = { query: 'select 1', host: 'db', port: '5432', userName: 'u', dbName: 'd', sslmode: 'disable' };
  it.each([
    { name: 'metrics-api targetValue "-3"', input: { type: 'metrics-api', metadata: { ...api, targetValue: '-3' } }, want: { field: 'targetValue', message: /-3 must be > 0/ } },
    { name: 'metrics-api targetValue "abc"', input: { type: 'metrics-api', metadata: { ...api, targetValue: 'abc' } }, want: { field: 'targetValue', message: /"abc" is not a number/ } },
    { name: 'metrics-api activationTargetValue "x"', input: { type: 'metrics-api', metadata: { ...api, targetValue: '5', activationTargetValue: 'x' } }, want: { field: 'activationTargetValue', message: /"x" is not a number/ } },
    { name: 'aws-sqs-queue queueLength "0"', input: { type: 'aws-sqs-queue', metadata: { ...sqs, queueLength: '0' } }, want: { field: 'queueLength', message: /0 must be >= 1/ } },
    { name: 'aws-sqs-queue activationQueueLength "-1"', input: { type: 'aws-sqs-queue', metadata: { ...sqs, activationQueueLength: '-1' } }, want: { field: 'activationQueueLength', message: /-1 must be >= 0/ } },
    { name: 'redis listLength "-2"', input: { type: 'redis', metadata: { address: 'r:6379', listName: 'l', listLength: '-2' } }, want: { field: 'listLength', message: /-2 must be >= 1/ } },
    { name: 'postgresql targetQueryValue "-0.5"', input: { type: 'postgresql', metadata: { ...pg, targetQueryValue: '-0.5' } }, want: { field: 'targetQueryValue', message: /-0.5 must be > 0/ } },
  ])('$name', async ({ input, want }) => {
    const r = await loadConfig(write([input]), { env: {}, fs });
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ object: 'default/a', field: `spec.triggers[0].metadata.${want.field}`, code: 'TRIGGER_METADATA' });
    expect(r.problems[0].message).toMatch(want.message);
    expect(r.config!.objects).toEqual([]);
  });
});
