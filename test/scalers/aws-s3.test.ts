// `aws-s3` (KEDA PR #7899's metadata) against the S3 side of fauxqs, the SNS/SQS/S3 emulator the
// tests already run: objects directly under a prefix, recursive, a glob on whole keys, every
// ListObjectsV2 page counted (10,000 objects in one poll), activation, and clear errors.
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { awsS3, globToRegExp } from '../../src/scalers/aws-s3.js';
import type { RawSample, ScalerInput } from '../../src/scalers/types.js';
import { freePort } from '../support/servers/spawn.js';
import { expectScalerError, input, sampleOnce, withScaler } from '../support/scalers.js';

const env = inject('servers');
const creds = { awsAccessKeyID: 'AKIDTEST', awsSecretAccessKey: 'secret-key-value-123' };
const s3 = new S3Client({
  region: 'us-east-1',
  endpoint: env.SQS_ENDPOINT,
  forcePathStyle: true,
  credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' },
});
afterAll(() => s3.destroy());

const sample = (i: ScalerInput, trigger = 'uploads'): Promise<RawSample> => sampleOnce(awsS3, i, trigger, 60_000);
const meta = (bucketName: string, extra: Record<string, string> = {}) => ({
  bucketName,
  awsRegion: 'us-east-1',
  awsEndpoint: env.SQS_ENDPOINT,
  ...extra,
});

async function bucketWith(keys: string[]): Promise<string> {
  const bucket = `b-${randomBytes(4).toString('hex')}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  for (let i = 0; i < keys.length; i += 100) {
    await Promise.all(keys.slice(i, i + 100).map((Key) => s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: 'x' }))));
  }
  return bucket;
}

describe('aws-s3 parse', () => {
  it('KEDA PR #7899 defaults', () => {
    const r = awsS3.parse(input(meta('my-bucket')));
    expect(r.ok && r.meta).toMatchObject({
      bucketName: 'my-bucket',
      prefix: '',
      delimiter: '/',
      recursive: false,
      maxKeys: 1000,
      targetObjectCount: 5,
      activationTargetObjectCount: 0,
    });
    expect(r.ok && awsS3.target(r.meta)).toEqual({ target: 5, activationTarget: 0, unit: 'objects' });
  });

  it('what plan shows: bucket, prefix, glob, listing, endpoint', () => {
    const r = awsS3.parse(input(meta('my-bucket', { prefix: 'in/', globPattern: '*.csv' })));
    expect(r.ok && awsS3.source!(r.meta)).toBe(
      `objects in s3://my-bucket/in/ matching '*.csv' (recursive) via ${env.SQS_ENDPOINT} as gitscale's own identity`,
    );
  });

  it.each([
    { name: 'bucketName missing', input: input({ awsRegion: 'us-east-1' }), wantFields: ['bucketName'] },
    { name: 'awsRegion missing', input: input({ bucketName: 'b-1' }), wantFields: ['awsRegion'] },
    { name: 'not a bucket name', input: input(meta('My_Bucket')), wantFields: ['bucketName'] },
    { name: 'targetObjectCount 0', input: input(meta('b-1', { targetObjectCount: '0' })), wantFields: ['targetObjectCount'] },
    { name: 'maxKeys above a page', input: input(meta('b-1', { maxKeys: '5000' })), wantFields: ['maxKeys'] },
    { name: 'a glob never closed', input: input(meta('b-1', { globPattern: 'a[bc' })), wantFields: ['globPattern'] },
    { name: 'a key without its secret', input: input(meta('b-1'), { awsAccessKeyID: 'AKID' }), wantFields: ['awsSecretAccessKey'] },
  ])('$name', ({ input: i, wantFields }) => {
    const r = awsS3.parse(i);
    expect(!r.ok && r.errors.map((e) => e.field)).toEqual(wantFields);
  });

  it.each([
    { glob: '*.csv', yes: ['a.csv', 'in/deep/b.csv'], no: ['a.csv.bak', 'csv'] },
    { glob: 'in/**/*.json', yes: ['in/x/y.json', 'in/x/y/z.json'], no: ['in/y.json', 'out/x/y.json'] },
    { glob: 'file-?.txt', yes: ['file-1.txt'], no: ['file-10.txt'] },
    { glob: 'log-[0-9].gz', yes: ['log-3.gz'], no: ['log-a.gz'] },
    { glob: 'log-[!0-9].gz', yes: ['log-a.gz'], no: ['log-3.gz'] },
    { glob: '{in,out}/*', yes: ['in/a', 'out/b/c'], no: ['mid/a'] },
    { glob: 'a\\*b', yes: ['a*b'], no: ['axb'] },
  ])('glob $glob', ({ glob, yes, no }) => {
    const re = globToRegExp(glob) as RegExp;
    for (const k of yes) expect(re.test(k), k).toBe(true);
    for (const k of no) expect(re.test(k), k).toBe(false);
  });
});

