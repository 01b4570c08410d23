// run's config file on a real file: a reload on SIGHUP and on a change of its text, validated
// first (a refused one is logged and the running config kept), one at a time with the others.
import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Config, ConfigProblem } from '../../../src/config/types.js';
import type { Logger } from '../../../src/log.js';
import { hasWork, readText, serially, watchConfigFile, type Why } from '../../../src/reconciler/sources/file.js';
import type { Loaded } from '../../../src/reconciler/sources/load.js';
import { tempDir } from '../../support/temp.js';

/** A config the loader gives back (only what the file module reads of it). */
const config = (objects: number, more: Partial<Config> = {}) =>
  ({ file: 'f', objects: Array.from({ length: objects }, (_, i) => ({ key: `o${i}` })), repositories: [], ...more }) as unknown as Config;
const problem: ConfigProblem = {
  object: 'default/a',
  file: 'f',
  field: 'spec.minReplicaCount',
  code: 'CONFIG_RANGE',
  message: 'must be ≥ 0',
};

/**
 * Writes `text` until `seen`: watchFile takes its first look asynchronously, and a write that lands
 * before it is where it starts from, not a change. Writing the same text again is no change to run.
 */
async function change(path: string, text: string, seen: () => boolean): Promise<void> {
  for (const started = Date.now(); !seen(); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() - started > 10_000) throw new Error(`the change to '${text}' was not seen`);
    fs.writeFileSync(path, text);
  }
}

/** The config file watched with a loader that answers `answers` in turn, recording what it logs and accepts. */
async function watched(answers: (Loaded | Error)[]) {
  const path = join(await tempDir('config-file'), 'gitscale.yaml');
  fs.writeFileSync(path, 'one');
  const lines: string[] = [];
  const log: Logger = {
    debug() {},
    info() {},
    warn: (m, f) => void lines.push(`warn ${m} ${JSON.stringify(f)}`),
    error: (m, f) => void lines.push(`error ${m} ${JSON.stringify(f)}`),
  };
  const accepted: [Config, string | null, Why][] = [];
  const loads: string[] = [];
  let hup: (() => void) | undefined;
  let signalStopped = false;
  const queue = serially();
  const file = watchConfigFile({
    path,
    fs,
    pollMs: 20,
    text: 'one',
    log,
    queue,
    onSignal: (fn) => {
      hup = fn;
      return () => void (signalStopped = true);
    },
    load: async (p) => {
      loads.push(fs.readFileSync(p, 'utf8'));
      const a = answers.shift() ?? new Error('no more answers');
      if (a instanceof Error) throw a;
      return a;
    },
    onAccepted: async (c, text, why) => void accepted.push([c, text, why]),
  });
  return { path, lines, accepted, loads, queue, file, hup: () => hup!(), signalStopped: () => signalStopped };
}
const ok = (c: Config, warnings: ConfigProblem[] = []): Loaded => ({ config: c, problems: [], warnings, envMissing: [] });

