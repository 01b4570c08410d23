// Metric endpoints that fail under `gitscale run` (the built command): one answering 500, one that
// hangs (never answers), one whose server is killed and later restarted on the same port. Beside
// them a healthy object's metric moves. The healthy decision lands as if nothing were wrong; the
// failing objects keep their replicas (minReplicaCount 0 and a 1 s cooldown: an error read as 0
// would scale them to zero within seconds) and each failure is logged on its own object; once the
// endpoints heal, every object converges. The order and length of the faults are seeded
// (FAULT_SEED=<n> replays them).
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, inject, it } from 'vitest';
import { startRun } from '../support/bin.js';
import { deployment, scaledObject, writeConfig } from '../support/config.js';
import { git, makeServedRepo, show } from '../support/git.js';
import { seeded, sleep } from '../support/storm.js';
import { tempDir } from '../support/temp.js';

const servers = inject('servers');
const SEED = Number(process.env.FAULT_SEED ?? Date.now() % 100_000);

type Mode = { answer: number } | 'error' | 'hang';

/** An HTTP metric endpoint whose answers (a value, a 500, no answer at all) are set per path; it can be killed and brought back on its port. */
function faultyEndpoint() {
  const modes = new Map<string, Mode>();
  let held: { path: string; res: ServerResponse }[] = [];
  let server: Server | undefined;
  let port = 0;
  const handler = (req: { url?: string }, res: ServerResponse) => {
    const mode = modes.get(req.url ?? '') ?? 'error';
    if (mode === 'hang') held.push({ path: req.url ?? '', res });
    else if (mode === 'error') res.writeHead(500, { 'content-type': 'text/plain' }).end('internal failure');
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ v: mode.answer }));
  };
  return {
    set: (path: string, mode: Mode) => {
      modes.set(path, mode);
      // A path that stops hanging answers what it holds now.
      if (mode === 'hang') return;
      const mine = held.filter((h) => h.path === path);
      held = held.filter((h) => h.path !== path);
      for (const h of mine) handler({ url: path }, h.res);
    },
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    async start() {
      server = createServer(handler);
      await new Promise<void>((r) => server!.listen(port, '127.0.0.1', r));
      port = (server.address() as AddressInfo).port;
    },
    /** As a crash looks from outside: open connections cut, the port refuses. */
    async kill() {
      held = [];
      server!.closeAllConnections();
      await new Promise((r) => server!.close(r));
    },
  };
}

