// `aws-sqs-queue`: visible (+ in-flight) (+ delayed) messages of one queue, from a single
// GetQueueAttributes call. KEDA: pkg/scalers/aws_sqs_queue_scaler.go, pkg/scalers/aws/aws_common.go.
import { ScalerError } from '../errors.js';
import type { FieldProblem, ParseResult, Scaler, ScalerDefinition, ScalerDeps, ScalerInput, TriggerTarget } from './types.js';
import {
  bool, int, networkError, oneOf, parseSchema, problem, scalerError, string, type ErrorContext, type Infer,
} from './schema.js';

const TYPE = 'aws-sqs-queue';

export const schema = {
  queueURL: string({ from: ['triggerMetadata', 'resolvedEnv'] }),
  queueLength: int({ default: 5, min: 1, role: 'target' }),
  activationQueueLength: int({ default: 0, min: 0, role: 'activation' }),
  scaleOnInFlight: bool({ default: true }),
  scaleOnDelayed: bool({ default: false }),
  awsRegion: string({ from: ['triggerMetadata', 'authParams'] }),
  awsEndpoint: string({ optional: true }),
  identityOwner: oneOf(['pod', 'operator'], { optional: true }),
  // Static credentials: authParams first, then KEDA's legacy metadata / FromEnv spellings.
  awsAccessKeyID: string({ from: ['authParams', 'triggerMetadata', 'resolvedEnv'], aliases: ['awsAccessKeyId'], optional: true }),
  awsSecretAccessKey: string({ from: ['authParams', 'resolvedEnv'], optional: true, secret: true }),
  awsSessionToken: string({ from: ['authParams'], optional: true, secret: true }),
  awsRoleArn: string({ from: ['authParams'], optional: true }),
};

export type AwsSqsQueueMetadata = Infer<typeof schema>;

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$|^[A-Za-z0-9_-]{1,75}\.fifo$/;

function validate(meta: AwsSqsQueueMetadata): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const q = meta.queueURL.trim();
  if (/^https?:\/\//i.test(q)) {
    // Not `new URL`: emulators answer with hosts like sqs.us-east-1.127.0.0.1, which WHATWG rejects.
    const m = /^https?:\/\/[^/?#]+\/([^/?#]+)\/([^/?#]+)\/?$/i.exec(q);
    if (!m || !QUEUE_NAME.test(m[2])) {
      problems.push(problem('queueURL', `'queueURL' must look like https://sqs.<region>.amazonaws.com/<account>/<queue>`));
    }
  } else if (!QUEUE_NAME.test(q)) {
    problems.push(problem('queueURL', `'queueURL' must be a queue URL or a queue name (letters, digits, - and _)`));
  }
  if (meta.awsEndpoint !== undefined && !/^https?:\/\/[^/]/i.test(meta.awsEndpoint)) {
    problems.push(problem('awsEndpoint', `'awsEndpoint' must be an http(s) URL`));
  }
  if ((meta.awsAccessKeyID === undefined) !== (meta.awsSecretAccessKey === undefined)) {
    problems.push(problem(meta.awsAccessKeyID === undefined ? 'awsAccessKeyID' : 'awsSecretAccessKey',
      `'awsAccessKeyID' and 'awsSecretAccessKey' must be set together`));
  }
  if (meta.awsRoleArn !== undefined) {
    problems.push(problem('awsRoleArn', `assuming a role ('awsRoleArn') is not supported yet; use static keys or the default credential chain`));
  }
  return problems;
}

export function parse(input: ScalerInput): ParseResult<AwsSqsQueueMetadata> {
  return parseSchema(schema, input, validate);
}

export function target(meta: AwsSqsQueueMetadata): TriggerTarget {
  return { target: meta.queueLength, activationTarget: meta.activationQueueLength, unit: 'msgs' };
}

