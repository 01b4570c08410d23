// A throwaway MariaDB server on 127.0.0.1: mariadb-install-db into a temp dir, then `mariadbd` in the
// foreground, with TLS (a throwaway CA and a server cert for 127.0.0.1 made by the openssl CLI) offered
// but not required. TCP connections need the `gitscale` user's password, so bad credentials can be
// tested; root has no password and is reachable only through the unix socket (MYSQL_ROOT_SOCKET).
// When run as root, everything runs as the `mysql` system user (mariadbd refuses to run as root).
import { execFileSync, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OPENSSL, makeCerts, run } from './certs.js';
import { freePort, requireBinary, spawnUntil, stopAndRemove, type Running } from './spawn.js';
import type { Started } from './types.js';

const SERVER = '/usr/sbin/mariadbd';
const INSTALL_DB = '/usr/bin/mariadb-install-db';
const CLIENT = '/usr/bin/mariadb';

/** uid/gid to run as: the `mysql` system user when we are root, else ourselves. */
function identity(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'mysql'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'mysql'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error(`running as root but there is no 'mysql' system user (install the mariadb-server package)`);
  }
}

export async function startMariadb(): Promise<Started> {
  for (const [bin, hint] of [
    [SERVER, 'mariadbd'],
    [INSTALL_DB, 'mariadb-install-db'],
    [CLIENT, 'the mariadb client'],
    [OPENSSL, 'the openssl CLI'],
  ]) {
    requireBinary(bin, `${hint} is needed for the mysql scaler tests`);
  }
  const who = identity();
  const dir = mkdtempSync(join(tmpdir(), 'gitscale-mariadb-'));
  const data = join(dir, 'data');
  const socket = join(dir, 'mysql.sock');
  const user = 'gitscale';
  const database = 'gitscale';
  const password = `my-${randomBytes(10).toString('hex')}`;
  if (who) chownSync(dir, who.uid, who.gid);
  const opts: SpawnOptions = { cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' }, ...who };
  // Small and unsafe on purpose: nothing here has to survive a crash.
  const innodb = ['--innodb-log-file-size=16M', '--innodb-buffer-pool-size=32M', '--innodb-temp-data-file-path=ibtmp1:4M:autoextend'];
  let running: Running | undefined;
  let port: number;
  try {
    await makeCerts(dir, opts);
    await run(
      'mariadb-install-db',
      INSTALL_DB,
      [
        '--no-defaults',
        `--datadir=${data}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        '--skip-name-resolve',
        ...innodb,
      ],
      opts,
    );
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        running = await spawnUntil(
          SERVER,
          [
            '--no-defaults',
            `--datadir=${data}`,
            `--tmpdir=${dir}`,
            `--pid-file=${join(dir, 'mariadbd.pid')}`,
            `--socket=${socket}`,
            `--port=${port}`,
            '--bind-address=127.0.0.1',
            '--skip-name-resolve',
            `--ssl-ca=${join(dir, 'ca.crt')}`,
            `--ssl-cert=${join(dir, 'server.crt')}`,
            `--ssl-key=${join(dir, 'server.key')}`,
            '--character-set-server=utf8mb4',
            '--collation-server=utf8mb4_general_ci',
            '--max-connections=100',
            ...innodb,
            '--innodb-flush-log-at-trx-commit=0',
            '--innodb-doublewrite=0',
            '--innodb-fast-shutdown=3',
          ],
          /ready for connections/,
          opts,
        );
        break;
      } catch (e) {
        if (attempt >= 3) throw e; // the port may have been taken in between
      }
    }
    // Over the root socket; the SQL goes on stdin so the password is not in any argv.
    await run(
      'creating the gitscale database and user',
      CLIENT,
      ['--no-defaults', `--socket=${socket}`, '--user=root', '--batch'],
      opts,
      [
        `DROP USER IF EXISTS 'root'@'127.0.0.1', 'root'@'::1';`, // root: socket only
        `CREATE DATABASE ${database};`,
        `CREATE USER '${user}'@'%' IDENTIFIED BY '${password}';`,
        `GRANT ALL ON ${database}.* TO '${user}'@'%';`,
      ].join('\n'),
    );
    const r = running;
    return {
      env: {
        MYSQL_HOST: '127.0.0.1',
        MYSQL_PORT: String(port),
        MYSQL_USER: user,
        MYSQL_PASSWORD: password,
        MYSQL_DATABASE: database,
        MYSQL_ROOT_SOCKET: socket,
        MYSQL_CA_FILE: join(dir, 'ca.crt'),
      },
      stop: () => stopAndRemove(r, dir),
    };
  } catch (e) {
    await stopAndRemove(running, dir);
    throw e;
  }
}