describe(`metric endpoint faults during run (seed ${SEED})`, () => {
  it('500, hang and a killed server delay and change only their own objects; all converge once healed', async () => {
    const random = seeded(SEED);
    const flaky = faultyEndpoint(); // serves /error and /hang
    const killed = faultyEndpoint(); // serves /killed, killed and restarted on the same port
    await flaky.start();
    await killed.start();
    const names = ['healthy', 'error', 'hang', 'killed'];
    const { bare, url, name } = await makeServedRepo(servers, Object.fromEntries(names.map((n) => [`apps/${n}.yaml`, deployment(n, 3)])));
    const healthyPath = `/faults-${name}-healthy`;
    const setHealthy = (v: number) =>
      fetch(`${servers.METRICS_URL}/__set?path=${healthyPath}`, { method: 'POST', body: JSON.stringify({ v }) });
    await setHealthy(3);
    for (const p of ['/error', '/hang']) flaky.set(p, { answer: 3 });
    killed.set('/killed', { answer: 3 });
    const endpoint: Record<string, string> = {
      healthy: `${servers.METRICS_URL}${healthyPath}`,
      error: flaky.url('/error'),
      hang: flaky.url('/hang'),
      killed: killed.url('/killed'),
    };
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url }],
      scaledObjects: names.map((n) =>
        scaledObject({
          name: n,
          path: `apps/${n}.yaml`,
          // Nothing holds a scale-in back: an error taken for 0 would reach the manifest at once.
          spec: {
            pollingInterval: 1,
            cooldownPeriod: 1,
            minReplicaCount: 0,
            advanced: {
              horizontalPodAutoscalerConfig: {
                behavior: { scaleUp: { stabilizationWindowSeconds: 0 }, scaleDown: { stabilizationWindowSeconds: 0 } },
              },
            },
          },
          triggers: [{ type: 'metrics-api', metadata: { url: endpoint[n], valueLocation: 'v', targetValue: '1' } }],
        }),
      ),
    });
    const run = startRun([
      '-c',
      config,
      '--data-dir',
      await tempDir('faults'),
      '--log-format',
      'json',
      '--trigger-timeout',
      '4',
      '--log-level',
      'debug',
    ]);
    try {
      // Every object decided once with every endpoint answering (3 → 3: nothing to write).
      for (const n of names) await run.waitFor((l) => l.msg === 'decision' && l.object === `default/${n}` && l.desired === 3, 20_000);
      // The faults begin, in a seeded order, a moment apart.
      const faults: (() => Promise<void> | void)[] = [
        () => flaky.set('/error', 'error'),
        () => flaky.set('/hang', 'hang'),
        () => killed.kill(),
      ];
      for (const f of faults.sort(() => random() - 0.5)) {
        await f();
        await sleep(200 + random() * 600);
      }
      // The healthy object's metric moves while all three are failing.
      const moved = Date.now();
      await setHealthy(6);
      const landed = await run.waitFor(
        (l) => l.msg === 'commit' && (l.objects as string[]).includes('default/healthy') && Date.parse(String(l.time)) >= moved,
        15_000,
      );
      const report = `seed ${SEED}`;
      expect(Date.parse(String(landed.time)) - moved, report).toBeLessThan(5_000);
      expect(await show(bare, 'main', 'apps/healthy.yaml')).toContain('replicas: 6');
      // Each failing object says so, on its own object (the hang after --trigger-timeout).
      for (const n of ['error', 'hang', 'killed']) {
        const failed = await run.waitFor((l) => l.msg === 'trigger failed' && l.object === `default/${n}`, 15_000);
        expect(String(failed.error), `${n} ${report}`).toMatch(
          n === 'error' ? /500/ : n === 'hang' ? /no answer within 4000 ms/ : /ECONNREFUSED|refused|fetch failed/i,
        );
      }
      await sleep(2000 + random() * 2000); // long enough for the 1 s cooldown to act on a wrongly read 0
      for (const n of ['error', 'hang', 'killed'])
        expect(await show(bare, 'main', `apps/${n}.yaml`), `${n} ${report}`).toContain('replicas: 3');
      // Healed: the server is back on its port, the others answer; everyone converges to 5.
      const healed = Date.now();
      await killed.start();
      killed.set('/killed', { answer: 5 });
      flaky.set('/error', { answer: 5 });
      flaky.set('/hang', { answer: 5 });
      await setHealthy(5);
      for (const n of names) {
        await run.waitFor(
          (l) => l.msg === 'commit' && (l.objects as string[]).includes(`default/${n}`) && Date.parse(String(l.time)) >= healed,
          20_000,
        );
        expect(await show(bare, 'main', `apps/${n}.yaml`), `${n} ${report}`).toContain('replicas: 5');
      }
      for (const n of ['error', 'hang', 'killed'])
        expect(
          run.lines().some((l) => l.msg === 'trigger recovered' && l.object === `default/${n}`),
          `${n} ${report}`,
        ).toBe(true);
      // In all of it: no version of a failing object's file at zero, nothing failed outside its trigger.
      const history = await git(bare, 'log', '-p', 'main', '--', 'apps/error.yaml', 'apps/hang.yaml', 'apps/killed.yaml');
      expect(history, report).not.toMatch(/^\+\s*replicas: 0$/m);
      expect(
        run.lines().filter((l) => ['write failed', 'tick failed'].includes(String(l.msg)) || /internal error/.test(String(l.error ?? ''))),
        report,
      ).toEqual([]);
      expect(run.child.exitCode).toBeNull();
    } finally {
      await run.stop();
      flaky.set('/hang', { answer: 0 });
      await flaky.kill();
      await killed.kill().catch(() => undefined);
    }
  }, 120_000);
});