describe('aws-s3 against an S3 endpoint', () => {
  let bucket = '';
  beforeAll(async () => {
    bucket = await bucketWith(['in/a.csv', 'in/b.csv', 'in/c.json', 'in/deep/d.csv', 'in/deep/er/e.csv', 'out/f.csv', 'top.csv']);
  });

  it.each([
    { name: 'objects directly under the prefix (delimiter /)', extra: { prefix: 'in/' }, want: 3 },
    { name: 'recursive', extra: { prefix: 'in/', recursive: 'true' }, want: 5 },
    { name: 'a glob on whole keys (recursive)', extra: { prefix: 'in/', globPattern: '*.csv' }, want: 4 },
    { name: 'the whole bucket, top level', extra: {}, want: 1 },
    { name: 'the whole bucket, recursive', extra: { recursive: 'true' }, want: 7 },
    { name: 'an empty prefix: zero', extra: { prefix: 'nothing-here/' }, want: 0 },
  ] as { name: string; extra: Record<string, string>; want: number }[])('counts $name', async ({ extra, want }) => {
    expect(await sample(input(meta(bucket, extra), creds))).toEqual({ value: want, active: want > 0 });
  });

  it('activation is strict: a count equal to activationTargetObjectCount is inactive', async () => {
    expect(await sample(input(meta(bucket, { prefix: 'in/', activationTargetObjectCount: '3' }), creds))).toEqual({
      value: 3,
      active: false,
    });
    expect(await sample(input(meta(bucket, { prefix: 'in/', activationTargetObjectCount: '2' }), creds))).toEqual({
      value: 3,
      active: true,
    });
  });

  it('10,000 objects are counted in one poll, over every page (and with a smaller page)', async () => {
    const big = await bucketWith(Array.from({ length: 10_000 }, (_, i) => `queue/${String(i).padStart(5, '0')}.msg`));
    expect(await sample(input(meta(big, { prefix: 'queue/' }), creds))).toEqual({ value: 10_000, active: true });
    expect(await sample(input(meta(big, { prefix: 'queue/', maxKeys: '700', globPattern: 'queue/0*' }), creds))).toEqual({
      value: 10_000,
      active: true,
    });
    expect(await sample(input(meta(big, { prefix: 'queue/', maxKeys: '700', globPattern: 'queue/09*' }), creds))).toEqual({
      value: 1_000,
      active: true,
    });
  }, 120_000);

  it('a bucket that does not exist is SCALER_BUCKET_NOT_FOUND, naming bucketName', async () => {
    const e = await expectScalerError(sample(input(meta('no-such-bucket-here'), creds), 'missing'), 'SCALER_BUCKET_NOT_FOUND', 'missing', [
      creds.awsSecretAccessKey,
    ]);
    expect(e.data.field).toBe('bucketName');
  });

  it('an endpoint that refuses connections is SCALER_CONNECTION_REFUSED', async () => {
    const port = await freePort();
    await expectScalerError(
      sample(input({ ...meta(bucket), awsEndpoint: `http://127.0.0.1:${port}` }, creds), 'down'),
      'SCALER_CONNECTION_REFUSED',
      'down',
      [creds.awsSecretAccessKey],
    );
  });

  it('an abort while listing is SCALER_ABORTED, and the scaler answers again afterwards', async () => {
    await withScaler(awsS3, input(meta(bucket, { recursive: 'true' }), creds), 'again', async (s) => {
      const c = new AbortController();
      c.abort();
      await expectScalerError(s.sample(c.signal), 'SCALER_ABORTED', 'again');
      expect(await s.sample(AbortSignal.timeout(10_000))).toEqual({ value: 7, active: true });
    });
  });

  it('an endpoint that accepts and never answers is SCALER_TIMEOUT at the trigger timeout', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      await withScaler(
        awsS3,
        input({ ...meta(bucket), awsEndpoint: `http://127.0.0.1:${(silent.address() as AddressInfo).port}` }, creds),
        'hung',
        async (s) => {
          await expectScalerError(s.sample(AbortSignal.timeout(300)), 'SCALER_TIMEOUT', 'hung', [creds.awsSecretAccessKey]);
        },
      );
    } finally {
      silent.close();
    }
  });

  it('an answer that is not a ListObjectsV2 result is a clear error, not a count', async () => {
    // A broken S3 front (a proxy returning its own page): the point is the malformed answer itself.
    const broken = createHttpServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end('<html><body>502 Bad Gateway</body></html>');
    });
    await new Promise<void>((r) => broken.listen(0, '127.0.0.1', r));
    try {
      const e = await sample(
        input({ ...meta(bucket), awsEndpoint: `http://127.0.0.1:${(broken.address() as AddressInfo).port}` }, creds),
        'garbled',
      ).then(
        () => undefined,
        (x: Error) => x,
      );
      expect(e).toBeDefined();
      expect((e as { code?: string }).code).toBe('SCALER_INVALID_RESPONSE');
      expect(String(e)).toMatch(/trigger 'garbled' \(aws-s3\): s3:\/\/b-.*the answer is not a ListObjectsV2 result/);
    } finally {
      broken.close();
    }
  });
});
