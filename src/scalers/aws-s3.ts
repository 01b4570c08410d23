// `aws-s3`: the number of objects in a bucket (under a prefix), counted over every ListObjectsV2
// page. KEDA has no merged S3 scaler: this follows the open KEDA PR #7899 (type aws-s3): keys
// bucketName, prefix, delimiter ("/": objects directly under the prefix), recursive (delimiter ""),
// globPattern (matched on whole keys, forces a recursive listing), maxKeys (page size, 1000),
// targetObjectCount (5), activationTargetObjectCount (0); CommonPrefixes are not counted.
import { ScalerError } from '../errors.js';
import { awsClientConfig, awsError, awsSchema, describeIdentity, shownEndpoint, validateAws, type AwsClientConfig } from './aws/common.js';
import type { FieldProblem, ParseResult, PodIdentity, Scaler, ScalerDefinition, ScalerDeps, ScalerInput, TriggerTarget } from './types.js';
import { bool, int, parseSchema, problem, string, type Infer } from './schema.js';
import { networkError, scalerError, type ErrorContext } from './errors.js';

const TYPE = 'aws-s3';

export const schema = {
  bucketName: string({}),
  prefix: string({ default: '' }),
  delimiter: string({ default: '/' }),
  recursive: bool({ default: false }),
  globPattern: string({ optional: true }),
  maxKeys: int({ default: 1000, min: 1, max: 1000 }),
  targetObjectCount: int({ default: 5, min: 1, role: 'target' }),
  activationTargetObjectCount: int({ default: 0, min: 0, role: 'activation' }),
  ...awsSchema,
};

export type AwsS3Metadata = Infer<typeof schema> & { glob?: RegExp; pod?: PodIdentity };

/**
 * A glob as gobwas/glob compiles it without separators (KEDA's azure-blob and the S3 PR): `*` and
 * `**` match any run of characters, `/` included; `?` one character; `[abc]`, `[a-z]`, `[!abc]`
 * one of / none of; `{a,b}` either; `\` escapes. Returns what is wrong when it is not one.
 */
export function globToRegExp(glob: string): RegExp | string {
  let re = '';
  let depth = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '\\') {
      if (i + 1 >= glob.length) return 'it ends with a lone \\';
      re += escape(glob[++i]);
    } else if (c === '*') {
      while (glob[i + 1] === '*') i++;
      re += '.*';
    } else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) return `its '[' at ${i} is never closed`;
      let body = glob.slice(i + 1, end);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, (x) => `\\${x}`)}]`;
      i = end;
    } else if (c === '{') {
      depth++;
      re += '(?:';
    } else if (c === '}' && depth > 0) {
      depth--;
      re += ')';
    } else if (c === ',' && depth > 0) re += '|';
    else re += escape(c);
  }
  if (depth > 0) return "its '{' is never closed";
  try {
    return new RegExp(`^${re}$`, 's');
  } catch (e) {
    return (e as Error).message;
  }
}

const escape = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function validate(meta: Infer<typeof schema>): FieldProblem[] {
  const problems = validateAws(meta);
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(meta.bucketName.trim())) {
    problems.push(problem('bucketName', `'bucketName' must be an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens)`));
  }
  if (meta.globPattern !== undefined) {
    const g = globToRegExp(meta.globPattern);
    if (typeof g === 'string') problems.push(problem('globPattern', `'globPattern' is not a valid glob: ${g}`));
  }
  return problems;
}

export function parse(input: ScalerInput): ParseResult<AwsS3Metadata> {
  const r = parseSchema(schema, input, validate);
  if (!r.ok) return r;
  const glob = r.meta.globPattern !== undefined ? (globToRegExp(r.meta.globPattern) as RegExp) : undefined;
  return {
    ok: true,
    meta: {
      ...r.meta,
      bucketName: r.meta.bucketName.trim(),
      ...(glob ? { glob } : {}),
      ...(input.podIdentity ? { pod: input.podIdentity } : {}),
    },
    warnings: r.warnings,
  };
}

/** The delimiter the listing uses: none when recursive or with a glob (which looks at whole keys). */
export const listingDelimiter = (meta: Pick<AwsS3Metadata, 'recursive' | 'globPattern' | 'delimiter'>): string =>
  meta.recursive || meta.globPattern !== undefined ? '' : meta.delimiter;

export function source(meta: AwsS3Metadata): string {
  const d = listingDelimiter(meta);
  return `objects in s3://${meta.bucketName}/${meta.prefix}${meta.globPattern !== undefined ? ` matching '${meta.globPattern}'` : ''}${d ? ` (delimiter '${d}')` : ' (recursive)'}${meta.awsEndpoint ? ` via ${shownEndpoint(meta.awsEndpoint)}` : ''} ${describeIdentity(awsClientConfig(meta, meta.pod))}`;
}

