// The demo's moving parts: a producer, and a consumer that drains the queue at a rate
// proportional to the replicas Git holds (as the cluster would after Argo CD / Flux sync).
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

export async function produce(sqs: SQSClient, queueUrl: string, count: number): Promise<void> {
  for (let sent = 0; sent < count; sent += 10) {
    const n = Math.min(10, count - sent);
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Array.from({ length: n }, (_, i) => ({ Id: `m${sent + i}`, MessageBody: JSON.stringify({ job: sent + i }) })),
      }),
    );
  }
}

/** Each replica finishes `perReplica` messages per call; returns how many were consumed. */
export async function consume(sqs: SQSClient, queueUrl: string, replicas: number, perReplica: number): Promise<number> {
  let want = replicas * perReplica;
  let done = 0;
  while (want > 0) {
    const r = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: Math.min(10, want), VisibilityTimeout: 30 }),
    );
    const msgs = r.Messages ?? [];
    if (msgs.length === 0) break;
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: msgs.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
    done += msgs.length;
    want -= msgs.length;
  }
  return done;
}

export async function queueLength(sqs: SQSClient, queueUrl: string): Promise<number> {
  const r = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(r.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(r.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
}
