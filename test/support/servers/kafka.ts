// Apache Kafka in KRaft mode (one JVM as broker and controller), from the jars
// scripts/servers/build-kafka.sh copies out of Maven Central into the cache: a plain listener
// (KAFKA_BROKERS), a SASL/PLAIN one (KAFKA_SASL_BROKERS, user KAFKA_SASL_USER with a generated
// KAFKA_SASL_PASSWORD), and a TLS one requiring a client certificate (KAFKA_TLS_BROKERS, KAFKA_TLS_*
// files: the CA, the client's certificate and key).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCerts, run } from './certs.js';
import { freePort, spawnUntil, stopAllAndRemove, type Running } from './spawn.js';
import type { Started } from './types.js';

const open = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
  });

export async function startKafka(): Promise<Started> {
  const libs = execFileSync('bash', [join(import.meta.dirname, '../../../scripts/servers/build-kafka.sh')], { encoding: 'utf8' }).trim();
  const dir = mkdtempSync(join(tmpdir(), 'gitscale-kafka-'));
  const started: Running[] = [];
  try {
    const [plain, sasl, ssl, controller] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const certs = await makeCerts(dir);
    // Kafka reads a PEM keystore: the key and its certificate in one file.
    const keystore = join(dir, 'server.pem');
    writeFileSync(keystore, readFileSync(certs.serverKey, 'utf8') + readFileSync(certs.serverCert, 'utf8'));
    const user = 'gitscale';
    const password = `pw-${randomBytes(8).toString('hex')}`;
    const props = join(dir, 'server.properties');
    writeFileSync(
      props,
      [
        'process.roles=broker,controller',
        'node.id=1',
        `controller.quorum.voters=1@127.0.0.1:${controller}`,
        `listeners=PLAINTEXT://127.0.0.1:${plain},SASL_PLAINTEXT://127.0.0.1:${sasl},SSL://127.0.0.1:${ssl},CONTROLLER://127.0.0.1:${controller}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${plain},SASL_PLAINTEXT://127.0.0.1:${sasl},SSL://127.0.0.1:${ssl}`,
        'controller.listener.names=CONTROLLER',
        'inter.broker.listener.name=PLAINTEXT',
        'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,CONTROLLER:PLAINTEXT',
        'listener.name.ssl.ssl.keystore.type=PEM',
        `listener.name.ssl.ssl.keystore.location=${keystore}`,
        'listener.name.ssl.ssl.truststore.type=PEM',
        `listener.name.ssl.ssl.truststore.location=${certs.ca}`,
        'listener.name.ssl.ssl.client.auth=required',
        'sasl.enabled.mechanisms=PLAIN',
        `listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${user}="${password}";`,
        `log.dirs=${join(dir, 'data')}`,
        'offsets.topic.replication.factor=1',
        'transaction.state.log.replication.factor=1',
        'transaction.state.log.min.isr=1',
        'share.coordinator.state.topic.replication.factor=1',
        'share.coordinator.state.topic.min.isr=1',
        'group.initial.rebalance.delay.ms=0',
        'num.partitions=1',
        '',
      ].join('\n'),
    );
    const clusterId = randomBytes(16).toString('base64url');
    await run('kafka storage format', 'java', ['-cp', `${libs}/*`, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', props], {
      cwd: dir,
    });
    // Warnings and errors, plus the one line that says the server is up.
    const log4j = join(dir, 'log4j2.properties');
    writeFileSync(
      log4j,
      [
        'rootLogger.level = warn',
        'rootLogger.appenderRef.out.ref = OUT',
        'appender.out.type = Console',
        'appender.out.name = OUT',
        'appender.out.layout.type = PatternLayout',
        'appender.out.layout.pattern = %p %c %m%n',
        'logger.raft.name = kafka.server.KafkaRaftServer',
        'logger.raft.level = info',
        '',
      ].join('\n'),
    );
    started.push(
      await spawnUntil(
        'java',
        ['-Xmx384m', '-XX:+UseSerialGC', `-Dlog4j2.configurationFile=${log4j}`, '-cp', `${libs}/*`, 'kafka.Kafka', props],
        /Kafka Server started/,
        { cwd: dir },
        90_000,
      ),
    );
    for (const end = Date.now() + 30_000; !(await open(plain)); await new Promise((r) => setTimeout(r, 250))) {
      if (Date.now() > end) throw new Error('kafka: the broker port never opened');
    }
    return {
      env: {
        KAFKA_BROKERS: `127.0.0.1:${plain}`,
        KAFKA_SASL_BROKERS: `127.0.0.1:${sasl}`,
        KAFKA_SASL_USER: user,
        KAFKA_SASL_PASSWORD: password,
        KAFKA_TLS_BROKERS: `127.0.0.1:${ssl}`,
        KAFKA_TLS_CA_FILE: certs.ca,
        KAFKA_TLS_CERT_FILE: certs.clientCert,
        KAFKA_TLS_KEY_FILE: certs.clientKey,
      },
      stop: () => stopAllAndRemove(started, dir),
    };
  } catch (e) {
    await stopAllAndRemove(started, dir);
    throw e;
  }
}