describe('watchConfigFile', () => {
  it('a change of the text reloads; a poll that finds the same text (touched) does not; SIGHUP reloads the same text', async () => {
    const next = config(1);
    const w = await watched([ok(next), ok(next)]);
    try {
      await change(w.path, 'second', () => w.accepted.length === 1);
      expect(w.accepted).toEqual([[next, 'second', 'file changed']]);
      fs.utimesSync(w.path, new Date(), new Date(Date.now() + 5_000));
      await new Promise((r) => setTimeout(r, 200));
      expect(w.loads).toEqual(['second']);
      w.hup();
      await w.queue.idle();
      expect(w.accepted.map((a) => [a[1], a[2]])).toEqual([
        ['second', 'file changed'],
        ['second', 'SIGHUP'],
      ]);
    } finally {
      w.file.stop();
    }
  });

  it("a reload with problems, or with nothing to run, is refused and logged; the accepted one's warnings are logged", async () => {
    const warning: ConfigProblem = { ...problem, code: 'CONFIG_UNKNOWN_ANNOTATION', message: 'unknown' };
    const w = await watched([
      { config: config(1), problems: [problem], warnings: [], envMissing: [] },
      ok(config(0)),
      ok(config(0, { watch: { namespaces: ['*'], kedaObjects: false } }), [warning]),
    ]);
    try {
      for (let i = 0; i < 3; i++) w.hup();
      await w.queue.idle();
      expect(w.lines).toEqual([
        `error config reload refused: keeping the running config ${JSON.stringify({ trigger: 'SIGHUP', object: 'default/a', file: 'f', field: 'spec.minReplicaCount', code: 'CONFIG_RANGE', error: 'must be ≥ 0' })}`,
        `error config reload refused: keeping the running config ${JSON.stringify({ trigger: 'SIGHUP', file: w.path, error: 'no valid ScaledObject' })}`,
        `warn config warning ${JSON.stringify({ object: 'default/a', file: 'f', field: 'spec.minReplicaCount', code: 'CONFIG_UNKNOWN_ANNOTATION', warning: 'unknown' })}`,
      ]);
      expect(w.accepted.map((a) => a[0].watch)).toEqual([{ namespaces: ['*'], kedaObjects: false }]);
    } finally {
      w.file.stop();
    }
  });

  it('a refused text is not reloaded again until it changes; a load that throws is logged and the next one still runs', async () => {
    const w = await watched([
      { config: null, problems: [problem], warnings: [], envMissing: [] },
      new Error('disk on fire'),
      ok(config(1)),
    ]);
    try {
      await change(w.path, 'refused', () => w.loads.length === 1);
      fs.utimesSync(w.path, new Date(), new Date(Date.now() + 5_000));
      await new Promise((r) => setTimeout(r, 200));
      expect(w.loads).toEqual(['refused']);
      w.hup();
      w.hup();
      await w.queue.idle();
      expect(w.lines.slice(1)).toEqual([
        `error config reload failed: keeping the running config ${JSON.stringify({ trigger: 'SIGHUP', file: w.path, error: 'disk on fire' })}`,
      ]);
      expect(w.accepted.map((a) => [a[1], a[2]])).toEqual([['refused', 'SIGHUP']]);
    } finally {
      w.file.stop();
    }
  });

  it('stop: the file is no longer watched and SIGHUP no longer listened to', async () => {
    const w = await watched([ok(config(1))]);
    w.file.stop();
    expect(w.signalStopped()).toBe(true);
    fs.writeFileSync(w.path, 'second');
    await new Promise((r) => setTimeout(r, 200));
    expect(w.loads).toEqual([]);
  });
});

describe('serially', () => {
  it('runs tasks one after another in the order given; a failure goes to its own handler and the next still runs', async () => {
    const q = serially();
    const seen: string[] = [];
    const slow = (name: string, ms: number) => async () => {
      seen.push(`${name} start`);
      await new Promise((r) => setTimeout(r, ms));
      seen.push(`${name} end`);
    };
    q.run(slow('a', 30), () => seen.push('a failed'));
    q.run(
      async () => {
        throw new Error('b');
      },
      (e) => seen.push(`b failed: ${(e as Error).message}`),
    );
    q.run(slow('c', 1), () => seen.push('c failed'));
    await q.idle();
    expect(seen).toEqual(['a start', 'a end', 'b failed: b', 'c start', 'c end']);
  });
});

describe('hasWork and readText', () => {
  it('something to run: an object, a cluster to watch, or a repository to discover', () => {
    expect(hasWork(config(0))).toBe(false);
    expect(hasWork(config(1))).toBe(true);
    expect(hasWork(config(0, { watch: { namespaces: ['*'], kedaObjects: false } }))).toBe(true);
    expect(hasWork(config(0, { repositories: [{ discover: true }] } as unknown as Partial<Config>))).toBe(true);
  });

  it('a file that cannot be read reads as null', async () => {
    const dir = await tempDir('config-file');
    fs.writeFileSync(join(dir, 'a'), 'text');
    expect([readText(fs, join(dir, 'a')), readText(fs, join(dir, 'missing'))]).toEqual(['text', null]);
  });
});
