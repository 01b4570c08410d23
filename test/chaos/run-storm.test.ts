// The push storm against `gitscale run` itself (the built command): 20 objects polled every second
// whose metrics move all the time, three people pushing to the same branch every 50 ms for 10 s.
// From run's own JSON log: every commit lands within 5 s of its decisions, gitscale is not starved,
// no write fails; on the server no human commit is lost, no merge. Seeded.
import { describe, expect, inject, it } from 'vitest';
import { startRun } from '../support/bin.js';
import { deployment, scaledObject, writeConfig } from '../support/config.js';
import { git, makeServedRepo } from '../support/git.js';
import { person, seeded, sleep } from '../support/storm.js';
import { tempDir } from '../support/temp.js';

const servers = inject('servers');
const SEED = Number(process.env.STORM_SEED ?? Date.now() % 100_000);
const STORM_MS = 10_000;
const N = 20;

describe(`push storm against gitscale run (seed ${SEED})`, () => {
  it('decisions land within 5 s and keep landing; nothing lost, fast-forward only', async () => {
    const files = Object.fromEntries(Array.from({ length: N }, (_, i) => [`apps/a${i}.yaml`, deployment(`a${i}`, 1)]));
    const { bare, url, name } = await makeServedRepo(servers, { ...files, 'alice.txt': '-\n', 'bob.txt': '-\n', 'carol.txt': '-\n' });
    const path = (i: number) => `/run-storm-${name}-${i}`;
    const setAll = (v: number) => Promise.all(Array.from({ length: N }, (_, i) => fetch(`${servers.METRICS_URL}/__set?path=${path(i)}`, { method: 'POST', body: JSON.stringify({ v: v + (i % 3) }) })));
    await setAll(2);
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url }],
      scaledObjects: Array.from({ length: N }, (_, i) => scaledObject({
        name: `a${i}`, path: `apps/a${i}.yaml`,
        // No stabilization: every change of the metric is a decision to write, in both directions.
        spec: { pollingInterval: 1, minReplicaCount: 1, advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleUp: { stabilizationWindowSeconds: 0 }, scaleDown: { stabilizationWindowSeconds: 0 } } } } },
        triggers: [{ type: 'metrics-api', metadata: { url: `${servers.METRICS_URL}${path(i)}`, valueLocation: 'v', targetValue: '1' } }],
      })),
    });
    const run = startRun(['-c', config, '--data-dir', await tempDir('run-storm'), '--log-format', 'json']);
    try {
      await run.waitFor((l) => l.msg === 'commit', 20_000);
      const start = Date.now();
      const until = start + STORM_MS;
      const random = seeded(SEED);
      const people = ['alice', 'bob', 'carol'].map((n) => person(n, url, until, seeded(SEED + n.length)));
      for (let step = 0; Date.now() < until; step++) {
        await setAll(2 + (step % 3)); // a new value every ~700 ms (three in turn): each tick has decisions to write
        await sleep(700 * (0.7 + 0.6 * random()));
      }
      const humans = (await Promise.all(people)).flat();
      await sleep(1500);
      const lines = run.lines();
      const at = (l: Record<string, unknown>) => Date.parse(String(l.time));
      const commits = lines.filter((l) => l.msg === 'commit' && at(l) >= start && at(l) <= until + 1500);
      const report = `seed ${SEED}: ${commits.length} commits by gitscale, ${humans.length} by people; attempts ${commits.map((c) => c.attempts).join(',')}`;
      expect(lines.filter((l) => l.msg === 'write failed'), report).toEqual([]);
      // Not starved (the old retry loop landed 0-3 commits in a minute of this). On this 2-core
      // machine the people's git processes saturate the CPU and a tick (20 metrics, a fetch) slows
      // with it: 3-8 commits in 10 s here. The strict "a commit every 2 s" is held by
      // push-storm.test.ts, where decisions come at a steady pace.
      expect(commits.length, report).toBeGreaterThanOrEqual(3);
      // Each commit within 5 s of the decisions it carries (the latest decision for each of its objects before it).
      for (const c of commits) {
        for (const obj of c.objects as string[]) {
          const decided = lines.filter((l) => l.msg === 'decision' && l.object === obj && at(l) <= at(c)).map(at);
          expect(at(c) - Math.max(...decided), `${obj} ${report}`).toBeLessThan(5_000);
        }
      }
      const onMain = new Set((await git(bare, 'rev-list', 'main')).trim().split('\n'));
      expect(humans.filter((h) => !onMain.has(h)), report).toEqual([]);
      expect((await git(bare, 'rev-list', '--merges', 'main')).trim()).toBe('');
      await git(bare, 'fsck', '--strict');
    } finally {
      await run.stop();
    }
  }, 90_000);
});
