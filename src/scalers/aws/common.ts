// What the AWS triggers (aws-sqs-queue, aws-s3) share, as KEDA's pkg/scalers/aws/aws_common.go:
// region, endpoint, identity and credentials metadata, their checks, what a client is built from,
// and which SDK errors mean "the credentials were refused".
//
// Which identity a trigger runs as (KEDA's GetAwsAuthorization, in its order):
// 1. podIdentity provider aws (TriggerAuthentication): gitscale's own identity (the SDK's default
//    chain: IRSA web identity, EKS Pod Identity, instance role …), with podIdentity.roleArn (or
//    authParams awsRoleArn) assumed on top when set; static keys are ignored.
// 2. identityOwner: operator: gitscale's own identity; role and keys are ignored.
// 3. awsRoleArn (authParams): that role, assumed with gitscale's own identity (KEDA assumes it with
//    the operator's); keys are ignored, as KEDA's switch takes the role first.
// 4. awsAccessKeyID + awsSecretAccessKey (+ awsSessionToken): those keys.
// 5. Nothing: gitscale's own identity. (KEDA refuses this case with "awsAccessKeyID not found";
//    gitscale's own identity is what a pod bound to an IAM role has, so it is used.)
import type { FieldProblem, PodIdentity } from '../types.js';
import { oneOf, problem, string, type Infer } from '../schema.js';

export const awsSchema = {
  awsRegion: string({ from: ['triggerMetadata', 'authParams'] }),
  awsEndpoint: string({ optional: true }),
  identityOwner: oneOf(['pod', 'operator'], { optional: true }),
  // Static credentials: authParams first, then KEDA's legacy metadata / FromEnv spellings.
  awsAccessKeyID: string({ from: ['authParams', 'triggerMetadata', 'resolvedEnv'], aliases: ['awsAccessKeyId'], optional: true }),
  awsSecretAccessKey: string({ from: ['authParams', 'resolvedEnv'], optional: true, secret: true }),
  awsSessionToken: string({ from: ['authParams'], optional: true, secret: true }),
  awsRoleArn: string({ from: ['authParams'], optional: true }),
};

export type AwsMetadata = Infer<typeof awsSchema>;

const ROLE_ARN = /^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

export function validateAws(meta: AwsMetadata): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (meta.awsEndpoint !== undefined && !/^https?:\/\/[^/]/i.test(meta.awsEndpoint)) {
    problems.push(problem('awsEndpoint', `'awsEndpoint' must be an http(s) URL`));
  }
  if ((meta.awsAccessKeyID === undefined) !== (meta.awsSecretAccessKey === undefined)) {
    problems.push(
      problem(
        meta.awsAccessKeyID === undefined ? 'awsAccessKeyID' : 'awsSecretAccessKey',
        `'awsAccessKeyID' and 'awsSecretAccessKey' must be set together`,
      ),
    );
  }
  // Under identityOwner: operator the role is ignored (KEDA never reads it then), so it is not judged.
  if (meta.awsRoleArn !== undefined && meta.identityOwner !== 'operator' && !ROLE_ARN.test(meta.awsRoleArn)) {
    problems.push(problem('awsRoleArn', `'awsRoleArn' must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)`));
  }
  return problems;
}

/**
 * What an AWS client is built from (AwsS3Clients, AwsSqsQueueClients): static keys, or none for gitscale's own
 * identity (the SDK's default chain), with a role assumed on top (STS AssumeRole) when set.
 */
export interface AwsClientConfig {
  region: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  assumeRole?: { roleArn: string; externalId?: string };
}

/** The identity a trigger runs as, in KEDA's order (the comment at the top). */
export function awsClientConfig(meta: AwsMetadata, pod?: PodIdentity): AwsClientConfig {
  const base = { region: meta.awsRegion, endpoint: meta.awsEndpoint };
  if (pod?.provider === 'aws') {
    const roleArn = pod.roleArn ?? meta.awsRoleArn;
    return roleArn ? { ...base, assumeRole: { roleArn, ...(pod.externalId ? { externalId: pod.externalId } : {}) } } : base;
  }
  if (meta.identityOwner === 'operator') return base;
  if (meta.awsRoleArn) return { ...base, assumeRole: { roleArn: meta.awsRoleArn } };
  if (meta.awsAccessKeyID && meta.awsSecretAccessKey) {
    return {
      ...base,
      credentials: { accessKeyId: meta.awsAccessKeyID, secretAccessKey: meta.awsSecretAccessKey, sessionToken: meta.awsSessionToken },
    };
  }
  return base;
}

/** The identity in words, for `plan` (no secret): `as role …`, `with static keys AKID…`, `as gitscale's own identity`. */
export function describeIdentity(c: AwsClientConfig): string {
  if (c.assumeRole) return `as role ${c.assumeRole.roleArn} (assumed with gitscale's own identity)`;
  if (c.credentials) return `with access key ${c.credentials.accessKeyId}`;
  return "as gitscale's own identity";
}

/** The endpoint as messages may show it (no credentials in it). */
export const shownEndpoint = (endpoint: string): string => endpoint.replace(/\/\/[^@/]*@/, '//');

const AUTH_ERRORS = new Set([
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'UnrecognizedClientException',
  'AccessDenied',
  'AccessDeniedException',
  'ExpiredToken',
  'ExpiredTokenException',
  'IncompleteSignature',
  'InvalidSecurity',
  'MissingAuthenticationToken',
  'CredentialsProviderError',
  'InvalidAccessKeyId',
]);

/** An SDK error's name, Code and HTTP status, and whether they say the credentials were refused. */
export function awsError(e: unknown): { name: string; code: string; status?: number; text: string; auth: boolean } {
  const name = String((e as { name?: unknown })?.name ?? '');
  const code = String((e as { Code?: unknown })?.Code ?? '');
  const status = (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  const text = (e as Error)?.message ?? String(e);
  return { name, code, status, text, auth: AUTH_ERRORS.has(name) || AUTH_ERRORS.has(code) || status === 401 || status === 403 };
}
