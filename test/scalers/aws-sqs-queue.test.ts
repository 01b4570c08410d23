import { CreateQueueCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { attributesFor, awsSqsQueue, type AwsSqsQueueMetadata } from '../../src/scalers/aws-sqs-queue.js';
import { awsClientConfig, type AwsClientConfig } from '../../src/scalers/aws/common.js';
import type { PodIdentity, RawSample, ScalerInput } from '../../src/scalers/types.js';
import { freePort } from '../support/servers/spawn.js';
import { expectScalerError, input, sampleOnce } from '../support/scalers.js';

const env = inject('servers');
const creds = { awsAccessKeyID: 'AKIDTEST', awsSecretAccessKey: 'secret-key-value-123' };
const sqs = new SQSClient({
  region: 'us-east-1',
  endpoint: env.SQS_ENDPOINT,
  credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' },
});
afterAll(() => sqs.destroy());

const sample = (i: ScalerInput, trigger = 'orders'): Promise<RawSample> => sampleOnce(awsSqsQueue, i, trigger);

/** A queue holding `visible` ready, `inFlight` received-but-not-deleted and `delayed` delayed messages. */
async function queueWith(visible: number, inFlight: number, delayed: number): Promise<{ name: string; url: string }> {
  const name = `q-${randomBytes(4).toString('hex')}`;
  const { QueueUrl: url } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  for (let i = 0; i < visible + inFlight; i += 10) {
    const n = Math.min(10, visible + inFlight - i);
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: Array.from({ length: n }, (_, j) => ({ Id: String(j), MessageBody: `m${i + j}` })),
      }),
    );
  }
  let received = 0;
  while (received < inFlight) {
    const r = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: Math.min(10, inFlight - received), VisibilityTimeout: 300 }),
    );
    received += r.Messages?.length ?? 0;
  }
  for (let i = 0; i < delayed; i++) await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: `d${i}`, DelaySeconds: 600 }));
  return { name, url: url! };
}

const meta = (queueURL: string, extra: Record<string, string> = {}) => ({
  queueURL,
  awsRegion: 'us-east-1',
  awsEndpoint: env.SQS_ENDPOINT,
  ...extra,
});

