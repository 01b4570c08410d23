// The scalers' real clients (docs/architecture.md §4: only cli/ builds clients): node-postgres pools, mysql2
// connections, ioredis connections, and AWS SDK clients loaded on first use, so a run without an
// AWS trigger never loads the SDK.
import { limitPerEndpoint } from './limit.js';
import { createRequire } from 'node:module';
import { createSecureContext } from 'node:tls';
import type pg from 'pg';
import type { Cluster, Redis } from 'ioredis';
import type { SASLOptions } from 'kafkajs';
import type { Connection } from 'mysql2/promise';
import type { S3Like } from '../scalers/aws-s3.js';
import type { SqsLike } from '../scalers/aws-sqs-queue.js';
import type { AwsClientConfig } from '../scalers/aws/common.js';
import type { MongoClient } from 'mongodb';
import type { MongodbClientConfig, MongodbLike } from '../scalers/mongodb.js';
import type { MysqlClientConfig, MysqlLike } from '../scalers/mysql.js';
import { abortable } from '../scalers/errors.js';
import type { ScalerClients } from '../scalers/index.js';
import type { ScalerDeps } from '../scalers/types.js';

type Credentials = NonNullable<AwsClientConfig['credentials']>;
type Provider = () => Promise<Credentials & { expiration?: Date }>;

/**
 * Assumed roles, one credentials provider per role, external id, region and base identity, shared
 * by every trigger that runs as it: STS is asked once, and again only 5 minutes before the
 * credentials expire (each SDK client memoizes its own provider; this cache is across clients,
 * one per set of scaler clients: a reconciler's).
 */
type Roles = Map<string, Provider>;

/** `p`'s answer, kept until 5 minutes before it expires; one request in flight at a time; a failure is not kept. */
export function memoized(p: Provider, now: () => number = Date.now): Provider {
  let current: Promise<Credentials & { expiration?: Date }> | undefined;
  let refreshAt = 0;
  return () => {
    if (!current || now() >= refreshAt) {
      refreshAt = Infinity; // in flight: the next callers share it
      current = p().then(
        (c) => {
          refreshAt = c.expiration ? c.expiration.getTime() - 5 * 60_000 : Infinity;
          return c;
        },
        (e: unknown) => {
          current = undefined;
          throw e;
        },
      );
    }
    return current;
  };
}

async function credentialsFor(config: AwsClientConfig, roles: Roles): Promise<Credentials | Provider | undefined> {
  const role = config.assumeRole;
  if (!role) return config.credentials; // static keys, or undefined: the SDK's default chain
  const key = JSON.stringify([role.roleArn, role.externalId ?? null, config.region, config.credentials?.accessKeyId ?? null]);
  let provider = roles.get(key);
  if (!provider) {
    const { fromTemporaryCredentials } = await import('@aws-sdk/credential-providers');
    provider = memoized(
      fromTemporaryCredentials({
        params: { RoleArn: role.roleArn, RoleSessionName: 'gitscale', ...(role.externalId ? { ExternalId: role.externalId } : {}) },
        ...(config.credentials ? { masterCredentials: config.credentials } : {}),
        clientConfig: { region: config.region },
      }),
    );
    roles.set(key, provider);
  }
  return provider;
}

/** The SDK client options for `config` (the role to assume resolved into a credentials provider). */
async function awsOptions(
  config: AwsClientConfig,
  roles: Roles,
): Promise<{ region: string; endpoint?: string; credentials?: Credentials | Provider; maxAttempts: number }> {
  return { region: config.region, endpoint: config.endpoint, credentials: await credentialsFor(config, roles), maxAttempts: 2 };
}

async function sqsClient(config: AwsClientConfig, roles: Roles): Promise<SqsLike> {
  const { SQSClient, GetQueueUrlCommand, GetQueueAttributesCommand } = await import('@aws-sdk/client-sqs');
  const client = new SQSClient(await awsOptions(config, roles));
  return {
    queueUrl: async (name, signal) => (await client.send(new GetQueueUrlCommand({ QueueName: name }), { abortSignal: signal })).QueueUrl,
    attributes: async (queueUrl, names, signal) =>
      (await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: names as never }), { abortSignal: signal }))
        .Attributes,
    destroy: () => client.destroy(),
  };
}

