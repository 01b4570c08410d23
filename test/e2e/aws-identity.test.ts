// The AWS identities gitscale runs its triggers as, against a real STS (moto server): IRSA web
// identity through the SDK's default chain (SQS and S3 answer), EKS Pod Identity's credentials
// endpoint, a role assumed with awsRoleArn
// and with a TriggerAuthentication's podIdentity (with its external id) — moto's state shows
// which role was assumed, with what — and an assumed role's credentials shared and reused
// across triggers until they near expiry; and, on a moto that enforces IAM, wrong keys and wrong
// secrets are a clear SCALER_AUTH_FAILED for SQS and S3. STS is reached through AWS_ENDPOINT_URL_STS, as an
// operator would point it at a VPC endpoint.
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { awsS3 } from '../../src/scalers/aws-s3.js';
import { awsSqsQueue } from '../../src/scalers/aws-sqs-queue.js';
import { runGitscale } from '../support/cli.js';
import { writeConfig } from '../support/config.js';
import { makeLocalRepo, show } from '../support/git.js';
import { admin, newNamespace } from '../support/kube.js';
import { input, sampleOnce } from '../support/scalers.js';
import { tempDir } from '../support/temp.js';

const servers = inject('servers');
const MOTO = servers.MOTO_ENDPOINT;
const ACCOUNT = '123456789012';
const unique = () => randomBytes(4).toString('hex');
const anyKeys = { accessKeyId: 'AKIDSETUP', secretAccessKey: 'setup-secret' };

interface Assumed {
  role_arn: string;
  session_name: string;
  external_id: string | null;
}
async function assumed(roleArn: string): Promise<Assumed[]> {
  const data = (await (await fetch(`${MOTO}/moto-api/data.json`)).json()) as { sts?: { AssumedRole?: Assumed[] } };
  return (data.sts?.AssumedRole ?? []).filter((a) => a.role_arn === roleArn);
}

/** gitscale's own environment for the default chain: none of the test runner's AWS settings, STS at moto. */
function ownIdentity(env: Record<string, string>): void {
  for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k];
  Object.assign(process.env, { AWS_ENDPOINT_URL_STS: MOTO, AWS_REGION: 'us-east-1', ...env });
}