describe('aws-sqs-queue parse', () => {
  const url = 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders';
  it.each([
    {
      name: 'defaults',
      input: input({ queueURL: url, awsRegion: 'eu-west-1' }),
      want: {
        queueLength: 5,
        activationQueueLength: 0,
        scaleOnInFlight: true,
        scaleOnDelayed: false,
        awsEndpoint: undefined,
        awsAccessKeyID: undefined,
      },
    },
    {
      name: 'queueURLFromEnv',
      input: input({ queueURLFromEnv: 'QURL', awsRegion: 'eu-west-1' }, {}, { QURL: url }),
      want: { queueURL: url },
    },
    { name: 'bare queue name', input: input({ queueURL: 'orders.fifo', awsRegion: 'eu-west-1' }), want: { queueURL: 'orders.fifo' } },
    { name: 'region from authParams', input: input({ queueURL: url }, { awsRegion: 'us-west-2' }), want: { awsRegion: 'us-west-2' } },
    {
      name: 'region: metadata before authParams',
      input: input({ queueURL: url, awsRegion: 'eu-west-1' }, { awsRegion: 'us-west-2' }),
      want: { awsRegion: 'eu-west-1' },
    },
    {
      name: 'keys from authParams',
      input: input({ queueURL: url, awsRegion: 'r' }, { ...creds, awsSessionToken: 't' }),
      want: { awsAccessKeyID: 'AKIDTEST', awsSecretAccessKey: 'secret-key-value-123', awsSessionToken: 't' },
    },
    {
      name: 'awsAccessKeyId alias',
      input: input({ queueURL: url, awsRegion: 'r' }, { awsAccessKeyId: 'AK', awsSecretAccessKey: 's' }),
      want: { awsAccessKeyID: 'AK' },
    },
    {
      name: 'legacy FromEnv keys',
      input: input({ queueURL: url, awsRegion: 'r', awsAccessKeyIDFromEnv: 'K', awsSecretAccessKeyFromEnv: 'S' }, {}, { K: 'ak', S: 'sk' }),
      want: { awsAccessKeyID: 'ak', awsSecretAccessKey: 'sk' },
    },
    {
      name: 'authParams before FromEnv',
      input: input({ queueURL: url, awsRegion: 'r', awsSecretAccessKeyFromEnv: 'S' }, creds, { S: 'env' }),
      want: { awsSecretAccessKey: 'secret-key-value-123' },
    },
    {
      name: 'numbers and flags',
      input: input({
        queueURL: url,
        awsRegion: 'r',
        queueLength: '20',
        activationQueueLength: '2',
        scaleOnInFlight: 'false',
        scaleOnDelayed: 'true',
      }),
      want: { queueLength: 20, activationQueueLength: 2, scaleOnInFlight: false, scaleOnDelayed: true },
    },
  ])('$name', ({ input: i, want }) => {
    const r = awsSqsQueue.parse(i);
    expect(r.ok && r.meta).toMatchObject(want);
  });

  it.each([
    { name: 'queueURL missing', input: input({ awsRegion: 'r' }), wantFields: ['queueURL'] },
    { name: 'region missing', input: input({ queueURL: url }), wantFields: ['awsRegion'] },
    { name: 'bad int', input: input({ queueURL: url, awsRegion: 'r', queueLength: '5x' }), wantFields: ['queueLength'] },
    { name: 'bad bool', input: input({ queueURL: url, awsRegion: 'r', scaleOnDelayed: 'yes' }), wantFields: ['scaleOnDelayed'] },
    {
      name: 'URL without account',
      input: input({ queueURL: 'https://sqs.eu-west-1.amazonaws.com/orders', awsRegion: 'r' }),
      wantFields: ['queueURL'],
    },
    { name: 'bad queue name', input: input({ queueURL: 'my queue', awsRegion: 'r' }), wantFields: ['queueURL'] },
    {
      name: 'key id without secret',
      input: input({ queueURL: url, awsRegion: 'r' }, { awsAccessKeyID: 'AK' }),
      wantFields: ['awsSecretAccessKey'],
    },
    {
      name: 'role arn unsupported',
      input: input({ queueURL: url, awsRegion: 'r' }, { awsRoleArn: 'arn:aws:iam::1:role/x' }),
      wantFields: ['awsRoleArn'],
    },
    {
      name: 'all at once',
      input: input({ queueLength: 'x', activationQueueLength: '-1' }),
      wantFields: ['queueURL', 'queueLength', 'activationQueueLength', 'awsRegion'],
    },
  ])('$name', ({ input: i, wantFields }) => {
    const r = awsSqsQueue.parse(i);
    expect(!r.ok && r.errors.map((e) => e.field)).toEqual(wantFields);
  });

  it('target and attributes', () => {
    const r = awsSqsQueue.parse(input({ queueURL: url, awsRegion: 'r', queueLength: '10', activationQueueLength: '1' }));
    expect(r.ok && awsSqsQueue.target(r.meta)).toEqual({ target: 10, activationTarget: 1, unit: 'msgs' });
    expect(attributesFor({ scaleOnInFlight: false, scaleOnDelayed: true })).toEqual([
      'ApproximateNumberOfMessages',
      'ApproximateNumberOfMessagesDelayed',
    ]);
  });
});