export function target(meta: AwsS3Metadata): TriggerTarget {
  return { target: meta.targetObjectCount, activationTarget: meta.activationTargetObjectCount, unit: 'objects' };
}

/** One ListObjectsV2 request and what the scaler needs of its answer. */
export interface S3ListRequest {
  bucket: string;
  prefix: string;
  delimiter: string;
  maxKeys: number;
  continuationToken?: string;
}

/** The client surface the scaler needs (docs/architecture.md §4): one ListObjectsV2 page; errors are the SDK's, as thrown. */
export interface S3Like {
  /** `bucket`: the Name the answer gives (a real ListBucketResult always names its bucket). */
  listPage(req: S3ListRequest, signal: AbortSignal): Promise<{ bucket?: string; keys: string[]; truncated: boolean; nextToken?: string }>;
  destroy(): void;
}

/** The client the scaler is created with (the registry's ScalerClients composes it). */
export interface AwsS3Clients {
  /** Async: the AWS SDK is loaded only when an AWS trigger first samples. */
  s3(config: AwsClientConfig): Promise<S3Like>;
}

const NOT_FOUND = new Set(['NoSuchBucket']);

export function create(meta: AwsS3Metadata, deps: Pick<ScalerDeps<AwsS3Clients>, 'clients'>, triggerName: string): Scaler {
  const ctx: ErrorContext = { trigger: triggerName, type: TYPE, secrets: [meta.awsSecretAccessKey, meta.awsSessionToken] };
  const where = `s3://${meta.bucketName}/${meta.prefix}${meta.awsEndpoint ? ` via ${shownEndpoint(meta.awsEndpoint)}` : ''}`;
  // Built at the first sample (the SDK loads then), kept for the next ones.
  let client: Promise<S3Like> | undefined;

  const classify = (e: unknown, signal: AbortSignal) => {
    const { name, code, text, auth } = awsError(e);
    if (NOT_FOUND.has(name) || NOT_FOUND.has(code))
      return scalerError(ctx, 'SCALER_BUCKET_NOT_FOUND', `bucket ${meta.bucketName} does not exist`, 'bucketName');
    if (auth)
      return scalerError(ctx, 'SCALER_AUTH_FAILED', `AWS rejected the credentials for ${where}: ${name}: ${text}`, 'awsAccessKeyID');
    return (
      networkError(ctx, e, where, signal) ?? scalerError(ctx, 'SCALER_UNAVAILABLE', `listing ${where} failed: ${name || 'Error'}: ${text}`)
    );
  };

  return {
    async sample(signal) {
      let count = 0;
      try {
        client ??= deps.clients.s3(awsClientConfig(meta, meta.pod));
        const s3 = await client;
        const req: S3ListRequest = {
          bucket: meta.bucketName,
          prefix: meta.prefix,
          delimiter: listingDelimiter(meta),
          maxKeys: meta.maxKeys,
        };
        for (let page = 0; ; page++) {
          const r = await s3.listPage(req, signal);
          // An answer that is not a listing of this bucket (a proxy's error page parses as an empty one) is never a count of 0.
          if (r.bucket !== meta.bucketName)
            throw scalerError(
              ctx,
              'SCALER_INVALID_RESPONSE',
              `${where}: the answer is not a ListObjectsV2 result for bucket ${meta.bucketName}`,
            );
          count += meta.glob ? r.keys.filter((k) => meta.glob!.test(k)).length : r.keys.length;
          if (!r.truncated) break;
          if (!r.nextToken)
            throw scalerError(ctx, 'SCALER_INVALID_RESPONSE', `${where}: page ${page + 1} is truncated but carries no continuation token`);
          req.continuationToken = r.nextToken;
        }
      } catch (e) {
        if (e instanceof ScalerError) throw e;
        throw classify(e, signal);
      }
      return { value: count, active: count > meta.activationTargetObjectCount };
    },
    async close() {
      const c = client;
      client = undefined;
      if (c) (await c.catch(() => undefined))?.destroy();
    },
  };
}

export const awsS3: ScalerDefinition<AwsS3Metadata, AwsS3Clients> = { type: TYPE, parse, target, source, create };
