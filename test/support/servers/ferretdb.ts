// A real MongoDB wire-protocol server on 127.0.0.1: FerretDB v1 (built once from the Go module proxy
// by scripts/servers/build-ferretdb.sh, cached by version) with its embedded SQLite backend in a temp
// dir. It enforces SCRAM (SHA-1 and SHA-256) credentials only with --test-enable-new-auth: the
// `gitscale` user is created in the `gitscale` database at start (--setup-*), so MONGODB_URI's path
// is also its authSource. A wrong password or user fails with code 18 (AuthenticationFailed), a
// command without credentials with code 13 (Unauthorized); hello/ping need none. There are no roles:
// the user may use every database. No telemetry, no debug HTTP listener. A TLS listener
// (MONGODB_TLS_PORT, same user and data) requires a client certificate signed by MONGODB_TLS_CA_FILE
// (FerretDB's --listen-tls-ca-file); MONGODB_TLS_CERT_FILE / _KEY_FILE are one, _KEY_ENCRYPTED_FILE
// the key encrypted with MONGODB_TLS_KEY_PASSWORD.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeCerts } from './certs.js';
import { freePort, spawnUntil, stopAndRemove, type Running } from './spawn.js';
import type { Started } from './types.js';

const run = promisify(execFile);
const SCRIPT = join(import.meta.dirname, '../../../scripts/servers/build-ferretdb.sh');

export async function startFerretdb(): Promise<Started> {
  const { stdout } = await run('bash', [SCRIPT], { timeout: 15 * 60_000 }).catch((e: Error & { stderr?: string }) => {
    throw new Error(`building FerretDB failed (scripts/servers/build-ferretdb.sh): ${e.stderr?.slice(-2000) ?? e.message}`);
  });
  const bin = stdout.trim().split('\n').pop()!;
  const dir = mkdtempSync(join(tmpdir(), 'gitscale-ferretdb-'));
  const data = join(dir, 'data');
  const user = 'gitscale';
  const database = 'gitscale';
  const password = `mg-${randomBytes(10).toString('hex')}`;
  let running: Running | undefined;
  let port: number;
  let tlsPort: number;
  try {
    const certs = await makeCerts(dir, {}, `kp-${randomBytes(6).toString('hex')}`);
    for (let attempt = 1; ; attempt++) {
      [port, tlsPort] = [await freePort(), await freePort()];
      rmSync(data, { recursive: true, force: true });
      mkdirSync(data); // the SQLite handler wants an existing directory
      try {
        running = await spawnUntil(
          bin,
          [
            '--handler=sqlite',
            `--sqlite-url=file:${data}/`,
            `--state-dir=${dir}`,
            `--listen-addr=127.0.0.1:${port}`,
            `--listen-tls=127.0.0.1:${tlsPort}`,
            `--listen-tls-cert-file=${certs.serverCert}`,
            `--listen-tls-key-file=${certs.serverKey}`,
            `--listen-tls-ca-file=${certs.ca}`,
            '--debug-addr=-',
            '--telemetry=disable',
            '--log-level=INFO',
            '--test-enable-new-auth',
            `--setup-database=${database}`,
            `--setup-username=${user}`,
          ],
          // The password through the environment, so it is not in any argv.
          /Listening on TLS 127\.0\.0\.1:\d+/,
          { cwd: dir, env: { ...process.env, FERRETDB_SETUP_PASSWORD: password } },
        );
        break;
      } catch (e) {
        if (attempt >= 3) throw e; // the port may have been taken in between
      }
    }
    const r = running;
    return {
      env: {
        MONGODB_HOST: '127.0.0.1',
        MONGODB_PORT: String(port),
        MONGODB_USER: user,
        MONGODB_PASSWORD: password,
        MONGODB_DATABASE: database,
        MONGODB_URI: `mongodb://${user}:${password}@127.0.0.1:${port}/${database}`,
        MONGODB_TLS_PORT: String(tlsPort),
        MONGODB_TLS_CA_FILE: certs.ca,
        MONGODB_TLS_CERT_FILE: certs.clientCert,
        MONGODB_TLS_KEY_FILE: certs.clientKey,
        MONGODB_TLS_KEY_ENCRYPTED_FILE: certs.clientKeyEncrypted,
        MONGODB_TLS_KEY_PASSWORD: certs.clientKeyPassword,
      },
      stop: () => stopAndRemove(r, dir),
    };
  } catch (e) {
    await stopAndRemove(running, dir);
    throw e;
  }
}
