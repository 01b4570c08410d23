// A push storm's parts, shared by test/chaos and bench/storm.ts: a seeded random source (a failing
// run replays with its seed) and a person pushing to a branch every ~50 ms.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from './temp.js';

const run = promisify(execFile);

/** mulberry32: a small seeded generator, so a failing run can be replayed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A person pushing a commit every 50 ms until `until` (a time, or a test saying the storm is over; at least one commit, however slow the clone); rebases on a rejection. Returns the commits that landed. */
export async function person(
  name: string,
  url: string,
  until: number | (() => boolean),
  random: () => number,
  onLanded?: () => void,
): Promise<string[]> {
  const over = typeof until === 'number' ? () => Date.now() >= until : until;
  const dir = await tempDir(`storm-${name}`);
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: name,
    GIT_AUTHOR_EMAIL: `${name}@example.com`,
    GIT_COMMITTER_NAME: name,
    GIT_COMMITTER_EMAIL: `${name}@example.com`,
  };
  const g = (...args: string[]) => run('git', args, { cwd: dir, env });
  await run('git', ['clone', '-q', url, dir], { env });
  const landed: string[] = [];
  for (let n = 0; n === 0 || !over(); n++) {
    fs.writeFileSync(join(dir, `${name}.txt`), `${n}\n`);
    await g('commit', '-q', '-am', `${name} ${n}`).catch(async () => {
      await g('add', '-A');
      await g('commit', '-q', '-m', `${name} ${n}`);
    });
    for (;;) {
      try {
        await g('push', '-q', 'origin', 'HEAD:main');
        landed.push((await g('rev-parse', 'HEAD')).stdout.trim());
        onLanded?.();
        break;
      } catch {
        await g('pull', '-q', '--rebase', 'origin', 'main');
      }
    }
    await sleep(50 * (0.5 + random()));
  }
  return landed;
}

/**
 * How long the slowest person took per commit they landed during the storm (ms): native git's pace
 * under this very storm on this machine, the yardstick liveness bounds grow with. gitscale starves
 * when it lands less often than the people do, not when the machine slows everyone down.
 */
export function personCycle(byPerson: string[][], stormMs: number): number {
  return stormMs / Math.max(1, Math.min(...byPerson.map((p) => p.length)));
}
