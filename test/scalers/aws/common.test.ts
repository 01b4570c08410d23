// Which identity an AWS trigger runs as, in KEDA's order (pkg/scalers/aws/aws_common.go
// GetAwsAuthorization): podIdentity aws, identityOwner operator, awsRoleArn, static keys, else
// gitscale's own identity. Pure: what the client is built from; the STS calls are tested in
// aws-identity (e2e against moto's STS).
import { describe, expect, it } from 'vitest';
import { awsClientConfig, describeIdentity } from '../../../src/scalers/aws/common.js';
import { awsSqsQueue } from '../../../src/scalers/aws-sqs-queue.js';
import type { PodIdentity } from '../../../src/scalers/types.js';
import { input } from '../../support/scalers.js';

const ROLE = 'arn:aws:iam::123456789012:role/reader';
const KEYS = { awsAccessKeyID: 'AKIDKEYS', awsSecretAccessKey: 'secret-value' };
const parse = (metadata: Record<string, string>, authParams: Record<string, string> = {}, podIdentity?: PodIdentity) => {
  const r = awsSqsQueue.parse({ ...input({ queueURL: 'orders', awsRegion: 'eu-west-1', ...metadata }, authParams), podIdentity });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.meta;
};

describe('awsClientConfig: the identity a trigger runs as', () => {
  it.each([
    {
      name: 'static keys',
      meta: parse({}, KEYS),
      want: { credentials: { accessKeyId: 'AKIDKEYS', secretAccessKey: 'secret-value' } },
      says: 'with access key AKIDKEYS',
    },
    { name: 'nothing: gitscale’s own identity (IRSA, instance role …)', meta: parse({}), want: {}, says: "as gitscale's own identity" },
    {
      name: 'awsRoleArn: assumed on gitscale’s identity; keys are ignored (KEDA takes the role first)',
      meta: parse({}, { ...KEYS, awsRoleArn: ROLE }),
      want: { assumeRole: { roleArn: ROLE } },
      says: `as role ${ROLE} (assumed with gitscale's own identity)`,
    },
    {
      name: 'identityOwner operator with awsRoleArn and no keys (KEDA: "AWS Role assigned on KEDA operator itself")',
      meta: parse({ identityOwner: 'operator' }, { awsRoleArn: ROLE }),
      want: {},
      says: "as gitscale's own identity",
    },
    {
      name: 'identityOwner operator ignores keys too',
      meta: parse({ identityOwner: 'operator' }, KEYS),
      want: {},
      says: "as gitscale's own identity",
    },
    {
      name: 'podIdentity aws: own identity, keys ignored',
      meta: parse({}, KEYS, { provider: 'aws' }),
      want: {},
      says: "as gitscale's own identity",
    },
    {
      name: 'podIdentity aws with roleArn and external id',
      meta: parse({}, KEYS, { provider: 'aws', roleArn: ROLE, externalId: 'ext-1' }),
      want: { assumeRole: { roleArn: ROLE, externalId: 'ext-1' } },
      says: `as role ${ROLE} (assumed with gitscale's own identity)`,
    },
    {
      name: 'podIdentity aws takes authParams awsRoleArn',
      meta: parse({}, { awsRoleArn: ROLE }, { provider: 'aws' }),
      want: { assumeRole: { roleArn: ROLE } },
      says: `as role ${ROLE} (assumed with gitscale's own identity)`,
    },
  ])('$name', ({ meta, want, says }) => {
    const c = awsClientConfig(meta, meta.pod);
    expect(c).toEqual({ region: 'eu-west-1', endpoint: undefined, ...want });
    expect(describeIdentity(c)).toBe(says);
    expect(describeIdentity(c)).not.toContain('secret-value');
  });

  it('an awsRoleArn that is not a role ARN is refused, naming the field', () => {
    const r = awsSqsQueue.parse(input({ queueURL: 'orders', awsRegion: 'eu-west-1' }, { awsRoleArn: 'reader' }));
    expect(!r.ok && r.errors.map((e) => e.field)).toEqual(['awsRoleArn']);
  });
});