describe('aws-sqs-queue against fauxqs', () => {
  it.each<{ name: string; flags: Record<string, string>; want: number }>([
    { name: 'defaults: visible + in flight', flags: {}, want: 7 },
    { name: 'visible only', flags: { scaleOnInFlight: 'false' }, want: 4 },
    { name: 'visible + in flight + delayed', flags: { scaleOnDelayed: 'true' }, want: 9 },
    { name: 'visible + delayed', flags: { scaleOnInFlight: 'false', scaleOnDelayed: 'true' }, want: 6 },
  ])('sums $name', async ({ flags, want }) => {
    const q = await queueWith(4, 3, 2);
    expect(await sample(input(meta(q.url, flags), creds))).toEqual({ value: want, active: true });
  });

  it('resolves a bare queue name (from the environment) with GetQueueUrl', async () => {
    const q = await queueWith(2, 0, 0);
    expect(await sample(input({ ...meta(''), queueURL: '', queueURLFromEnv: 'Q' }, creds, { Q: q.name }))).toEqual({
      value: 2,
      active: true,
    });
  });

  it('activation is strict: value == activationQueueLength is inactive', async () => {
    const q = await queueWith(3, 0, 0);
    expect(await sample(input(meta(q.url, { activationQueueLength: '3' }), creds))).toEqual({ value: 3, active: false });
    expect(await sample(input(meta(q.url, { activationQueueLength: '2' }), creds))).toEqual({ value: 3, active: true });
  });

  it('an empty queue is inactive', async () => {
    const q = await queueWith(0, 0, 0);
    expect(await sample(input(meta(q.url), creds))).toEqual({ value: 0, active: false });
  });

  it.each([
    { name: 'URL', queue: (url: string) => url.replace(/q-[0-9a-f]+$/, 'missing-queue') },
    { name: 'name', queue: () => 'missing-queue' },
  ])('a missing queue ($name) rejects with SCALER_QUEUE_NOT_FOUND', async ({ queue }) => {
    const q = await queueWith(0, 0, 0);
    const e = await expectScalerError(sample(input(meta(queue(q.url)), creds), 'gone'), 'SCALER_QUEUE_NOT_FOUND', 'gone', [
      creds.awsSecretAccessKey,
    ]);
    expect(e.message).toContain('missing-queue');
    expect(e.data.field).toBe('queueURL');
  });

  it('connection refused', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const i = input({ ...meta('https://sqs.us-east-1.amazonaws.com/000000000000/q'), awsEndpoint: endpoint }, creds);
    await expectScalerError(sample(i, 'refused'), 'SCALER_CONNECTION_REFUSED', 'refused', [creds.awsSecretAccessKey]);
  });
});