/** What an AWS client is built from (ScalerClients): static keys, or none for the SDK's default chain. */
export interface AwsClientConfig {
  region: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** The client surface the scaler needs (STYLE §6): two SQS calls; errors are the SDK's, as thrown. */
export interface SqsLike {
  queueUrl(name: string, signal: AbortSignal): Promise<string | undefined>;
  attributes(queueUrl: string, names: string[], signal: AbortSignal): Promise<Record<string, string> | undefined>;
  destroy(): void;
}

export function clientConfig(meta: AwsSqsQueueMetadata): AwsClientConfig {
  return {
    region: meta.awsRegion,
    endpoint: meta.awsEndpoint,
    credentials: meta.awsAccessKeyID && meta.awsSecretAccessKey
      ? { accessKeyId: meta.awsAccessKeyID, secretAccessKey: meta.awsSecretAccessKey, sessionToken: meta.awsSessionToken }
      : undefined, // the SDK's default chain
  };
}

export function attributesFor(meta: Pick<AwsSqsQueueMetadata, 'scaleOnInFlight' | 'scaleOnDelayed'>): string[] {
  const names = ['ApproximateNumberOfMessages'];
  if (meta.scaleOnInFlight) names.push('ApproximateNumberOfMessagesNotVisible');
  if (meta.scaleOnDelayed) names.push('ApproximateNumberOfMessagesDelayed');
  return names;
}

const AUTH_ERRORS = new Set([
  'InvalidClientTokenId', 'SignatureDoesNotMatch', 'UnrecognizedClientException', 'AccessDenied',
  'AccessDeniedException', 'ExpiredToken', 'ExpiredTokenException', 'IncompleteSignature',
  'InvalidSecurity', 'MissingAuthenticationToken', 'CredentialsProviderError',
]);
const NOT_FOUND = new Set(['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 'NonExistentQueue']);

export function create(meta: AwsSqsQueueMetadata, deps: Pick<ScalerDeps, 'clients'>, triggerName: string): Scaler {
  const ctx: ErrorContext = {
    trigger: triggerName, type: TYPE, secrets: [meta.awsSecretAccessKey, meta.awsSessionToken],
  };
  // Built at the first sample (the SDK loads then), kept for the next ones.
  let client: Promise<SqsLike> | undefined;
  const queue = meta.queueURL.trim();
  const where = meta.awsEndpoint ? `${queue} via ${meta.awsEndpoint.replace(/\/\/[^@/]*@/, '//')}` : queue;
  let queueUrl = /^https?:\/\//i.test(queue) ? queue : undefined;

  const classify = (e: unknown, signal: AbortSignal) => {
    const name = String((e as { name?: unknown })?.name ?? '');
    const code = String((e as { Code?: unknown })?.Code ?? '');
    const status = (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
    const text = (e as Error)?.message ?? String(e);
    if (NOT_FOUND.has(name) || NOT_FOUND.has(code)) {
      return scalerError(ctx, 'SCALER_QUEUE_NOT_FOUND', `queue ${where} does not exist`, 'queueURL');
    }
    if (AUTH_ERRORS.has(name) || AUTH_ERRORS.has(code) || status === 401 || status === 403) {
      return scalerError(ctx, 'SCALER_AUTH_FAILED', `AWS rejected the credentials for ${where}: ${name}: ${text}`, 'awsAccessKeyID');
    }
    return networkError(ctx, e, where, signal)
      ?? scalerError(ctx, 'SCALER_UNAVAILABLE', `reading ${where} failed: ${name || 'Error'}: ${text}`);
  };

  return {
    async sample(signal) {
      let attrs: Record<string, string> | undefined;
      const names = attributesFor(meta);
      try {
        client ??= deps.clients.sqs(clientConfig(meta));
        const sqs = await client;
        if (queueUrl === undefined) {
          queueUrl = await sqs.queueUrl(queue, signal);
          if (!queueUrl) throw scalerError(ctx, 'SCALER_QUEUE_NOT_FOUND', `queue ${where} does not exist`, 'queueURL');
        }
        attrs = await sqs.attributes(queueUrl, names, signal);
      } catch (e) {
        if (e instanceof ScalerError) throw e;
        throw classify(e, signal);
      }
      let value = 0;
      for (const name of names) {
        const raw = attrs?.[name];
        if (raw === undefined || !/^\d+$/.test(raw)) {
          throw scalerError(ctx, 'SCALER_MISSING_ATTRIBUTE',
            raw === undefined ? `queue ${where} did not report ${name}` : `queue ${where} reported a non-integer ${name}`);
        }
        value += Number(raw);
      }
      return { value, active: value > meta.activationQueueLength };
    },
    async close() {
      const c = client;
      client = undefined;
      if (c) (await c.catch(() => undefined))?.destroy();
    },
  };
}

export const awsSqsQueue: ScalerDefinition<AwsSqsQueueMetadata> = {
  type: TYPE, parse, target, create,
};
