// `aws-sqs-queue`: visible (+ in-flight) (+ delayed) messages of one queue, from a single
// GetQueueAttributes call. KEDA: pkg/scalers/aws_sqs_queue_scaler.go, pkg/scalers/aws/aws_common.go.
import { ScalerError } from '../errors.js';
import { awsClientConfig, awsError, awsSchema, describeIdentity, shownEndpoint, validateAws, type AwsClientConfig } from './aws/common.js';
import type { FieldProblem, ParseResult, PodIdentity, Scaler, ScalerDefinition, ScalerDeps, ScalerInput, TriggerTarget } from './types.js';
import { bool, int, parseSchema, problem, string, type Infer } from './schema.js';
import { networkError, scalerError, type ErrorContext } from './errors.js';

const TYPE = 'aws-sqs-queue';

export const schema = {
  queueURL: string({ from: ['triggerMetadata', 'resolvedEnv'] }),
  queueLength: int({ default: 5, min: 1, role: 'target' }),
  activationQueueLength: int({ default: 0, min: 0, role: 'activation' }),
  scaleOnInFlight: bool({ default: true }),
  scaleOnDelayed: bool({ default: false }),
  ...awsSchema,
};

export type AwsSqsQueueMetadata = Infer<typeof schema> & { pod?: PodIdentity };

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
  return [...problems, ...validateAws(meta)];
}

export function parse(input: ScalerInput): ParseResult<AwsSqsQueueMetadata> {
  const r = parseSchema(schema, input, validate);
  return r.ok && input.podIdentity ? { ...r, meta: { ...r.meta, pod: input.podIdentity } } : r;
}

export function source(meta: AwsSqsQueueMetadata): string {
  return `queue ${meta.queueURL.trim()}${meta.awsEndpoint ? ` via ${shownEndpoint(meta.awsEndpoint)}` : ''} ${describeIdentity(awsClientConfig(meta, meta.pod))}`;
}

export function target(meta: AwsSqsQueueMetadata): TriggerTarget {
  return { target: meta.queueLength, activationTarget: meta.activationQueueLength, unit: 'msgs' };
}

/** The client surface the scaler needs (docs/architecture.md §4): two SQS calls; errors are the SDK's, as thrown. */
export interface SqsLike {
  queueUrl(name: string, signal: AbortSignal): Promise<string | undefined>;
  attributes(queueUrl: string, names: string[], signal: AbortSignal): Promise<Record<string, string> | undefined>;
  destroy(): void;
}

/** The client the scaler is created with (the registry's ScalerClients composes it). */
export interface AwsSqsQueueClients {
  /** Async: the AWS SDK is loaded only when an AWS trigger first samples. */
  sqs(config: AwsClientConfig): Promise<SqsLike>;
}

export function attributesFor(meta: Pick<AwsSqsQueueMetadata, 'scaleOnInFlight' | 'scaleOnDelayed'>): string[] {
  const names = ['ApproximateNumberOfMessages'];
  if (meta.scaleOnInFlight) names.push('ApproximateNumberOfMessagesNotVisible');
  if (meta.scaleOnDelayed) names.push('ApproximateNumberOfMessagesDelayed');
  return names;
}

const NOT_FOUND = new Set(['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 'NonExistentQueue']);

export function create(meta: AwsSqsQueueMetadata, deps: Pick<ScalerDeps<AwsSqsQueueClients>, 'clients'>, triggerName: string): Scaler {
  const ctx: ErrorContext = {
    trigger: triggerName,
    type: TYPE,
    secrets: [meta.awsSecretAccessKey, meta.awsSessionToken],
  };
  // Built at the first sample (the SDK loads then), kept for the next ones.
  let client: Promise<SqsLike> | undefined;
  const queue = meta.queueURL.trim();
  const where = meta.awsEndpoint ? `${queue} via ${shownEndpoint(meta.awsEndpoint)}` : queue;
  let queueUrl = /^https?:\/\//i.test(queue) ? queue : undefined;

  const classify = (e: unknown, signal: AbortSignal) => {
    const { name, code, text, auth } = awsError(e);
    if (NOT_FOUND.has(name) || NOT_FOUND.has(code)) {
      return scalerError(ctx, 'SCALER_QUEUE_NOT_FOUND', `queue ${where} does not exist`, 'queueURL');
    }
    if (auth) {
      return scalerError(ctx, 'SCALER_AUTH_FAILED', `AWS rejected the credentials for ${where}: ${name}: ${text}`, 'awsAccessKeyID');
    }
    return (
      networkError(ctx, e, where, signal) ?? scalerError(ctx, 'SCALER_UNAVAILABLE', `reading ${where} failed: ${name || 'Error'}: ${text}`)
    );
  };

  return {
    async sample(signal) {
      let attrs: Record<string, string> | undefined;
      const names = attributesFor(meta);
      try {
        client ??= deps.clients.sqs(awsClientConfig(meta, meta.pod));
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
          throw scalerError(
            ctx,
            'SCALER_MISSING_ATTRIBUTE',
            raw === undefined ? `queue ${where} did not report ${name}` : `queue ${where} reported a non-integer ${name}`,
          );
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

export const awsSqsQueue: ScalerDefinition<AwsSqsQueueMetadata, AwsSqsQueueClients> = {
  type: TYPE,
  parse,
  target,
  source,
  create,
};