// fauxqs accepts any credentials, so AWS's answers to bad keys and odd replies come from the canned
// HTTP server (a real socket, AWS's JSON error shape).
describe('aws-sqs-queue against canned AWS answers', () => {
  async function answer(path: string, status: number, body: unknown, headers = 'application/x-amz-json-1.0'): Promise<void> {
    const r = await fetch(
      `${env.METRICS_URL}/__set?path=${encodeURIComponent(path)}&status=${status}&type=${encodeURIComponent(headers)}`,
      { method: 'POST', body: JSON.stringify(body) },
    );
    expect(r.status).toBe(204);
  }
  const url = 'https://sqs.us-east-1.amazonaws.com/000000000000/orders';

  it('bad credentials reject with SCALER_AUTH_FAILED and never show the secret', async () => {
    const path = `/sqs-auth-${randomBytes(4).toString('hex')}`;
    await answer(`${path}/`, 400, {
      __type: 'com.amazon.coral.service#UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    });
    const i = input(meta(url, { awsEndpoint: `${env.METRICS_URL}${path}` }), { ...creds, awsSessionToken: 'session-token-xyz' });
    const e = await expectScalerError(sample(i, 'auth'), 'SCALER_AUTH_FAILED', 'auth', [creds.awsSecretAccessKey, 'session-token-xyz']);
    expect(e.message).toContain('UnrecognizedClientException');
    const seen = (await (await fetch(`${env.METRICS_URL}/__last?path=${encodeURIComponent(`${path}/`)}`)).json()) as {
      headers: Record<string, string>;
    };
    expect(seen.headers['x-amz-target']).toBe('AmazonSQS.GetQueueAttributes');
    expect(seen.headers.authorization).toContain('Credential=AKIDTEST/');
  });

  it('a missing attribute rejects with SCALER_MISSING_ATTRIBUTE', async () => {
    const path = `/sqs-attr-${randomBytes(4).toString('hex')}`;
    await answer(`${path}/`, 200, { Attributes: { ApproximateNumberOfMessages: '3' } });
    const e = await expectScalerError(
      sample(input(meta(url, { awsEndpoint: `${env.METRICS_URL}${path}` }), creds), 'attrs'),
      'SCALER_MISSING_ATTRIBUTE',
      'attrs',
    );
    expect(e.message).toContain('ApproximateNumberOfMessagesNotVisible');
  });
});

// KEDA's TestSQSParseMetadata table (testAWSSQSMetadata in pkg/scalers/aws_sqs_queue_scaler_test.go),
// row for row, in KEDA's order: every row must parse (or fail) as KEDA's parseAwsSqsQueueMetadata does.
// KEDA's PodIdentityProviderNone is no podIdentity here (src/config/trigger-auth.ts maps `none` to
// undefined). KEDA's table asserts only isError; `want` adds the values KEDA's typed config gives
// those rows, and `identity` what KEDA's GetAwsAuthorization picks (awsClientConfig here).
describe("KEDA's TestSQSParseMetadata table", () => {
  const properQueueURL = 'https://sqs.eu-west-1.amazonaws.com/account_id/DeleteArtifactQ';
  const improperQueueURL1 = 'https://sqs.eu-west-1.amazonaws.com/account_id';
  const improperQueueURL2 = 'https://sqs.eu-west-1.amazonaws.com';
  const simpleQueueURL = 'my-queue';
  const roleArn = 'none';
  const externalId = 'test-external-id';
  const accessKeyID = 'none';
  const secretAccessKey = 'none';
  const sessionToken = 'none';
  const emptyEnv: Record<string, string> = {};
  const resolvedEnv = { QUEUE_URL: properQueueURL };
  const authentication = { awsAccessKeyId: accessKeyID, awsSecretAccessKey: secretAccessKey };
  const base = { queueURL: properQueueURL, queueLength: '1', awsRegion: 'eu-west-1' };
  const keys = { credentials: { accessKeyId: accessKeyID, secretAccessKey } };
  const own = {}; // gitscale's own identity: no keys, no role

  interface Row {
    comment: string;
    metadata: Record<string, string>;
    authParams: Record<string, string>;
    env: Record<string, string>;
    podIdentity?: PodIdentity;
    isError: boolean;
    /** The fields gitscale's errors name (KEDA's table checks only that there is an error). */
    errorOn?: string[];
    want?: Partial<AwsSqsQueueMetadata>;
    identity?: Pick<AwsClientConfig, 'credentials' | 'assumeRole'>;
  }

  const rows: Row[] = [
    {
      comment: 'metadata empty',
      metadata: {},
      authParams: authentication,
      env: emptyEnv,
      isError: true,
      errorOn: ['queueURL', 'awsRegion'],
    },
    {
      comment: 'properly formed queue and region',
      metadata: base,
      authParams: authentication,
      env: emptyEnv,
      isError: false,
      want: {
        queueURL: properQueueURL,
        queueLength: 1,
        activationQueueLength: 0,
        awsRegion: 'eu-west-1',
        awsEndpoint: undefined,
        scaleOnInFlight: true,
        scaleOnDelayed: false,
      },
      identity: keys,
    },
    {
      comment: 'properly formed queue and region with custom endpoint',
      metadata: { ...base, awsEndpoint: 'http://localhost:4566' },
      authParams: authentication,
      env: emptyEnv,
      isError: false,
      want: { queueLength: 1, awsEndpoint: 'http://localhost:4566' },
      identity: keys,
    },
    {
      comment: 'improperly formed queue, missing queueName',
      metadata: { ...base, queueURL: improperQueueURL1 },
      authParams: authentication,
      env: emptyEnv,
      isError: true,
      errorOn: ['queueURL'],
    },
    {
      comment: 'improperly formed queue, missing path',
      metadata: { ...base, queueURL: improperQueueURL2 },
      authParams: authentication,
      env: emptyEnv,
      isError: true,
      errorOn: ['queueURL'],
    },
    {
      comment: 'properly formed queue, empty region',
      metadata: { ...base, awsRegion: '' },
      authParams: authentication,
      env: emptyEnv,
      isError: true,
      errorOn: ['awsRegion'],
    },
    {
      comment: 'properly formed queue, integer queueLength',
      metadata: base,
      authParams: authentication,
      env: emptyEnv,
      isError: false,
      want: { queueLength: 1 },
      identity: keys,
    },
    {
      comment: 'invalid integer value for queueLength',
      metadata: { ...base, queueLength: 'a' },
      authParams: authentication,
      env: emptyEnv,
      isError: true,
      errorOn: ['queueLength'],
    },
    {
      comment: 'properly formed queue, integer activationQueueLength',
      metadata: { ...base, activationQueueLength: '1' },
      authParams: authentication,
      env: emptyEnv,
      isError: false,
      want: { queueLength: 1, activationQueueLength: 1 },
      identity: keys,
    },
    {
      comment: 'invalid integer value for activationQueueLength',
      metadata: { ...base, activationQueueLength: 'a' },
      authParams: authentication,
      env: emptyEnv,
      isError: true,
      errorOn: ['activationQueueLength'],
    },
    {
      comment: 'with AWS static credentials from TriggerAuthentication',
      metadata: base,
      authParams: { awsAccessKeyId: accessKeyID, awsSecretAccessKey: secretAccessKey },
      env: emptyEnv,
      isError: false,
      want: { awsAccessKeyID: accessKeyID, awsSecretAccessKey: secretAccessKey, awsSessionToken: undefined },
      identity: keys,
    },
    {
      comment: 'with AWS temporary credentials from TriggerAuthentication',
      metadata: base,
      authParams: { awsAccessKeyId: accessKeyID, awsSecretAccessKey: secretAccessKey, awsSessionToken: sessionToken },
      env: emptyEnv,
      isError: false,
      want: { awsSessionToken: sessionToken },
      identity: { credentials: { accessKeyId: accessKeyID, secretAccessKey, sessionToken } },
    },
    // KEDA: awsAccessKeyID not found; gitscale: the key and the secret must be set together.
    {
      comment: 'with AWS static credentials from TriggerAuthentication, missing Access Key Id',
      metadata: base,
      authParams: { awsAccessKeyId: '', awsSecretAccessKey: secretAccessKey },
      env: emptyEnv,
      isError: true,
      errorOn: ['awsAccessKeyID'],
    },
    {
      comment: 'with AWS temporary credentials from TriggerAuthentication, missing Secret Access Key',
      metadata: base,
      authParams: { awsAccessKeyId: accessKeyID, awsSecretAccessKey: '' },
      env: emptyEnv,
      isError: true,
      errorOn: ['awsSecretAccessKey'],
    },
    {
      comment: 'with AWS temporary credentials from TriggerAuthentication, missing Access Key Id',
      metadata: base,
      authParams: { awsAccessKeyId: '', awsSecretAccessKey: secretAccessKey, awsSessionToken: sessionToken },
      env: emptyEnv,
      isError: true,
      errorOn: ['awsAccessKeyID'],
    },
    {
      comment: 'with AWS static credentials from TriggerAuthentication, missing Secret Access Key',
      metadata: base,
      authParams: { awsAccessKeyId: accessKeyID, awsSecretAccessKey: '', awsSessionToken: sessionToken },
      env: emptyEnv,
      isError: true,
      errorOn: ['awsSecretAccessKey'],
    },
    {
      comment: 'with AWS Role from Pod Identity',
      metadata: base,
      authParams: {},
      env: emptyEnv,
      podIdentity: { provider: 'aws', roleArn },
      isError: false,
      identity: { assumeRole: { roleArn } },
    },
    {
      comment: 'with AWS Role and External ID from Pod Identity',
      metadata: base,
      authParams: {},
      env: emptyEnv,
      podIdentity: { provider: 'aws', roleArn, externalId },
      isError: false,
      identity: { assumeRole: { roleArn, externalId } },
    },
    {
      comment: 'with AWS Role assigned on KEDA operator itself',
      metadata: { ...base, identityOwner: 'operator' },
      authParams: { awsAccessKeyId: '', awsSecretAccessKey: '' },
      env: emptyEnv,
      isError: false,
      want: { identityOwner: 'operator' },
      identity: own,
    },
    // KEDA ignores awsRoleArn (and keys) under identityOwner: operator, so "none" is never looked at.
    {
      comment: 'with AWS Role assigned on KEDA operator itself (deprecated path)',
      metadata: { ...base, identityOwner: 'operator' },
      authParams: { awsRoleArn: roleArn, awsAccessKeyId: '', awsSecretAccessKey: '' },
      env: emptyEnv,
      isError: false,
      identity: own,
    },
    {
      comment: 'properly formed queue and region',
      metadata: { ...base, queueURL: simpleQueueURL },
      authParams: authentication,
      env: emptyEnv,
      isError: false,
      want: { queueURL: simpleQueueURL, scaleOnInFlight: true },
      identity: keys,
    },
    {
      comment: 'properly formed queue and region',
      metadata: { ...base, queueURL: simpleQueueURL, scaleOnInFlight: 'false' },
      authParams: authentication,
      env: emptyEnv,
      isError: false,
      want: { queueURL: simpleQueueURL, scaleOnInFlight: false },
      identity: keys,
    },
    {
      comment: 'properly formed queue and region',
      metadata: { ...base, queueURL: simpleQueueURL, scaleOnInFlight: 'true' },
      authParams: authentication,
      env: emptyEnv,
      isError: false,
      want: { queueURL: simpleQueueURL, scaleOnInFlight: true },
      identity: keys,
    },
    {
      comment: 'properly formed queue loaded from env',
      metadata: { queueURLFromEnv: 'QUEUE_URL', queueLength: '1', awsRegion: 'eu-west-1' },
      authParams: authentication,
      env: resolvedEnv,
      isError: false,
      want: { queueURL: properQueueURL },
      identity: keys,
    },
    {
      comment: 'missing queue url from both queueURL and queueURLFromEnv',
      metadata: { queueLength: '1', awsRegion: 'eu-west-1' },
      authParams: authentication,
      env: emptyEnv,
      isError: true,
      errorOn: ['queueURL'],
    },
    {
      comment: 'empty QUEUE_URL env value',
      metadata: { queueURLFromEnv: 'QUEUE_URL', queueLength: '1', awsRegion: 'eu-west-1' },
      authParams: authentication,
      env: { QUEUE_URL: '' },
      isError: true,
      errorOn: ['queueURLFromEnv'],
    },
    {
      comment: "with External ID but missing Role ARN (still valid, just won't use external ID)",
      metadata: base,
      authParams: {},
      env: emptyEnv,
      podIdentity: { provider: 'aws', externalId },
      isError: false,
      identity: own,
    },
  ];

  it("has all 27 of KEDA's rows", () => expect(rows).toHaveLength(27));

  it.each(rows)('#%# $comment', ({ metadata, authParams, env, podIdentity, isError, errorOn, want, identity }) => {
    const r = awsSqsQueue.parse({ ...input(metadata, authParams, env), ...(podIdentity ? { podIdentity } : {}) });
    expect(r.ok ? 'parsed' : `errors: ${JSON.stringify(r.errors)}`).toEqual(isError ? expect.stringMatching(/^errors: /) : 'parsed');
    if (!r.ok) return void (errorOn && expect(r.errors.map((e) => e.field)).toEqual(errorOn));
    if (want) expect(r.meta).toMatchObject(want);
    if (identity) {
      const c = awsClientConfig(r.meta, r.meta.pod);
      expect({ credentials: c.credentials, assumeRole: c.assumeRole }).toEqual(identity);
      expect(c.region).toBe('eu-west-1');
    }
  });
});
