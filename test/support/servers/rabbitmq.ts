// Debian's RabbitMQ with the management plugin, a private node on free ports (AMQP at
// RABBITMQ_AMQP_ADDRESS, the management API at RABBITMQ_HTTP_URL), user RABBITMQ_USER with a
// generated RABBITMQ_PASSWORD, and a second vhost `jobs` beside the default one. A TLS listener
// (RABBITMQ_AMQPS_ADDRESS) requires a client certificate signed by RABBITMQ_TLS_CA_FILE; with the
// rabbitmq_auth_mechanism_ssl plugin EXTERNAL is offered first (PLAIN and AMQPLAIN still work) and
// logs in as the certificate's CN, user RABBITMQ_TLS_USER (no password), which may use vhost `/`.
// RABBITMQ_TLS_CERT_FILE / _KEY_FILE are its certificate and key, _KEY_ENCRYPTED_FILE the key
// encrypted with RABBITMQ_TLS_KEY_PASSWORD.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCerts } from './certs.js';
import { freePort, requireBinary, spawnUntil, stopAllAndRemove, type Running } from './spawn.js';
import type { Started } from './types.js';

const BIN = '/usr/lib/rabbitmq/bin/rabbitmq-server';

export async function startRabbitmq(): Promise<Started> {
  requireBinary(BIN, 'rabbitmq-server (Debian package rabbitmq-server) is needed for the rabbitmq trigger tests');
  const dir = mkdtempSync(join(tmpdir(), 'gitscale-rabbitmq-'));
  const started: Running[] = [];
  try {
    const [amqp, amqps, http, dist] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const certUser = 'gitscale-cert';
    const certs = await makeCerts(dir, {}, `kp-${randomBytes(6).toString('hex')}`, certUser);
    const user = 'gitscale';
    const password = `pw-${randomBytes(8).toString('hex')}`;
    writeFileSync(join(dir, 'enabled_plugins'), '[rabbitmq_management,rabbitmq_auth_mechanism_ssl].\n');
    writeFileSync(
      join(dir, 'rabbitmq.conf'),
      [
        `listeners.tcp.default = 127.0.0.1:${amqp}`,
        `management.tcp.port = ${http}`,
        'management.tcp.ip = 127.0.0.1',
        'loopback_users = none',
        `default_user = ${user}`,
        `default_pass = ${password}`,
        `listeners.ssl.default = 127.0.0.1:${amqps}`,
        `ssl_options.cacertfile = ${certs.ca}`,
        `ssl_options.certfile = ${certs.serverCert}`,
        `ssl_options.keyfile = ${certs.serverKey}`,
        'ssl_options.verify = verify_peer',
        'ssl_options.fail_if_no_peer_cert = true',
        'auth_mechanisms.1 = EXTERNAL',
        'auth_mechanisms.2 = PLAIN',
        'auth_mechanisms.3 = AMQPLAIN',
        'ssl_cert_login_from = common_name',
        // Rates over a short window, so the rate modes see traffic within a test.
        'management.rates_mode = basic',
        'collect_statistics_interval = 500',
        '',
      ].join('\n'),
    );
    const env = {
      ...process.env,
      HOME: dir,
      RABBITMQ_NODENAME: `gitscale-${randomBytes(4).toString('hex')}@localhost`,
      RABBITMQ_DIST_PORT: String(dist),
      RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(dir, 'log'),
      RABBITMQ_LOGS: '-',
      RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
      RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq'),
      RABBITMQ_PID_FILE: join(dir, 'pid'),
    };
    started.push(await spawnUntil(BIN, [], /Server startup complete/, { env, cwd: dir }, 90_000));
    const api = `http://127.0.0.1:${http}`;
    const auth = { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`, 'content-type': 'application/json' };
    const all = { configure: '.*', write: '.*', read: '.*' };
    for (const [path, body] of [
      ['/api/vhosts/jobs', {}],
      [`/api/permissions/jobs/${user}`, all],
      [`/api/users/${certUser}`, { password_hash: '', tags: '' }],
      [`/api/permissions/%2F/${certUser}`, all],
    ] as const) {
      const r = await fetch(`${api}${path}`, { method: 'PUT', headers: auth, body: JSON.stringify(body) });
      if (!r.ok) throw new Error(`rabbitmq: PUT ${path} answered ${r.status}`);
    }
    return {
      env: {
        RABBITMQ_AMQP_ADDRESS: `127.0.0.1:${amqp}`,
        RABBITMQ_HTTP_URL: api,
        RABBITMQ_USER: user,
        RABBITMQ_PASSWORD: password,
        RABBITMQ_AMQPS_ADDRESS: `127.0.0.1:${amqps}`,
        RABBITMQ_TLS_USER: certUser,
        RABBITMQ_TLS_CA_FILE: certs.ca,
        RABBITMQ_TLS_CERT_FILE: certs.clientCert,
        RABBITMQ_TLS_KEY_FILE: certs.clientKey,
        RABBITMQ_TLS_KEY_ENCRYPTED_FILE: certs.clientKeyEncrypted,
        RABBITMQ_TLS_KEY_PASSWORD: certs.clientKeyPassword,
      },
      stop: () => stopAllAndRemove(started, dir),
    };
  } catch (e) {
    await stopAllAndRemove(started, dir);
    throw e;
  }
}
