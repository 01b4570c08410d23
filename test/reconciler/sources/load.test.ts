// Config fixtures: every valid case loads with no problem; each invalid case names its code.
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/reconciler/sources/load.js';
import { scalers } from '../../../src/scalers/index.js';

const dir = join(import.meta.dirname, '../../../fixtures/config');
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
    // Every registered type, in order (from the registry: a new trigger edits no test but its own).
    expect(r.problems[0].message).toContain(`unknown trigger type 'kafkaa': must be one of: ${Object.keys(scalers).sort().join(', ')}`);
    expect(r.problems[0].field).toBe('spec.triggers[0].type');
  });

  it('an unset variable named by a FromEnv key names the key, the variable and its own code (left for the manifest to settle)', async () => {
    const r = await loadConfig(join(dir, 'invalid', 'TRIGGER_ENV_MISSING.yaml'), { env: {}, fs });
    expect(r.problems).toEqual([]);
    expect(r.config?.objects.map((o) => o.key)).toEqual(['default/consumer']);
    expect(r.envMissing).toEqual([
      {
        object: 'default/consumer',
        file: join(dir, 'invalid', 'TRIGGER_ENV_MISSING.yaml'),
        field: 'spec.triggers[0].metadata.passwordFromEnv',
        message: `'passwordFromEnv' names environment variable 'REDIS_PASSWORD', which is not set (or empty) in gitscale's environment`,
        code: 'TRIGGER_ENV_MISSING',
      },
    ]);
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
    fs.writeFileSync(
      file,
      stringify({
        repositories: [{ name: 'm', url: '/srv/m' }],
        scaledObjects: [
          {
            apiVersion: 'keda.sh/v1alpha1',
            kind: 'ScaledObject',
            metadata: { name: 'a', annotations: { 'gitscale.dev/repository': 'm', 'gitscale.dev/path': 'a.yaml' } },
            spec: { scaleTargetRef: { name: 'a' }, triggers },
          },
        ],
      }),
    );
    return file;
  };
  const api = { url: 'http://m/x', valueLocation: 'v' };
  const sqs = { queueURL: 'orders', awsRegion: 'eu-west-1' };
  const pg = { query: 'select 1', host: 'db', port: '5432', userName: 'u', dbName: 'd', sslmode: 'disable' };
  it.each([
    {
      name: 'metrics-api targetValue "-3"',
      input: { type: 'metrics-api', metadata: { ...api, targetValue: '-3' } },
      want: { field: 'targetValue', message: /-3 must be > 0/ },
    },
    {
      name: 'metrics-api targetValue "abc"',
      input: { type: 'metrics-api', metadata: { ...api, targetValue: 'abc' } },
      want: { field: 'targetValue', message: /"abc" is not a number/ },
    },
    {
      name: 'metrics-api activationTargetValue "x"',
      input: { type: 'metrics-api', metadata: { ...api, targetValue: '5', activationTargetValue: 'x' } },
      want: { field: 'activationTargetValue', message: /"x" is not a number/ },
    },
    {
      name: 'aws-sqs-queue queueLength "0"',
      input: { type: 'aws-sqs-queue', metadata: { ...sqs, queueLength: '0' } },
      want: { field: 'queueLength', message: /0 must be >= 1/ },
    },
    {
      name: 'aws-sqs-queue activationQueueLength "-1"',
      input: { type: 'aws-sqs-queue', metadata: { ...sqs, activationQueueLength: '-1' } },
      want: { field: 'activationQueueLength', message: /-1 must be >= 0/ },
    },
    {
      name: 'redis listLength "-2"',
      input: { type: 'redis', metadata: { address: 'r:6379', listName: 'l', listLength: '-2' } },
      want: { field: 'listLength', message: /-2 must be >= 1/ },
    },
    {
      name: 'postgresql targetQueryValue "-0.5"',
      input: { type: 'postgresql', metadata: { ...pg, targetQueryValue: '-0.5' } },
      want: { field: 'targetQueryValue', message: /-0.5 must be > 0/ },
    },
  ])('$name', async ({ input, want }) => {
    const r = await loadConfig(write([input]), { env: {}, fs });
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({
      object: 'default/a',
      field: `spec.triggers[0].metadata.${want.field}`,
      code: 'TRIGGER_METADATA',
    });
    expect(r.problems[0].message).toMatch(want.message);
    expect(r.config!.objects).toEqual([]);
  });
});

