// Time behaviour through `gitscale run` with short periods: the commits appear in git log in the
// right order, no earlier than the stabilisation window and the cooldown allow (and not much later).
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { runGitscale } from '../support/cli.js';
import { git, makeLocalRepo } from '../support/git.js';
import { deployment, redisList, scaledObject, writeConfig } from '../support/config.js';

const servers = inject('servers');
const WINDOW = 2;
const COOLDOWN = 4;

async function commits(dir: string): Promise<{ subject: string; at: number }[]> {
  const out = await git(dir, 'log', '--format=%ct %s', 'main');
  return out
    .trim()
    .split('\n')
    .map((l) => ({ at: Number(l.slice(0, l.indexOf(' '))), subject: l.slice(l.indexOf(' ') + 1) }));
}

async function until(what: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('gitscale run: timing', () => {
  it('0→4 on work, 4→1 after the scale-down window, 1→0 after the cooldown', async () => {
    const redis = new Redis(servers.REDIS_ADDRESS);
    const list = `timing-${Date.now()}`;
    await redis.rpush(list, ...Array.from({ length: 20 }, (_, i) => `j${i}`));
    const dir = await makeLocalRepo({ 'a.yaml': deployment('a', 0) });
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url: dir }],
      scaledObjects: [
        scaledObject({
          name: 'a',
          path: 'a.yaml',
          triggers: [redisList(servers.REDIS_ADDRESS, list)],
          spec: {
            pollingInterval: 1,
            cooldownPeriod: COOLDOWN,
            advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: WINDOW } } } },
          },
        }),
      ],
    });
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    const running = runGitscale(['run', '--config', config], {}, stopped);
    try {
      await until(async () => (await commits(dir)).length === 2, 10_000);
      await redis.del(list);
      const drained = Date.now() / 1000;
      await until(async () => (await commits(dir)).length === 4, 20_000);
      const log = await commits(dir);
      expect(log.map((c) => c.subject)).toEqual([
        'scale default/a 1→0 (no activity for cooldownPeriod 4 s)',
        'scale default/a 4→1 (redis: 0 items / 5)',
        'scale default/a 0→4 (redis: 20 items / 5)',
        'initial',
      ]);
      const [toZero, down] = log;
      // Commit times have 1 s resolution; the poll adds up to 1 s.
      expect(down.at).toBeGreaterThanOrEqual(Math.floor(drained + WINDOW) - 1);
      expect(down.at).toBeLessThanOrEqual(Math.ceil(drained + WINDOW) + 5);
      expect(toZero.at).toBeGreaterThanOrEqual(Math.floor(drained + COOLDOWN) - 1);
      expect(toZero.at).toBeLessThanOrEqual(Math.ceil(drained + COOLDOWN) + 5);
      expect(toZero.at).toBeGreaterThanOrEqual(down.at);
    } finally {
      stop();
      expect((await running).code).toBe(0);
      await redis.quit();
    }
  }, 40_000);
});
