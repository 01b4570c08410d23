// kill -9 at random moments during `gitscale run` (the built command, polling every second against
// git http-backend), restarted each time with the same data dir: the server's repository and the
// workspace stay `git fsck --strict` clean, no decision is committed twice, and the run converges
// to what the metric asks. Seeded (KILL_SEED=<n> replays the kill times).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { startRun } from '../support/bin.js';
import { deployment, scaledObject, writeConfig } from '../support/config.js';
import { git, makeServedRepo, show } from '../support/git.js';
import { seeded, sleep } from '../support/storm.js';
import { tempDir } from '../support/temp.js';

const servers = inject('servers');
const SEED = Number(process.env.KILL_SEED ?? Date.now() % 100_000);

describe(`kill -9 during run (seed ${SEED})`, () => {
  it('no corruption, no duplicate commit, convergence after every restart', async () => {
    const random = seeded(SEED);
    const { bare, url, name } = await makeServedRepo(
      servers,
      Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`apps/a${i}.yaml`, deployment(`a${i}`, 1)])),
    );
    const metric = (i: number) => `/kill-${name}-${i}`;
    const set = (i: number, v: number) =>
      fetch(`${servers.METRICS_URL}/__set?path=${metric(i)}`, { method: 'POST', body: JSON.stringify({ v }) });
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url }],
      scaledObjects: Array.from({ length: 5 }, (_, i) =>
        scaledObject({
          name: `a${i}`,
          path: `apps/a${i}.yaml`,
          spec: {
            pollingInterval: 1,
            minReplicaCount: 1,
            advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleUp: { stabilizationWindowSeconds: 0 } } } },
          },
          triggers: [
            { type: 'metrics-api', metadata: { url: `${servers.METRICS_URL}${metric(i)}`, valueLocation: 'v', targetValue: '1' } },
          ],
        }),
      ),
    });
    const data = await tempDir('kill-data');
    const args = ['-c', config, '--data-dir', data, '--log-format', 'json'];
    let level = 1;
    for (let round = 0; round < 6; round++) {
      // The metric climbs one step each round: every decision is new, so a duplicate commit would show.
      level = Math.min(level + 1, 4);
      for (let i = 0; i < 5; i++) await set(i, level);
      const run = startRun(args);
      await sleep(300 + random() * 1500);
      await run.stop('SIGKILL');
    }
    // Finally a run that is left to converge.
    for (let i = 0; i < 5; i++) await set(i, 4);
    const last = startRun([...args, '--log-level', 'debug']);
    try {
      for (let i = 0; i < 5; i++)
        await last.waitFor((l) => l.msg === 'decision' && l.object === `default/a${i}` && l.desired === 4 && l.current === 4, 30_000);
    } finally {
      await last.stop();
    }
    for (let i = 0; i < 5; i++) expect(await show(bare, 'main', `apps/a${i}.yaml`)).toContain('replicas: 4');
    await git(bare, 'fsck', '--strict');
    const ws = join(data, 'repos', readdirSync(join(data, 'repos'))[0], '.git');
    await git(ws, 'fsck', '--strict');
    const subjects = (await git(bare, 'log', '--format=%s', 'main')).trim().split('\n');
    expect(subjects.length).toBe(new Set(subjects).size);
    expect((await git(bare, 'rev-list', '--merges', 'main')).trim()).toBe('');
  }, 120_000);
});