describe('the real cause first, and one problem per cause', () => {
  const tmp = fs.mkdtempSync(join(tmpdir(), 'gitscale-load-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const write = (triggers: unknown[], triggerAuthentications: unknown[] = []): string => {
    const file = join(tmp, `c-${Math.random().toString(36).slice(2)}.yaml`);
    fs.writeFileSync(
      file,
      stringify({
        repositories: [{ name: 'm', url: '/srv/m' }],
        triggerAuthentications,
        scaledObjects: [
          {
            apiVersion: 'keda.sh/v1alpha1',
            kind: 'ScaledObject',
            metadata: { name: 'a', annotations: { 'gitscale.dev/repository': 'm', 'gitscale.dev/path': 'a.yaml' } },
            spec: { scaleTargetRef: { name: 'a' }, triggers },
          },
        ],
      }),
    );
    return file;
  };
  const cron = { type: 'cron', metadata: { timezone: 'Europe/Paris', start: '0 8 * * *', end: '0 18 * * *', desiredReplicas: '3' } };
  it.each([
    // KEDA's documented cron + cpu example: Utilization belongs to cpu, and cpu is what gitscale lacks.
    {
      name: 'cpu with Utilization: the unknown type, alone',
      triggers: [cron, { type: 'cpu', metricType: 'Utilization', metadata: { value: '60' } }],
      want: [{ field: 'spec.triggers[1].type', code: 'UNKNOWN_TRIGGER_TYPE', message: /^unknown trigger type 'cpu'/ }],
    },
    {
      name: 'memory with Utilization: the unknown type, alone',
      triggers: [{ type: 'memory', metricType: 'Utilization', metadata: { value: '60' } }],
      want: [{ field: 'spec.triggers[0].type', code: 'UNKNOWN_TRIGGER_TYPE', message: /^unknown trigger type 'memory'/ }],
    },
    {
      name: 'a supported type with Utilization: names the type',
      triggers: [{ ...cron, metricType: 'Utilization' }],
      want: [
        {
          field: 'spec.triggers[0].metricType',
          code: 'CONFIG_METRIC_TYPE',
          message: /^Utilization is only for cpu\/memory triggers, and this trigger's type is 'cron'/,
        },
      ],
    },
    {
      name: "kafka sasl gssapi: 'not supported', not also 'needs username and password'",
      triggers: [{ type: 'kafka', metadata: { bootstrapServers: 'k:9092', consumerGroup: 'g', topic: 't', sasl: 'gssapi' } }],
      want: [{ field: 'spec.triggers[0].metadata.sasl', code: 'TRIGGER_METADATA', message: /sasl 'gssapi' is not supported/ }],
    },
  ])('$name', async ({ triggers, want }) => {
    const r = await loadConfig(write(triggers), { env: {}, fs });
    expect(r.problems.map(({ field, code, message }) => ({ field, code, message }))).toEqual(
      want.map((w) => ({ ...w, message: expect.stringMatching(w.message) })),
    );
    expect(r.problems.every((p) => p.object === 'default/a' && p.file.startsWith(tmp))).toBe(true);
  });

  it("warns about a TriggerAuthentication's parameters the trigger does not read, naming the trigger's authenticationRef (never a value)", async () => {
    const auth = {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'TriggerAuthentication',
      metadata: { name: 'redis-auth' },
      spec: {
        secretTargetRef: [
          { parameter: 'password', name: 'redis', key: 'pw' },
          { parameter: 'pasword', name: 'redis', key: 'pw' },
          { parameter: 'listName', name: 'redis', key: 'pw' },
        ],
      },
    };
    const file = write(
      [{ type: 'redis', metadata: { address: 'r:6379', listName: 'l' }, authenticationRef: { name: 'redis-auth' } }],
      [auth],
    );
    const r = await loadConfig(file, { env: { GITSCALE_SECRET_REDIS_PW: 's3cret-value' }, fs });
    expect(r.problems).toEqual([]);
    const auths = r.warnings.filter((w) => w.code === 'TRIGGER_AUTH_PARAM_UNKNOWN');
    expect(auths.map(({ object, file: f, field }) => ({ object, file: f, field }))).toEqual([
      { object: 'default/a', file, field: 'spec.triggers[0].authenticationRef' },
      { object: 'default/a', file, field: 'spec.triggers[0].authenticationRef' },
    ]);
    expect(auths[0].message).toBe(
      "TriggerAuthentication 'redis-auth': authentication parameter 'listName' is ignored: 'listName' is read only from trigger metadata",
    );
    expect(auths[1].message).toMatch(
      /^TriggerAuthentication 'redis-auth': unknown authentication parameter 'pasword' is ignored \(read: .*\bpassword\b/,
    );
    expect(JSON.stringify(r.warnings)).not.toContain('s3cret-value');
  });
});

describe('secrets missing at load time', () => {
  const tmp = fs.mkdtempSync(join(tmpdir(), 'gitscale-load-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const file = join(tmp, 'c.yaml');
  fs.writeFileSync(
    file,
    stringify({
      repositories: [{ name: 'm', url: '/srv/m' }],
      triggerAuthentications: [
        {
          kind: 'TriggerAuthentication',
          metadata: { name: 'kafka' },
          spec: {
            secretTargetRef: [
              { parameter: 'username', name: 'kafka-secrets', key: 'username' },
              { parameter: 'password', name: 'kafka-secrets', key: 'password' },
            ],
          },
        },
      ],
      scaledObjects: [
        {
          apiVersion: 'keda.sh/v1alpha1',
          kind: 'ScaledObject',
          metadata: { name: 'a', annotations: { 'gitscale.dev/repository': 'm', 'gitscale.dev/path': 'a.yaml' } },
          // KEDA's documentation writes sasl in the metadata: gitscale refuses oauthbearer whatever the secrets.
          spec: {
            scaleTargetRef: { name: 'a' },
            triggers: [
              {
                type: 'kafka',
                authenticationRef: { name: 'kafka' },
                metadata: { bootstrapServers: 'k:9092', consumerGroup: 'g', topic: 't', lagThreshold: '5', sasl: 'oauthbearer' },
              },
            ],
          },
        },
      ],
    }),
  );

  it('names every missing secret, and still judges the metadata the secrets would not have filled', async () => {
    const r = await loadConfig(file, { env: {}, fs });
    expect(r.warnings.filter((w) => w.code === 'SECRET_NOT_FOUND').map((w) => w.message)).toEqual([
      expect.stringContaining("secret kafka-secrets/username for parameter 'username' not found"),
      expect.stringContaining("secret kafka-secrets/password for parameter 'password' not found"),
    ]);
    expect(r.problems).toEqual([
      expect.objectContaining({ field: 'spec.triggers[0].metadata.sasl', message: expect.stringContaining("'oauthbearer'") }),
    ]);
  });

  it('with the secrets there, the same single problem', async () => {
    const r = await loadConfig(file, {
      env: { GITSCALE_SECRET_KAFKA_SECRETS_USERNAME: 'u', GITSCALE_SECRET_KAFKA_SECRETS_PASSWORD: 'p' },
      fs,
    });
    expect(r.warnings.filter((w) => w.code === 'SECRET_NOT_FOUND')).toEqual([]);
    expect(r.problems).toEqual([expect.objectContaining({ field: 'spec.triggers[0].metadata.sasl' })]);
  });
});

describe('a problem points where the value was written', () => {
  const tmp = fs.mkdtempSync(join(tmpdir(), 'gitscale-load-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  it('a bad connectionString from a TriggerAuthentication: on authenticationRef, naming the parameter (the metadata never held it)', async () => {
    const file = join(tmp, 'c.yaml');
    fs.writeFileSync(
      file,
      stringify({
        repositories: [{ name: 'm', url: '/srv/m' }],
        triggerAuthentications: [
          {
            kind: 'TriggerAuthentication',
            metadata: { name: 'mysql' },
            spec: { env: [{ parameter: 'connectionString', name: 'MYSQL_DSN' }] },
          },
        ],
        scaledObjects: [
          {
            apiVersion: 'keda.sh/v1alpha1',
            kind: 'ScaledObject',
            metadata: { name: 'a', annotations: { 'gitscale.dev/repository': 'm', 'gitscale.dev/path': 'a.yaml' } },
            spec: {
              scaleTargetRef: { name: 'a' },
              triggers: [{ type: 'mysql', authenticationRef: { name: 'mysql' }, metadata: { query: 'select 1', queryValue: '5' } }],
            },
          },
        ],
      }),
    );
    const r = await loadConfig(file, { env: { MYSQL_DSN: 'not a dsn' }, fs });
    expect(r.problems).toEqual([
      expect.objectContaining({
        field: 'spec.triggers[0].authenticationRef',
        code: 'TRIGGER_METADATA',
        message: expect.stringMatching(/^TriggerAuthentication 'mysql', parameter 'connectionString': 'connectionString' is invalid/),
      }),
    ]);
    expect(JSON.stringify(r)).not.toContain('not a dsn');
  });
});