let queueUrl = '';
let bucket = '';
beforeAll(async () => {
  // moto files resources under the caller's account; an assumed role in 123456789012 sees these.
  const sqs = new SQSClient({ region: 'us-east-1', endpoint: MOTO, credentials: anyKeys });
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `jobs-${unique()}` }))).QueueUrl!;
  await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: Array.from({ length: 7 }, (_, i) => ({ Id: String(i), MessageBody: `m${i}` })),
    }),
  );
  sqs.destroy();
  const s3 = new S3Client({ region: 'us-east-1', endpoint: MOTO, forcePathStyle: true, credentials: anyKeys });
  bucket = `b-${unique()}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  for (let i = 0; i < 4; i++) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `in/${i}.csv`, Body: 'x' }));
  s3.destroy();
});

const sqsMeta = { queueURL: '', awsRegion: 'us-east-1', awsEndpoint: '', scaleOnInFlight: 'false' };

describe('AWS identities against a real STS', () => {
  it('IRSA: web identity through the default chain; SQS and S3 answer as the role', async () => {
    const role = `arn:aws:iam::${ACCOUNT}:role/irsa-${unique()}`;
    const token = join(await tempDir('irsa'), 'token');
    writeFileSync(token, 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6Z2l0c2NhbGU6Z2l0c2NhbGUifQ.c2ln');
    ownIdentity({ AWS_ROLE_ARN: role, AWS_WEB_IDENTITY_TOKEN_FILE: token, AWS_ROLE_SESSION_NAME: 'gitscale-irsa' });
    expect(await sampleOnce(awsSqsQueue, input({ ...sqsMeta, queueURL: queueUrl, awsEndpoint: MOTO }), 'irsa-sqs')).toEqual({
      value: 7,
      active: true,
    });
    expect(
      await sampleOnce(awsS3, input({ bucketName: bucket, prefix: 'in/', awsRegion: 'us-east-1', awsEndpoint: MOTO }), 'irsa-s3'),
    ).toEqual({ value: 4, active: true });
    const who = await assumed(role);
    expect(who.length).toBeGreaterThanOrEqual(1);
    expect(who.every((a) => a.session_name === 'gitscale-irsa' && a.external_id === null)).toBe(true);
  });

  it('EKS Pod Identity: the default chain reads the agent’s credentials endpoint with the projected token', async () => {
    // The EKS Pod Identity agent cannot run here: a loopback stand-in for its documented endpoint
    // (GET with the token file's content as Authorization; AccessKeyId/SecretAccessKey/Token/Expiration).
    const seen: string[] = [];
    const agent = createServer((req, res) => {
      seen.push(String(req.headers.authorization));
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          AccessKeyId: 'ASIAPODIDENTITY',
          SecretAccessKey: 'pod-identity-secret',
          Token: 'pod-token',
          AccountId: ACCOUNT,
          Expiration: new Date(Date.now() + 3_600_000).toISOString(),
        }),
      );
    });
    await new Promise<void>((r) => agent.listen(0, '127.0.0.1', r));
    const token = join(await tempDir('pod-identity'), 'eks-pod-identity-token');
    writeFileSync(token, 'projected-sa-token');
    try {
      ownIdentity({
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${(agent.address() as AddressInfo).port}/v1/credentials`,
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: token,
      });
      expect(await sampleOnce(awsSqsQueue, input({ ...sqsMeta, queueURL: queueUrl, awsEndpoint: MOTO }), 'pod-identity')).toEqual({
        value: 7,
        active: true,
      });
      expect(seen).toContain('projected-sa-token');
    } finally {
      agent.close();
    }
  });

  it('awsRoleArn: that role is assumed with gitscale’s own identity (static keys ignored, as KEDA); two triggers share one assumption', async () => {
    const role = `arn:aws:iam::${ACCOUNT}:role/reader-${unique()}`;
    ownIdentity({ AWS_ACCESS_KEY_ID: 'AKIDGITSCALE', AWS_SECRET_ACCESS_KEY: 'gitscale-own-secret' });
    const auth = { awsRoleArn: role, awsAccessKeyID: 'AKIDIGNORED', awsSecretAccessKey: 'ignored-secret' };
    expect(await sampleOnce(awsSqsQueue, input({ ...sqsMeta, queueURL: queueUrl, awsEndpoint: MOTO }, auth), 'role-sqs')).toEqual({
      value: 7,
      active: true,
    });
    expect(
      await sampleOnce(awsS3, input({ bucketName: bucket, prefix: 'in/', awsRegion: 'us-east-1', awsEndpoint: MOTO }, auth), 'role-s3'),
    ).toEqual({ value: 4, active: true });
    const who = await assumed(role);
    expect(who).toEqual([expect.objectContaining({ role_arn: role, session_name: 'gitscale', external_id: null })]);
  });

  it('a TriggerAuthentication’s podIdentity (aws, roleArn, externalID) through the config: plan runs as the role, says so, shows no secret', async () => {
    const role = `arn:aws:iam::${ACCOUNT}:role/pod-${unique()}`;
    ownIdentity({ AWS_ACCESS_KEY_ID: 'AKIDGITSCALE', AWS_SECRET_ACCESS_KEY: 'gitscale-own-secret' });
    const dir = await makeLocalRepo({
      'worker.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: worker\nspec:\n  replicas: 1\n',
    });
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url: dir }],
      triggerAuthentications: [
        {
          apiVersion: 'keda.sh/v1alpha1',
          kind: 'TriggerAuthentication',
          metadata: { name: 'aws', namespace: 'default' },
          spec: { podIdentity: { provider: 'aws', roleArn: role, externalID: 'ext-42' } },
        },
      ],
      scaledObjects: [
        {
          apiVersion: 'keda.sh/v1alpha1',
          kind: 'ScaledObject',
          metadata: {
            name: 'worker',
            namespace: 'default',
            annotations: { 'gitscale.dev/repository': 'manifests', 'gitscale.dev/path': 'worker.yaml' },
          },
          spec: {
            scaleTargetRef: { name: 'worker' },
            triggers: [
              {
                type: 'aws-sqs-queue',
                authenticationRef: { name: 'aws' },
                metadata: { ...sqsMeta, queueURL: queueUrl, awsEndpoint: MOTO, queueLength: '5' },
              },
            ],
          },
        },
      ],
    });
    const r = await runGitscale(['plan', '-c', config], { ...process.env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`as role ${role} (assumed with gitscale's own identity): value 7, target 5, active`);
    expect(r.stdout).toMatch(/replicas 1 → 2/);
    expect(r.stdout + r.stderr).not.toContain('gitscale-own-secret');
    expect(await assumed(role)).toEqual([expect.objectContaining({ role_arn: role, session_name: 'gitscale', external_id: 'ext-42' })]);
    expect(await show(dir, 'HEAD', 'worker.yaml')).toContain('replicas: 1');
  });

  it('podIdentity identityOwner: workload: the role on the ServiceAccount the workload’s pods run as (named in Git, read from the cluster)', async () => {
    const role = `arn:aws:iam::${ACCOUNT}:role/workload-${unique()}`;
    ownIdentity({ AWS_ACCESS_KEY_ID: 'AKIDGITSCALE', AWS_SECRET_ACCESS_KEY: 'gitscale-own-secret' });
    const a = admin(servers);
    const ns = await newNamespace(a, 'irsa');
    await a.core.createNamespacedServiceAccount({
      namespace: ns,
      body: { metadata: { name: 'worker-sa', annotations: { 'eks.amazonaws.com/role-arn': role } } },
    });
    const manifest = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: worker\n  namespace: ${ns}\nspec:\n  replicas: 1\n  template:\n    spec:\n      serviceAccountName: worker-sa\n      containers: [{ name: w, image: w }]\n`;
    const dir = await makeLocalRepo({ 'worker.yaml': manifest });
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url: dir }],
      triggerAuthentications: [
        {
          kind: 'TriggerAuthentication',
          metadata: { name: 'aws', namespace: ns },
          spec: { podIdentity: { provider: 'aws', identityOwner: 'workload' } },
        },
      ],
      scaledObjects: [
        {
          apiVersion: 'keda.sh/v1alpha1',
          kind: 'ScaledObject',
          metadata: {
            name: 'worker',
            namespace: ns,
            annotations: { 'gitscale.dev/repository': 'manifests', 'gitscale.dev/path': 'worker.yaml' },
          },
          spec: {
            scaleTargetRef: { name: 'worker' },
            triggers: [
              {
                type: 'aws-sqs-queue',
                authenticationRef: { name: 'aws' },
                metadata: { ...sqsMeta, queueURL: queueUrl, awsEndpoint: MOTO, queueLength: '5' },
              },
            ],
          },
        },
      ],
    });
    const r = await runGitscale(['plan', '-c', config, '--kubeconfig', servers.KUBECONFIG_PATH], { ...process.env });
    expect(r.stdout).toContain(`as role ${role} (assumed with gitscale's own identity): value 7, target 5, active`);
    expect(r.code).toBe(0);
    expect(await assumed(role)).toEqual([expect.objectContaining({ role_arn: role, session_name: 'gitscale' })]);
    // Without a cluster there is no ServiceAccount to read: the trigger says so.
    const alone = await runGitscale(['plan', '-c', config], { ...process.env, KUBECONFIG: undefined, KUBERNETES_SERVICE_HOST: undefined });
    expect(alone.stdout + alone.stderr).toMatch(/identityOwner: workload reads the workload's ServiceAccount from the cluster/);
  });

  it('podIdentity: roleArn beside identityOwner workload, and other providers, are refused naming the field', async () => {
    const dir = await makeLocalRepo({ 'w.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: w\nspec:\n  replicas: 1\n' });
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url: dir }],
      triggerAuthentications: [
        {
          kind: 'TriggerAuthentication',
          metadata: { name: 'wl', namespace: 'default' },
          spec: { podIdentity: { provider: 'aws', identityOwner: 'workload', roleArn: 'arn:aws:iam::123456789012:role/x' } },
        },
        {
          kind: 'TriggerAuthentication',
          metadata: { name: 'az', namespace: 'default' },
          spec: { podIdentity: { provider: 'azure-workload' } },
        },
      ],
      scaledObjects: [
        {
          apiVersion: 'keda.sh/v1alpha1',
          kind: 'ScaledObject',
          metadata: { name: 'w', annotations: { 'gitscale.dev/repository': 'manifests', 'gitscale.dev/path': 'w.yaml' } },
          spec: {
            scaleTargetRef: { name: 'w' },
            triggers: [{ type: 'aws-sqs-queue', metadata: { queueURL: 'q', awsRegion: 'us-east-1' } }],
          },
        },
      ],
    });
    const r = await runGitscale(['validate', '-c', config, '-o', 'json']);
    expect(r.code).toBe(2);
    const fields = (JSON.parse(r.stdout).problems as { field: string }[]).map((p) => p.field);
    expect(fields).toEqual(
      expect.arrayContaining(['triggerAuthentications[0].spec.podIdentity.roleArn', 'triggerAuthentications[1].spec.podIdentity.provider']),
    );
  });

  describe('credentials checked (a moto that enforces IAM: SigV4 signatures and known keys)', () => {
    const AUTH = servers.MOTO_AUTH_ENDPOINT;
    const good = { awsAccessKeyID: servers.MOTO_AUTH_ACCESS_KEY_ID, awsSecretAccessKey: servers.MOTO_AUTH_SECRET_ACCESS_KEY };
    let authQueue = '';
    let authBucket = '';
    beforeAll(async () => {
      const credentials = { accessKeyId: good.awsAccessKeyID, secretAccessKey: good.awsSecretAccessKey };
      const sqs = new SQSClient({ region: 'us-east-1', endpoint: AUTH, credentials });
      authQueue = (await sqs.send(new CreateQueueCommand({ QueueName: `checked-${unique()}` }))).QueueUrl!;
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: authQueue,
          Entries: [
            { Id: '1', MessageBody: 'a' },
            { Id: '2', MessageBody: 'b' },
          ],
        }),
      );
      sqs.destroy();
      const s3 = new S3Client({ region: 'us-east-1', endpoint: AUTH, forcePathStyle: true, credentials });
      authBucket = `checked-${unique()}`;
      await s3.send(new CreateBucketCommand({ Bucket: authBucket }));
      await s3.send(new PutObjectCommand({ Bucket: authBucket, Key: 'in/a', Body: 'x' }));
      s3.destroy();
    });
    const s3Meta = () => ({ bucketName: authBucket, prefix: 'in/', awsRegion: 'us-east-1', awsEndpoint: AUTH });
    const sqsIn = () => ({ ...sqsMeta, queueURL: authQueue, awsEndpoint: AUTH });

    it('the right keys: both answer', async () => {
      expect(await sampleOnce(awsS3, input(s3Meta(), good), 'ok-s3')).toEqual({ value: 1, active: true });
      expect(await sampleOnce(awsSqsQueue, input(sqsIn(), good), 'ok-sqs')).toEqual({ value: 2, active: true });
    });

    it.each([
      {
        name: 'an unknown access key',
        keys: {
          awsAccessKeyID: `TEST${randomBytes(8).toString('hex').toUpperCase()}`,
          awsSecretAccessKey: randomBytes(15).toString('base64'),
        },
      },
      { name: 'a wrong secret (the signature does not match)', keys: () => ({ ...good, awsSecretAccessKey: 'wrong-secret-value-22' }) },
    ])('$name: SCALER_AUTH_FAILED naming awsAccessKeyID, no secret shown', async ({ keys }) => {
      const k = typeof keys === 'function' ? keys() : keys;
      for (const [def, i, name] of [
        [awsS3, input(s3Meta(), k), 'bad-s3'],
        [awsSqsQueue, input(sqsIn(), k), 'bad-sqs'],
      ] as const) {
        const e = await sampleOnce(def as typeof awsS3, i, name).then(
          () => undefined,
          (x: Error & { code?: string; data?: { field?: string } }) => x,
        );
        expect(e?.code, `${name}: ${String(e)}`).toBe('SCALER_AUTH_FAILED');
        expect(e?.data?.field).toBe('awsAccessKeyID');
        expect(String(e)).not.toContain(k.awsSecretAccessKey);
        expect(String(e)).not.toContain(good.awsSecretAccessKey);
      }
    });
  });
});