/**
 * A connection opened on first use and kept across samples. An abort while it is in use, or a
 * failure, drops it (`destroy`: its state is unknown); the next use opens a new one.
 */
function keptConnection<T>(open: () => Promise<T>, destroy: (c: T) => unknown, end: (c: T) => Promise<unknown>) {
  let conn: Promise<T> | undefined;
  const drop = (): void => {
    const was = conn;
    conn = undefined;
    void was?.then(destroy, () => undefined);
  };
  return {
    async use<R>(signal: AbortSignal, fn: (c: T) => Promise<R>): Promise<R> {
      conn ??= open();
      const current = conn;
      current.catch(() => undefined);
      const onAbort = () => drop();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        return await fn(await abortable(current, signal));
      } catch (e) {
        drop();
        throw e;
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    },
    async close(): Promise<void> {
      const was = conn;
      conn = undefined;
      await was?.then(end, () => undefined);
    },
  };
}

/** One mysql2 connection; each read is START TRANSACTION READ ONLY, the query, ROLLBACK. */
function mysqlClient(c: MysqlClientConfig): MysqlLike {
  const kept = keptConnection<Connection>(
    () =>
      import('mysql2/promise').then((m) =>
        m.createConnection({
          host: c.host,
          port: c.port,
          socketPath: c.socketPath,
          user: c.user,
          password: c.password,
          database: c.database,
          ssl: c.ssl,
          connectTimeout: c.connectTimeoutMs,
          supportBigNumbers: true,
          bigNumberStrings: true,
          decimalNumbers: false,
        }),
      ),
    (x) => x.destroy(),
    (x) => x.end(),
  );
  return {
    readOnlyRow: (sql, signal) =>
      kept.use(signal, async (x) => {
        await x.query('START TRANSACTION READ ONLY');
        try {
          const [rows] = await x.query({ sql, rowsAsArray: true, timeout: c.queryTimeoutMs });
          return Array.isArray(rows) ? (rows[0] as unknown[] | undefined) : undefined;
        } finally {
          await x.query('ROLLBACK');
        }
      }),
    close: () => kept.close(),
  };
}

async function s3Client(config: AwsClientConfig, roles: Roles): Promise<S3Like> {
  const { S3Client, ListObjectsV2Command } = await import('@aws-sdk/client-s3');
  // An endpoint of one's own (MinIO, an emulator) is addressed path-style, as KEDA's PR does.
  const client = new S3Client({ ...(await awsOptions(config, roles)), forcePathStyle: config.endpoint !== undefined });
  return {
    async listPage(req, signal) {
      const out = await client.send(
        new ListObjectsV2Command({
          Bucket: req.bucket,
          Prefix: req.prefix || undefined,
          Delimiter: req.delimiter || undefined,
          MaxKeys: req.maxKeys,
          ContinuationToken: req.continuationToken,
        }),
        { abortSignal: signal },
      );
      return {
        bucket: out.Name,
        keys: (out.Contents ?? []).map((o) => o.Key ?? ''),
        truncated: out.IsTruncated === true,
        nextToken: out.NextContinuationToken,
      };
    },
    destroy: () => client.destroy(),
  };
}

/** One MongoClient (the driver loads with it); the filter is Extended JSON ($oid, $date …); TLS material as PEM text. */
function mongodbClient(c: MongodbClientConfig): MongodbLike {
  const kept = keptConnection<MongoClient>(
    async () => {
      // The material checked first, as KEDA builds its tls.Config before connecting: a key that does not
      // decrypt fails here (ERR_OSSL_BAD_DECRYPT), not as a server-selection timeout 10 s later.
      if (c.tls) createSecureContext(c.tls);
      return new (await import('mongodb')).MongoClient(c.uri, {
        serverSelectionTimeoutMS: c.timeoutMs,
        connectTimeoutMS: c.timeoutMs,
        maxPoolSize: 1,
        // PEM text handed to Node's TLS as is (the driver's tls*File options want paths).
        ...(c.tls ? { tls: true, ...Object.fromEntries(Object.entries(c.tls).filter(([, v]) => v !== undefined)) } : {}),
      }).connect();
    },
    (x) => x.close(true),
    (x) => x.close(),
  );
  return {
    countDocuments: (db, collection, filter, signal) =>
      kept.use(signal, async (x) => {
        const { BSON } = await import('mongodb');
        return abortable(
          x
            .db(db)
            .collection(collection)
            .countDocuments(BSON.EJSON.parse(filter) as Record<string, unknown>, { maxTimeMS: c.timeoutMs }),
          signal,
        );
      }),
    close: () => kept.close(),
  };
}

