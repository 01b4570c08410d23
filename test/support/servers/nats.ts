// Debian's nats-server with JetStream and its monitoring port: one node (NATS_URL, monitoring at
// NATS_MONITORING), and a cluster of three on 127.0.0.1, .2 and .3 sharing their ports, as in a
// Kubernetes StatefulSet (NATS_CLUSTER_URL, monitoring of the first node at NATS_CLUSTER_MONITORING),
// so a consumer's leader is found the way KEDA finds it: /varz, then each advertised node.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, requireBinary, spawnUntil, stopAllAndRemove, type Running } from './spawn.js';
import type { Started } from './types.js';

const BIN = '/usr/sbin/nats-server';

async function until(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 250)))
    if (await check().catch(() => false)) return;
  throw new Error(`nats: ${what} not reached within ${ms} ms`);
}

export async function startNats(): Promise<Started> {
  requireBinary(BIN, 'nats-server (Debian package nats-server) is needed for the nats-jetstream trigger tests');
  const dir = mkdtempSync(join(tmpdir(), 'gitscale-nats-'));
  const started: Running[] = [];
  try {
    const [port, monitor] = [await freePort(), await freePort()];
    started.push(
      await spawnUntil(
        BIN,
        ['-a', '127.0.0.1', '-p', String(port), '-m', String(monitor), '-js', '-sd', join(dir, 'single'), '-n', 'single'],
        /Server is ready/,
      ),
    );

    const [cp, mp, rp] = [await freePort(), await freePort(), await freePort()];
    const ips = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];
    const nodes = await Promise.all(
      ips.map((ip, i) => {
        const conf = join(dir, `n${i + 1}.conf`);
        writeFileSync(
          conf,
          [
            `server_name: n${i + 1}`,
            `listen: ${ip}:${cp}`,
            `http: ${ip}:${mp}`,
            `jetstream { store_dir: "${join(dir, `n${i + 1}`)}" }`,
            `cluster { name: gitscale, listen: ${ip}:${rp}, routes: [${ips
              .filter((x) => x !== ip)
              .map((x) => `nats://${x}:${rp}`)
              .join(', ')}] }`,
            '',
          ].join('\n'),
        );
        return spawnUntil(BIN, ['-c', conf], /Server is ready/);
      }),
    );
    started.push(...nodes);
    await until('a JetStream meta leader in the cluster', async () => {
      const jsz = (await (await fetch(`http://127.0.0.1:${mp}/jsz`)).json()) as {
        meta_cluster?: { leader?: string; cluster_size?: number };
      };
      return !!jsz.meta_cluster?.leader && jsz.meta_cluster.cluster_size === 3;
    });
    return {
      env: {
        NATS_URL: `nats://127.0.0.1:${port}`,
        NATS_MONITORING: `127.0.0.1:${monitor}`,
        NATS_CLUSTER_URL: ips.map((ip) => `nats://${ip}:${cp}`).join(','),
        NATS_CLUSTER_MONITORING: `127.0.0.1:${mp}`,
      },
      stop: () => stopAllAndRemove(started, dir),
    };
  } catch (e) {
    await stopAllAndRemove(started, dir);
    throw e;
  }
}
