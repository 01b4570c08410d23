// The scalers' real clients (STYLE §6: only cli/ builds clients): node-postgres pools, ioredis
// connections, and AWS SDK clients loaded on first use, so a run without an AWS trigger never
// loads the SDK.
import pg from 'pg';
import { Redis } from 'ioredis';
import type { AwsClientConfig, SqsLike } from '../scalers/aws-sqs-queue.js';
import type { ScalerClients, ScalerDeps } from '../scalers/types.js';

async function sqsClient(config: AwsClientConfig): Promise<SqsLike> {
  const { SQSClient, GetQueueUrlCommand, GetQueueAttributesCommand } = await import('@aws-sdk/client-sqs');
  const client = new SQSClient({ ...config, maxAttempts: 2 });
  return {
    queueUrl: async (name, signal) => (await client.send(new GetQueueUrlCommand({ QueueName: name }), { abortSignal: signal })).QueueUrl,
    attributes: async (queueUrl, names, signal) => (await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: names as never }), { abortSignal: signal })).Attributes,
    destroy: () => client.destroy(),
  };
}

export const scalerClients: ScalerClients = {
  postgresql: (config) => new pg.Pool(config),
  redis: (options) => new Redis(options),
  sqs: sqsClient,
};

export function scalerDeps(now: () => number = Date.now, fetchFn: typeof fetch = globalThis.fetch): ScalerDeps {
  return { fetch: fetchFn, clock: { now }, clients: scalerClients };
}
