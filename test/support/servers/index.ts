// Every server the suite needs. Each start function fails loudly if its server cannot run here.
import { startFerretdb } from './ferretdb.js';
import { startGitHttp } from './git-http.js';
import { startGitea } from './gitea.js';
import { startKafka } from './kafka.js';
import { startKube } from './kube.js';
import { startMariadb } from './mariadb.js';
import { startMetrics } from './metrics.js';
import { startMoto } from './moto.js';
import { startNats } from './nats.js';
import { startPostgres } from './postgres.js';
import { startPrometheus } from './prometheus.js';
import { startRabbitmq } from './rabbitmq.js';
import { startRedis } from './redis.js';
import { startRedisTopologies } from './redis-topologies.js';
import { startSqs } from './sqs.js';
import { startSshdServer } from './sshd.js';
import type { StartServer } from './types.js';
export type { Started } from './types.js';

export const servers: Record<string, StartServer> = {
  ferretdb: startFerretdb,
  git: startGitHttp,
  gitea: startGitea,
  kafka: startKafka,
  kube: startKube,
  mariadb: startMariadb,
  metrics: startMetrics,
  moto: startMoto,
  nats: startNats,
  postgres: startPostgres,
  prometheus: startPrometheus,
  rabbitmq: startRabbitmq,
  redis: startRedis,
  redisTopologies: startRedisTopologies,
  sqs: startSqs,
  sshd: startSshdServer,
};
