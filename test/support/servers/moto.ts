// moto server (installed once from PyPI by scripts/servers/build-moto.sh, cached by version): a local
// AWS on 127.0.0.1 for STS (AssumeRole, AssumeRoleWithWebIdentity, GetCallerIdentity), SQS and S3.
// Two of them run:
// - MOTO_ENDPOINT accepts any credentials; GET /moto-api/data.json lists the roles assumed (sts.AssumedRole).
// - MOTO_AUTH_ENDPOINT checks them like AWS: every request must be SigV4-signed with the keys of an IAM user
//   it knows, here MOTO_AUTH_ACCESS_KEY_ID / MOTO_AUTH_SECRET_ACCESS_KEY (a user allowed everything). An
//   unknown key id is refused with 403 InvalidAccessKeyId (S3) / InvalidClientTokenId (SQS), a wrong secret
//   with 403 SignatureDoesNotMatch. moto 5.2.6 answers SQS's JSON protocol with an XML error body, so
//   @aws-sdk/client-sqs surfaces both as a SyntaxError with $metadata.httpStatusCode 403.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, spawnUntil, type Running } from './spawn.js';
import type { Started } from './types.js';

const run = promisify(execFile);
const SCRIPT = join(import.meta.dirname, '../../../scripts/servers/build-moto.sh');

/**
 * The IAM calls that make the user. moto lets the first INITIAL_NO_AUTH_ACTION_COUNT actions through
 * unchecked (the count is of AWS actions only, not of /moto-api requests) and checks every one after.
 */
const BOOTSTRAP: Record<string, string>[] = [
  { Action: 'CreateUser', UserName: 'gitscale' },
  {
    Action: 'PutUserPolicy',
    UserName: 'gitscale',
    PolicyName: 'everything',
    PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
  },
  { Action: 'CreateAccessKey', UserName: 'gitscale' },
];

export async function startMoto(): Promise<Started> {
  const { stdout } = await run('bash', [SCRIPT], { timeout: 10 * 60_000 }).catch((e: Error & { stderr?: string }) => {
    throw new Error(`installing moto failed (scripts/servers/build-moto.sh): ${e.stderr?.slice(-2000) ?? e.message}`);
  });
  const bin = stdout.trim().split('\n').pop()!;
  const [open, auth] = await Promise.allSettled([
    startOne(bin, {}),
    startOne(bin, { INITIAL_NO_AUTH_ACTION_COUNT: String(BOOTSTRAP.length) }, bootstrapUser),
  ]);
  if (open.status === 'rejected' || auth.status === 'rejected') {
    await Promise.allSettled([open, auth].map((s) => (s.status === 'fulfilled' ? s.value.running.stop() : Promise.resolve())));
    throw open.status === 'rejected' ? open.reason : (auth as PromiseRejectedResult).reason;
  }
  const keys = auth.value.keys!;
  return {
    env: {
      MOTO_ENDPOINT: open.value.url,
      MOTO_AUTH_ENDPOINT: auth.value.url,
      MOTO_AUTH_ACCESS_KEY_ID: keys.accessKeyId,
      MOTO_AUTH_SECRET_ACCESS_KEY: keys.secretAccessKey,
    },
    stop: async () => {
      await Promise.all([open.value.running.stop(), auth.value.running.stop()]);
    },
  };
}

interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
}

async function startOne(
  bin: string,
  env: Record<string, string>,
  setup?: (url: string) => Promise<Keys>,
): Promise<{ url: string; running: Running; keys?: Keys }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    let moto: Running | undefined;
    try {
      moto = await spawnUntil(bin, ['-H', '127.0.0.1', '-p', String(port)], /Running on http:\/\/127\.0\.0\.1:\d+/, {
        env: { ...process.env, ...env },
      });
      const url = `http://127.0.0.1:${port}`;
      const res = await fetch(`${url}/moto-api/data.json`);
      if (!res.ok) throw new Error(`moto_server on ${url} answered ${res.status} to /moto-api/data.json`);
      await res.arrayBuffer();
      const keys = await setup?.(url);
      return { url, running: moto, keys };
    } catch (e) {
      await moto?.stop();
      if (attempt >= 3) throw e; // the port may have been taken in between
    }
  }
}

/**
 * An unsigned IAM query-protocol call. moto routes a request on 127.0.0.1 by the service in the
 * Authorization header's credential scope; the signature itself is only checked once the unchecked
 * actions are used up, so this one is a placeholder.
 */
async function iamUnsigned(url: string, params: Record<string, string>): Promise<{ status: number; body: string }> {
  const res = await fetch(`${url}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      authorization: 'AWS4-HMAC-SHA256 Credential=bootstrap/20000101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: new URLSearchParams({ ...params, Version: '2010-05-08' }),
  });
  return { status: res.status, body: await res.text() };
}

async function bootstrapUser(url: string): Promise<Keys> {
  let created = '';
  for (const call of BOOTSTRAP) {
    const { status, body } = await iamUnsigned(url, call);
    if (status !== 200) throw new Error(`moto_server on ${url}: IAM ${call.Action} answered ${status}: ${body.slice(0, 500)}`);
    created = body;
  }
  const accessKeyId = /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(created)?.[1];
  const secretAccessKey = /<SecretAccessKey>([^<]+)<\/SecretAccessKey>/.exec(created)?.[1];
  if (!accessKeyId || !secretAccessKey)
    throw new Error(`moto_server on ${url}: no access key in the CreateAccessKey answer: ${created.slice(0, 500)}`);
  // The checks are on from here: an unsigned call is refused, a call signed with the new keys goes through.
  const refused = await iamUnsigned(url, { Action: 'ListUsers' });
  if (refused.status !== 403)
    throw new Error(`moto_server on ${url} does not check credentials: an unsigned ListUsers answered ${refused.status}`);
  const { SQSClient, ListQueuesCommand } = await import('@aws-sdk/client-sqs');
  const sqs = new SQSClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 });
  try {
    await sqs.send(new ListQueuesCommand({}));
  } catch (e) {
    throw new Error(`moto_server on ${url} refuses the keys it made: ${(e as Error).name}: ${(e as Error).message}`);
  } finally {
    sqs.destroy();
  }
  return { accessKeyId, secretAccessKey };
}
