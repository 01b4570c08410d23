// /healthz and /readyz under `run`: what each answers from the runner's heartbeat, its first ticks,
// the write gate (leader election) and the objects whose target cannot be read.
import { describe, expect, it } from 'vitest';
import { createProbes, healthz, readyz, type Probed, type Ticking } from '../../src/server/probes.js';

const runner = (lastBeat: number, ticked: string[] = []): Ticking => ({ lastBeat: () => lastBeat, ticked: () => new Set(ticked) });
const config: Probed = {
  repositories: [{ name: 'apps' }, { name: 'infra' }, { name: 'empty' }],
  objects: [
    { key: 'default/a', repository: 'apps' },
    { key: 'default/b', repository: 'apps' },
    { key: 'ops/c', repository: 'infra' },
  ],
};
const gone = (file: string) => ({ code: 'MANIFEST_FILE_NOT_FOUND' as const, message: 'gone', file });

describe('healthz', () => {
  it('alive while the heartbeat turned less than 30 s ago, and says for how long it has not', () => {
    expect(healthz(runner(1_000), 30_999)).toEqual({ ok: true });
    expect(healthz(runner(1_000), 31_000)).toEqual({ ok: false, reason: 'the heartbeat has not turned for 30 s' });
    expect(healthz(runner(0), 95_400)).toEqual({ ok: false, reason: 'the heartbeat has not turned for 95 s' });
  });
});

describe('readyz', () => {
  it('waits for the first tick of every repository holding an object (one without objects is not waited for)', () => {
    expect(readyz(config, runner(0, ['apps']), undefined, new Map())).toEqual({ ok: false, reason: 'first tick not done yet: infra' });
    expect(readyz(config, runner(0, []), undefined, new Map())).toEqual({ ok: false, reason: 'first tick not done yet: apps, infra' });
    expect(readyz(config, runner(0, ['apps', 'infra']), undefined, new Map())).toEqual({ ok: true, detail: [] });
  });

  it('only the repositories this replica writes count; a standby (it writes none) is ready', () => {
    expect(readyz(config, runner(0, ['infra']), (r) => r === 'infra', new Map())).toEqual({ ok: true, detail: [] });
    expect(readyz(config, runner(0, []), () => false, new Map())).toEqual({ ok: true, detail: [] });
  });

  it('lists the objects that cannot run while one still can; not ready when none of its own can', () => {
    const some = new Map([['default/a', gone('a.yaml')]]);
    expect(readyz(config, runner(0, ['apps', 'infra']), undefined, some)).toEqual({
      ok: true,
      detail: ['cannot run: default/a (MANIFEST_FILE_NOT_FOUND, apps:a.yaml): gone'],
    });
    const all = new Map([
      ['default/a', gone('a.yaml')],
      ['default/b', gone('b.yaml')],
    ]);
    expect(readyz(config, runner(0, ['apps', 'infra']), undefined, all)).toEqual({
      ok: true,
      detail: [
        'cannot run: default/a (MANIFEST_FILE_NOT_FOUND, apps:a.yaml): gone',
        'cannot run: default/b (MANIFEST_FILE_NOT_FOUND, apps:b.yaml): gone',
      ],
    });
    // This replica writes apps alone: none of its objects can run.
    expect(readyz(config, runner(0, ['apps']), (r) => r === 'apps', all)).toEqual({
      ok: false,
      reason:
        'no object can run\ncannot run: default/a (MANIFEST_FILE_NOT_FOUND, apps:a.yaml): gone\ncannot run: default/b (MANIFEST_FILE_NOT_FOUND, apps:b.yaml): gone',
    });
  });
});

describe('createProbes', () => {
  it('alive and starting until started; then what the runner, the running config and the reconciler show, read at each request', () => {
    let now = 0;
    let current: Probed = config;
    const probes = createProbes(() => now);
    expect([probes.healthz(), probes.readyz()]).toEqual([{ ok: true }, { ok: false, reason: 'starting' }]);
    probes.started({ runner: runner(0, ['apps', 'infra']), config: () => current, unrunnable: () => new Map() });
    expect([probes.healthz(), probes.readyz()]).toEqual([{ ok: true }, { ok: true, detail: [] }]);
    now = 40_000;
    current = { repositories: [...config.repositories, { name: 'new' }], objects: [...config.objects, { key: 'x/d', repository: 'new' }] };
    expect([probes.healthz(), probes.readyz()]).toEqual([
      { ok: false, reason: 'the heartbeat has not turned for 40 s' },
      { ok: false, reason: 'first tick not done yet: new' },
    ]);
  });
});
