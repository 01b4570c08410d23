// Debian's redis-server in the two other shapes KEDA's redis triggers know: a cluster of three
// masters (slots spread by `redis-cli --cluster create`; REDIS_CLUSTER_ADDRESSES lists them all) and
// a master watched by a sentinel (REDIS_SENTINEL_ADDRESS, master name REDIS_SENTINEL_MASTER; the
// master requires REDIS_SENTINEL_MASTER_PASSWORD, the sentinel itself is open).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, requireBinary, spawnUntil, stopAllAndRemove, type Running } from './spawn.js';
import type { Started } from './types.js';

const SERVER = '/usr/bin/redis-server';
const CLI = '/usr/bin/redis-cli';
const run = promisify(execFile);
const COMMON = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--logfile', '', '--daemonize', 'no', '--protected-mode', 'no'];

async function server(dir: string, extra: string[], ready = /Ready to accept connections/): Promise<{ port: number; running: Running }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const home = join(dir, String(port));
    mkdirSync(home, { recursive: true });
    try {
      return { port, running: await spawnUntil(SERVER, ['--port', String(port), '--dir', home, ...COMMON, ...extra], ready) };
    } catch (e) {
      if (attempt >= 3) throw e;
    }
  }
}

async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 200)))
    if (await check().catch(() => false)) return;
  throw new Error(`redis: ${what} not reached within ${ms} ms`);
}

export async function startRedisTopologies(): Promise<Started> {
  requireBinary(SERVER, 'redis-server is needed for the redis trigger tests');
  requireBinary(CLI, 'redis-cli (Debian package redis-tools) is needed to form the test cluster');
  const dir = mkdtempSync(join(tmpdir(), 'gitscale-redis-topo-'));
  const started: Running[] = [];
  try {
    // A cluster of three masters, no replicas.
    const nodes = await Promise.all(
      [0, 1, 2].map(() =>
        server(dir, ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '5000']),
      ),
    );
    started.push(...nodes.map((n) => n.running));
    const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
    await run(CLI, ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes']);
    await until(
      'cluster_state:ok',
      async () =>
        nodes.every(Boolean) &&
        (await Promise.all(nodes.map((n) => run(CLI, ['-p', String(n.port), 'cluster', 'info'])))).every((r) =>
          r.stdout.includes('cluster_state:ok'),
        ),
    );

    // A master with a password, and one sentinel watching it.
    const password = `pw-${randomBytes(8).toString('hex')}`;
    const master = await server(dir, ['--requirepass', password, '--masterauth', password]);
    started.push(master.running);
    const sentinelPort = await freePort();
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `port ${sentinelPort}`,
        'bind 127.0.0.1',
        'protected-mode no',
        `dir ${dir}`,
        `sentinel monitor gitscale-master 127.0.0.1 ${master.port} 1`,
        `sentinel auth-pass gitscale-master ${password}`,
        'sentinel down-after-milliseconds gitscale-master 5000',
        '',
      ].join('\n'),
    );
    const sentinel = await spawnUntil(SERVER, [conf, '--sentinel'], /Sentinel ID is|\+monitor master/);
    started.push(sentinel);
    await until('the sentinel knows the master', async () =>
      (await run(CLI, ['-p', String(sentinelPort), 'sentinel', 'get-master-addr-by-name', 'gitscale-master'])).stdout.includes(
        String(master.port),
      ),
    );
    return {
      env: {
        REDIS_CLUSTER_ADDRESSES: addresses.join(','),
        REDIS_SENTINEL_ADDRESS: `127.0.0.1:${sentinelPort}`,
        REDIS_SENTINEL_MASTER: 'gitscale-master',
        REDIS_SENTINEL_MASTER_PASSWORD: password,
        REDIS_SENTINEL_MASTER_ADDRESS: `127.0.0.1:${master.port}`,
      },
      stop: () => stopAllAndRemove(started, dir),
    };
  } catch (e) {
    await stopAllAndRemove(started, dir);
    throw e;
  }
}
