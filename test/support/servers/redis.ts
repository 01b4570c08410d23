// Three throwaway redis-server instances on 127.0.0.1: one open (REDIS_ADDRESS), one requiring a
// password for the default user plus an ACL user (REDIS_AUTH_*), so bad credentials can be tested,
// and one speaking TLS only, requiring a client certificate (REDIS_TLS_*: the CA and the client's
// certificate and key, in the clear and encrypted, as files).
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCerts } from './certs.js';
import { freePort, requireBinary, spawnUntil, stopAllAndRemove, type Running } from './spawn.js';
import type { Started } from './types.js';

const BIN = '/usr/bin/redis-server';

async function startOne(dir: string, extra: string[], tls = false): Promise<{ port: number; running: Running }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const listen = tls ? ['--port', '0', '--tls-port', String(port)] : ['--port', String(port)];
    const args = [
      ...listen,
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--logfile',
      '',
      '--daemonize',
      'no',
      '--protected-mode',
      'no',
      ...extra,
    ];
    try {
      return { port, running: await spawnUntil(BIN, args, /Ready to accept connections/) };
    } catch (e) {
      if (attempt >= 3) throw e; // the port may have been taken in between
    }
  }
}

export async function startRedis(): Promise<Started> {
  requireBinary(BIN, 'redis-server is needed for the redis scaler tests');
  const dir = mkdtempSync(join(tmpdir(), 'gitscale-redis-'));
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const userPassword = `upw-${randomBytes(8).toString('hex')}`;
  const started: Running[] = [];
  try {
    const open = await startOne(dir, []);
    started.push(open.running);
    const auth = await startOne(dir, ['--requirepass', password, '--user', 'scaler', 'on', `>${userPassword}`, '~*', '+@all']);
    started.push(auth.running);
    const certs = await makeCerts(dir);
    const tls = await startOne(
      dir,
      ['--tls-cert-file', certs.serverCert, '--tls-key-file', certs.serverKey, '--tls-ca-cert-file', certs.ca, '--tls-auth-clients', 'yes'],
      true,
    );
    started.push(tls.running);
    return {
      env: {
        REDIS_ADDRESS: `127.0.0.1:${open.port}`,
        REDIS_AUTH_ADDRESS: `127.0.0.1:${auth.port}`,
        REDIS_AUTH_PASSWORD: password,
        REDIS_AUTH_USER: 'scaler',
        REDIS_AUTH_USER_PASSWORD: userPassword,
        REDIS_TLS_ADDRESS: `127.0.0.1:${tls.port}`,
        REDIS_TLS_CA_FILE: certs.ca,
        REDIS_TLS_CERT_FILE: certs.clientCert,
        REDIS_TLS_KEY_FILE: certs.clientKey,
        REDIS_TLS_ENCRYPTED_KEY_FILE: certs.clientKeyEncrypted,
        REDIS_TLS_KEY_PASSWORD: certs.clientKeyPassword,
      },
      stop: () => stopAllAndRemove(started, dir),
    };
  } catch (e) {
    await stopAllAndRemove(started, dir);
    throw e;
  }
}
