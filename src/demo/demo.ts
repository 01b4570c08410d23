// `npm start` / `gitscale demo`: the whole story locally, no servers to install. An SQS endpoint
// runs in-process (fauxqs), a local Git repo holds the consumer at 0 replicas, and gitscale runs
// for real against both (node-cron heartbeat, the reconciler, object-level commits).
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import git from 'isomorphic-git';
import * as fs from 'node:fs';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import cron from 'node-cron';
import { silentLogger } from '../log.js';
import { readReplicas } from '../manifests/index.js';
import { createReconciler, type ReconcilerDeps } from '../reconciler/runtime/reconciler.js';
import { startRunner } from '../reconciler/runtime/runner.js';
import { loadConfig } from '../reconciler/sources/load.js';
import { demoConfig, MANIFEST, MANIFEST_PATH, QUEUE } from './story.js';
import { consume, produce, queueLength } from './world.js';
import { formatLog, row, HEADER } from './table.js';

export interface DemoOptions {
  out: (line: string) => void;
  /** Messages each replica finishes per second. */
  rate?: number;
  /** Wall clock, passed in by cli/. */
  now: () => number;
  timeoutMs?: number;
  /** Where the demo's repository and config are made (default: the temp dir); both are left there to inspect. */
  parent?: string;
  /**
   * The real clients (docs/architecture.md §4: cli/ builds them, so the demo imports nothing of
   * cli/): workspaces under `dataDir`, and the scalers' (SQS) with the demo's credentials in `env`.
   */
  clients: (env: Record<string, string | undefined>, dataDir: string) => Pick<ReconcilerDeps, 'clients' | 'scalerDeps'>;
}

const CREDS = { DEMO_AWS_ACCESS_KEY_ID: 'demo', DEMO_AWS_SECRET_ACCESS_KEY: 'demo' };
const author = { name: 'you', email: 'you@example.com' };

async function makeRepo(parent: string): Promise<string> {
  const dir = await mkdtemp(join(parent, 'gitscale-demo-'));
  await git.init({ fs, dir, defaultBranch: 'main' });
  await mkdir(dirname(join(dir, MANIFEST_PATH)), { recursive: true });
  await writeFile(join(dir, MANIFEST_PATH), MANIFEST);
  await git.add({ fs, dir, filepath: MANIFEST_PATH });
  await git.commit({ fs, dir, message: 'Add the consumer, scaled to zero\n', author });
  return dir;
}

export async function runDemo(o: DemoOptions): Promise<number> {
  const { startFauxqs } = await import('fauxqs');
  const server = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
  const endpoint = `http://127.0.0.1:${server.port}`;
  const sqs = new SQSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' } });
  const repo = await makeRepo(o.parent ?? tmpdir());
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: QUEUE }));
  const configFile = join(repo, '..', `${repo.split('/').pop()}.gitscale.yaml`);
  await writeFile(configFile, demoConfig(repo, endpoint, { pollingInterval: 1, cooldownPeriod: 5, window: 3 }));
  const loaded = await loadConfig(configFile, { env: CREDS, fs });
  if (!loaded.config || loaded.problems.length) throw new Error(`demo config invalid: ${JSON.stringify(loaded.problems)}`);

  o.out(`gitscale demo — queue '${QUEUE}' on an in-process SQS endpoint, manifests in ${repo}`);
  o.out(`ScaledObject default/consumer: aws-sqs-queue, queueLength 5, cooldownPeriod 5 s (shortened), polled every second\n`);
  o.out(HEADER);
  let lastCommit = '';
  const reconciler = createReconciler(loaded.config, {
    fs,
    clock: { now: o.now },
    log: silentLogger,
    env: CREDS,
    ...o.clients(CREDS, join(repo, '.git', 'gitscale')),
  });
  const runner = startRunner(loaded.config, reconciler, {
    clock: { now: o.now },
    log: silentLogger,
    heartbeat: (beat) => {
      const task = cron.schedule('* * * * * *', beat, { name: 'gitscale-demo' });
      return { stop: () => void task.stop() };
    },
    onResults: (results) => {
      for (const r of results) if (r.commit) lastCommit = r.commit;
    },
  });

  const started = o.now();
  let produced = false;
  let peak = 0;
  let previous = '';
  let code = 1;
  try {
    while (o.now() - started < (o.timeoutMs ?? 60_000)) {
      await new Promise((r) => setTimeout(r, 1000));
      const text = fs.readFileSync(join(repo, MANIFEST_PATH), 'utf8');
      const replicas = readReplicas(text, { kind: 'Deployment', name: 'consumer', namespace: 'default' }, MANIFEST_PATH).replicas;
      peak = Math.max(peak, replicas);
      const elapsed = Math.round((o.now() - started) / 1000);
      if (!produced && elapsed >= 2) {
        await produce(sqs, QueueUrl!, 20);
        produced = true;
        o.out(`${' '.repeat(8)}producer: sent 20 messages`);
      }
      if (replicas > 0) await consume(sqs, QueueUrl!, replicas, o.rate ?? 1);
      const queue = await queueLength(sqs, QueueUrl!);
      const subject = lastCommit ? await subjectOf(repo, lastCommit) : '';
      const line = row(elapsed, queue, replicas, lastCommit, subject);
      if (line.slice(8) !== previous) o.out(line);
      previous = line.slice(8);
      if (produced && queue === 0 && replicas === 0 && peak > 0) {
        code = 0;
        break;
      }
    }
  } finally {
    await runner.stop();
    await reconciler.close();
    await server.stop();
    sqs.destroy();
  }
  o.out(
    code === 0
      ? '\nThe queue is empty and the consumer is back at 0. The audit trail (git log):\n'
      : '\nThe demo did not finish in time. git log so far:\n',
  );
  o.out(await formatLog(repo));
  o.out(`Inspect it yourself: git -C ${repo} log -p`);
  return code;
}

async function subjectOf(dir: string, oid: string): Promise<string> {
  const { commit } = await git.readCommit({ fs, dir, oid });
  return commit.message.split('\n')[0];
}
