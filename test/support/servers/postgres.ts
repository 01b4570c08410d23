// A throwaway PostgreSQL cluster on 127.0.0.1: initdb into a temp dir, then `postgres` in the
// foreground. TCP connections need a SCRAM password, so bad credentials can be tested. When run
// as root, initdb and postgres run as the `postgres` system user (they refuse to run as root).
import { execFileSync, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnUntil, type Running } from './spawn.js';
import type { Started } from './types.js';

const ROOT = '/usr/lib/postgresql';

function binDir(): string {
  const versions = existsSync(ROOT)
    ? readdirSync(ROOT)
        .filter((v) => existsSync(join(ROOT, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(`PostgreSQL server binaries not found under ${ROOT}/<version>/bin (run scripts/test-env.sh as root)`);
  }
  return join(ROOT, versions[0], 'bin');
}

/** uid/gid to run as: the `postgres` system user when we are root, else ourselves. */
function identity(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error(`running as root but there is no 'postgres' system user (install the postgresql package)`);
  }
}

export async function startPostgres(): Promise<Started> {
  const bin = binDir();
  const who = identity();
  const dir = mkdtempSync(join(tmpdir(), 'gitscale-pg-'));
  const data = join(dir, 'data');
  const sockets = join(dir, 'sock');
  const user = 'gitscale';
  const password = `pg-${randomBytes(10).toString('hex')}`;
  mkdirSync(sockets);
  writeFileSync(join(dir, 'pwfile'), `${password}\n`, { mode: 0o600 });
  if (who) for (const p of [dir, sockets, join(dir, 'pwfile')]) chownSync(p, who.uid, who.gid);
  const opts: SpawnOptions = { cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' }, ...who };
  let running: Running | undefined;
  try {
    try {
      execFileSync(
        join(bin, 'initdb'),
        [
          '-D',
          data,
          '-U',
          user,
          `--pwfile=${join(dir, 'pwfile')}`,
          '--auth-local=trust',
          '--auth-host=scram-sha-256',
          '-E',
          'UTF8',
          '--no-locale',
          '--no-sync',
          '--no-instructions',
        ],
        { ...opts, stdio: 'pipe' },
      );
    } catch (e) {
      const out = e as { stderr?: Buffer; stdout?: Buffer; message: string };
      throw new Error(`initdb failed: ${out.stderr?.toString() || out.stdout?.toString() || out.message}`);
    }
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      try {
        running = await spawnUntil(
          join(bin, 'postgres'),
          [
            '-D',
            data,
            '-p',
            String(port),
            '-c',
            'listen_addresses=127.0.0.1',
            '-c',
            `unix_socket_directories=${sockets}`,
            '-c',
            'fsync=off',
            '-c',
            'synchronous_commit=off',
            '-c',
            'full_page_writes=off',
            '-c',
            'shared_buffers=16MB',
            '-c',
            'max_connections=40',
            '-c',
            'logging_collector=off',
          ],
          /database system is ready to accept connections/,
          { ...opts, stopSignal: 'SIGINT' },
        ); // also when the run is interrupted
        const r = running;
        return {
          env: { PG_HOST: '127.0.0.1', PG_PORT: String(port), PG_USER: user, PG_PASSWORD: password, PG_DB: 'postgres' },
          stop: async () => {
            await r.stop('SIGINT'); // fast shutdown
            rmSync(dir, { recursive: true, force: true });
          },
        };
      } catch (e) {
        if (attempt >= 3) throw e;
      }
    }
  } catch (e) {
    await running?.stop('SIGINT');
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