const requireHere = createRequire(import.meta.url);
const load = <T>(name: string): T => requireHere(name) as T;

function scalerClients(roles: Roles): ScalerClients {
  return {
    mongodb: mongodbClient,
    s3: (config) => s3Client(config, roles),
    mysql: mysqlClient,
    // node-postgres and ioredis load when the first such trigger is built (CommonJS: a plain require, so the factories stay synchronous).
    postgresql: (config) => new (load<typeof pg>('pg').Pool)(config),
    redis: (spec) => {
      const io = load<{ Redis: typeof Redis; Cluster: typeof Cluster }>('ioredis');
      return spec.topology === 'cluster' ? new io.Cluster(spec.nodes, spec.options) : new io.Redis(spec.options);
    },
    sqs: (config) => sqsClient(config, roles),
    kafka: async (o) => {
      const { Kafka, logLevel } = await import('kafkajs');
      const admin = new Kafka({
        clientId: 'gitscale',
        brokers: o.brokers,
        sasl: o.sasl as SASLOptions | undefined,
        ssl: o.ssl,
        connectionTimeout: 5_000,
        requestTimeout: 10_000,
        // A few quick retries: a group's coordinator (and __consumer_offsets) may still be settling; the trigger timeout bounds the whole read.
        retry: { retries: 4, initialRetryTime: 100, maxRetryTime: 1_000 },
        logLevel: logLevel.NOTHING,
      }).admin();
      await admin.connect();
      return {
        groupOffsets: async (groupId, topics) =>
          (await admin.fetchOffsets({ groupId, ...(topics ? { topics } : {}) })).map((t) => ({
            topic: t.topic,
            partitions: t.partitions.map((p) => ({ partition: p.partition, offset: Number(p.offset) })),
          })),
        partitions: async (topics) =>
          new Map((await admin.fetchTopicMetadata({ topics })).topics.map((t) => [t.name, t.partitions.map((p) => p.partitionId)])),
        latestOffsets: async (topic) => new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)])),
        close: () => admin.disconnect(),
      };
    },
    amqp: async (o) => {
      const { connect, credentials } = await import('amqplib');
      const conn = await connect(o.url, {
        ca: o.ca,
        cert: o.cert,
        key: o.key,
        passphrase: o.passphrase,
        rejectUnauthorized: o.rejectUnauthorized,
        timeout: 5_000,
        ...(o.sasl === 'EXTERNAL' ? { credentials: credentials.external() } : {}),
      });
      conn.on('error', () => undefined); // a broken connection fails the next sample instead
      return {
        async messageCount(queue) {
          // A passive declare of a missing queue closes its channel: one channel per read.
          const ch = await conn.createChannel();
          ch.on('error', () => undefined);
          try {
            return (await ch.checkQueue(queue)).messageCount;
          } finally {
            await ch.close().catch(() => undefined);
          }
        },
        close: () => conn.close().catch(() => undefined),
      };
    },
    // undici 7, the major Node 24's fetch is built on (a dispatcher of another major is refused by it).
    httpTls: (o) => {
      const agent = new (load<typeof import('undici')>('undici').Agent)({
        connect: { ca: o.ca, cert: o.cert, key: o.key, rejectUnauthorized: o.rejectUnauthorized },
      });
      return { dispatcher: agent, close: () => agent.close() };
    },
  };
}

/** The scalers' clients; HTTP requests at most `perEndpoint` in flight to one endpoint at once. */
export function scalerDeps(
  now: () => number = Date.now,
  fetchFn: typeof fetch = globalThis.fetch,
  perEndpoint = Infinity,
): ScalerDeps<ScalerClients> {
  return {
    fetch: Number.isFinite(perEndpoint) ? limitPerEndpoint(fetchFn, perEndpoint) : fetchFn,
    clock: { now },
    clients: scalerClients(new Map()),
  };
}
