// A push storm: three people pushing to the same branch every 50 ms (native git over git
// http-backend) while gitscale's workspace commits a decision every few hundred milliseconds.
// Every decision must land within 5 s, gitscale must land at least one commit every 2 s, and no
// human commit may be lost: only fast-forwards, no merge, no duplicate. On a slow machine the bounds
// grow with a baseline taken in the same run (a decision landing with no storm), as the benchmarks
// measure, and with the people's own pace under the storm (native git's time per commit landed), so
// the test fails when gitscale starves, not when the machine is busy. Seeded: a failing
// seed replays (STORM_SEED=<n>).
import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { openRemote } from '../../src/git/remote.js';
import { git, makeServedRepo } from '../support/git.js';
import { person, personCycle, seeded, sleep } from '../support/storm.js';
import { tempDir } from '../support/temp.js';

const servers = inject('servers');
const SEED = Number(process.env.STORM_SEED ?? Date.now() % 100_000);
const STORM_MS = 8_000;

describe(`push storm (seed ${SEED})`, () => {
  it('every decision lands within 5 s, one at least every 2 s; no human commit lost, fast-forward only, no duplicate', async () => {
    const random = seeded(SEED);
    const files = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`apps/app-${i}.yaml`, 'replicas: 1\n']));
    const { bare, url } = await makeServedRepo(servers, { ...files, 'alice.txt': '-\n', 'bob.txt': '-\n', 'carol.txt': '-\n' });
    const ws = openRemote({
      repository: 'storm',
      url,
      branch: 'main',
      dir: join(await tempDir('storm-ws'), 'repo'),
      fs,
      clock: { now: Date.now },
      random,
    });
    await ws.sync();
    // The baseline: the median of three decisions landing with nobody else pushing.
    const calm: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = Date.now();
      await ws.sync();
      await ws.write(async () => ({ files: { 'apps/app-0.yaml': `replicas: ${100 + i}\n` }, message: `calm ${i}\n` }), {
        name: 'gitscale',
        email: 'gitscale@localhost',
      });
      calm.push(Date.now() - t);
    }
    const baseline = calm.sort((a, b) => a - b)[1];
    const start = Date.now();
    const decisions: { made: number; landed: number; attempts: number; message: string }[] = [];
    // The storm lasts STORM_MS, longer on a machine so slow that by then no write of gitscale met a
    // human push and the people landed fewer than 12 commits (no contention tested yet); 4 × at most.
    let humansSoFar = 0;
    let end = 0;
    const over = () => {
      if (end) return true;
      const now = Date.now();
      const contended = humansSoFar >= 12 || decisions.some((x) => x.attempts > 1);
      if (now >= start + 4 * STORM_MS || (now >= start + STORM_MS && contended)) end = now;
      return end > 0;
    };
    const people = ['alice', 'bob', 'carol'].map((n) => person(n, url, over, seeded(SEED + n.length), () => humansSoFar++));
    try {
      for (let d = 0; !over(); d++) {
        const made = Date.now();
        const path = `apps/app-${d % 20}.yaml`;
        const message = `scale app-${d % 20} to ${d + 2} (decision ${d})\n`;
        await ws.sync();
        const res = await ws.write(async () => ({ files: { [path]: `replicas: ${d + 2}\n` }, message }), {
          name: 'gitscale',
          email: 'gitscale@localhost',
        });
        decisions.push({ made, landed: Date.now(), attempts: res!.attempts, message });
        await sleep(300 * (0.5 + random()));
      }
    } finally {
      // The people finish their storm whatever happened here (their clones are removed after the test).
      await Promise.allSettled(people);
    }
    const byPerson = await Promise.all(people);
    const humans = byPerson.flat();
    // The bounds grow with the calm baseline and with the people's own pace under the storm.
    const cycle = personCycle(byPerson, end - start);
    const latencyBound = Math.max(5_000, 40 * baseline, 3 * cycle);
    const gapBound = Math.max(2_000, 16 * baseline, 2 * cycle);
    const latency = decisions.map((x) => x.landed - x.made);
    const report = `seed ${SEED}: ${decisions.length} decisions, ${humans.length} human commits in ${end - start} ms; latency max ${Math.max(...latency)} ms, attempts max ${Math.max(...decisions.map((x) => x.attempts))}; calm ${calm.join('/')} ms, a person's commit every ${Math.round(cycle)} ms, bounds ${latencyBound}/${gapBound} ms`;
    // Liveness: every decision within 5 s (or 40 calm decisions, or 3 of a person's commits); no gap of 2 s (or 16 calm decisions, or 2 of a person's commits) without a gitscale commit.
    expect(Math.max(...latency), report).toBeLessThan(latencyBound);
    const landedAt = [start, ...decisions.map((x) => x.landed)];
    const gaps = landedAt.slice(1).map((t, i) => t - landedAt[i]);
    expect(Math.max(...gaps), report).toBeLessThan(gapBound);
    // A storm it was: every person landed commits while gitscale wrote (5-7/s between them on an
    // idle machine; a loaded one slows native git's processes far more than gitscale's writes).
    for (const landed of byPerson) expect(landed.length, report).toBeGreaterThanOrEqual(1);
    expect(Math.max(...decisions.map((x) => x.attempts)) > 1 || humans.length >= 12, `${report}: no write met a human push`).toBe(true);
    // Safety: every human commit is on main, there are no merges, each decision landed once.
    const onMain = new Set((await git(bare, 'rev-list', 'main')).trim().split('\n'));
    expect(
      humans.filter((c) => !onMain.has(c)),
      report,
    ).toEqual([]);
    expect((await git(bare, 'rev-list', '--merges', 'main')).trim()).toBe('');
    const subjects = (await git(bare, 'log', '--format=%s', 'main')).trim().split('\n');
    for (const x of decisions)
      expect(
        subjects.filter((s) => s === x.message.trim()),
        x.message,
      ).toHaveLength(1);
    for (let i = 0; i < 3; i++) expect(subjects.filter((s) => s === `calm ${i}`)).toHaveLength(1);
    await git(bare, 'fsck', '--strict');
  }, 60_000);
});
