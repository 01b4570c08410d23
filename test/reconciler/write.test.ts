// Writing decisions through a real remote workspace while a person pushes in between.
import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import type { ObjectConfig } from '../../src/config/types.js';
import { decide } from '../../src/engine/decide.js';
import { openRemote } from '../../src/git/remote.js';
import type { Workspace } from '../../src/git/types.js';
import { silentLogger } from '../../src/log.js';
import { writeChanges, type Change } from '../../src/reconciler/executors/write.js';
import { humanCommit, log, makeServedRepo, show } from '../support/git.js';
import { deployment } from '../support/config.js';
import { tempDir } from '../support/temp.js';

const servers = inject('servers');
const clock = { now: () => Date.UTC(2026, 10, 27) };
const author = { name: 'gitscale', email: 'gitscale@localhost' };

const obj = (name: string): ObjectConfig => ({
  key: `default/${name}`,
  namespace: 'default',
  name,
  repository: 'm',
  path: `${name}.yaml`,
  annotations: {},
  review: {},
  directPatch: true,
  target: { apiVersion: 'apps/v1', kind: 'Deployment', name },
  spec: { pollingInterval: 30, cooldownPeriod: 300, initialCooldownPeriod: 0, minReplicaCount: 0, maxReplicaCount: 100 },
  triggers: [{ type: 'redis', name: 'redis', metadata: {}, metricType: 'AverageValue' }],
});
const change = (name: string, current: number, value: number): Change => {
  const decision = decide({
    spec: obj(name).spec,
    current,
    now: clock.now(),
    triggers: [
      {
        name: 'redis',
        type: 'redis',
        metricType: 'AverageValue',
        target: 5,
        activationTarget: 0,
        unit: 'items',
        sample: { ok: true, value, active: value > 0 },
      },
    ],
  });
  return {
    obj: obj(name),
    ev: { kind: 'decided', decision, file: `${name}.yaml`, field: 'spec.replicas', live: null, liveError: null, result: {} as never },
  };
};

/** A workspace whose first push attempt loses a race against `race()`. */
function racing(ws: Workspace, race: () => Promise<void>): Workspace {
  return {
    ...ws,
    write: (edit, a) =>
      ws.write(async (read, attempt) => {
        if (attempt === 1) await race();
        return edit(read, attempt);
      }, a),
  };
}

describe('writeChanges', () => {
  it('a human commit to another file lands first; the decision is re-applied on top and both survive', async () => {
    const { bare, url } = await makeServedRepo(servers, { 'a.yaml': deployment('a', 0), 'notes.md': 'v1\n' });
    const ws = openRemote({ repository: 'm', url, branch: 'main', dir: join(await tempDir('ws'), 'r'), fs, clock, sleep: async () => {} });
    await ws.sync();
    const w = await writeChanges(
      racing(ws, async () => void (await humanCommit(bare, { 'notes.md': 'v2\n' }, 'human: notes'))),
      [change('a', 0, 20)],
      author,
      silentLogger,
    );
    expect(w.applied).toEqual(['default/a']);
    expect(w.result?.attempts).toBe(2);
    expect(await log(bare)).toEqual(['scale default/a 0→4 (redis: 20 items / 5)', 'human: notes', 'initial']);
    expect(await show(bare, 'main', 'notes.md')).toBe('v2\n');
    expect(await show(bare, 'main', 'a.yaml')).toContain('replicas: 4 # gitscale');
  });

  it('a human who changed the same replica count wins: that object is left for the next tick, the other lands', async () => {
    const { bare, url } = await makeServedRepo(servers, { 'a.yaml': deployment('a', 0), 'b.yaml': deployment('b', 1) });
    const ws = openRemote({ repository: 'm', url, branch: 'main', dir: join(await tempDir('ws'), 'r'), fs, clock, sleep: async () => {} });
    await ws.sync();
    const w = await writeChanges(
      racing(ws, async () => void (await humanCommit(bare, { 'a.yaml': deployment('a', 7) }, 'human: a to 7'))),
      [change('a', 0, 20), change('b', 1, 10)],
      author,
      silentLogger,
    );
    expect(w.applied).toEqual(['default/b']);
    expect(w.skipped).toEqual(['default/a']);
    expect(await show(bare, 'main', 'a.yaml')).toContain('replicas: 7');
    expect(await show(bare, 'main', 'b.yaml')).toContain('replicas: 2');
    expect(await log(bare)).toEqual(['scale default/b 1→2 (redis: 10 items / 5)', 'human: a to 7', 'initial']);
  });

  it('a file the edit cannot parse fails only its object', async () => {
    const { bare, url } = await makeServedRepo(servers, { 'a.yaml': deployment('a', 0), 'b.yaml': deployment('b', 1) });
    const ws = openRemote({ repository: 'm', url, branch: 'main', dir: join(await tempDir('ws'), 'r'), fs, clock, sleep: async () => {} });
    await ws.sync();
    const w = await writeChanges(
      racing(ws, async () => void (await humanCommit(bare, { 'a.yaml': 'kind: [broken\n' }))),
      [change('a', 0, 20), change('b', 1, 10)],
      author,
      silentLogger,
    );
    expect(w.applied).toEqual(['default/b']);
    expect((w.failed.get('default/a') as { code: string }).code).toBe('MANIFEST_YAML_INVALID');
    expect(await show(bare, 'main', 'a.yaml')).toBe('kind: [broken\n');
  });
});
