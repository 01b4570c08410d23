// Finding an object's file: the named file, or the one file under a directory with its marker.
import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ObjectConfig } from '../../src/config/types.js';
import { openLocal } from '../../src/git/local.js';
import type { Workspace } from '../../src/git/types.js';
import { locateTarget } from '../../src/reconciler/target/locate.js';
import type { ObjectState } from '../../src/reconciler/state.js';
import { git, makeLocalRepo } from '../support/git.js';

const clock = { now: () => 0 };
const obj = (path: string): ObjectConfig => ({
  key: 'default/consumer',
  namespace: 'default',
  name: 'consumer',
  repository: 'm',
  path,
  annotations: {},
  review: {},
  directPatch: true,
  target: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'consumer' },
  spec: { pollingInterval: 30, cooldownPeriod: 300, initialCooldownPeriod: 0, minReplicaCount: 0, maxReplicaCount: 100 },
  triggers: [],
});

/** Counts the blobs read, to see the directory scan happen or not. */
function counting(ws: Workspace): { ws: Workspace; reads: () => number } {
  let n = 0;
  return { ws: { ...ws, read: (p) => (n++, ws.read(p)) }, reads: () => n };
}

describe('locateTarget', () => {
  it('reads the named file directly', async () => {
    const dir = await makeLocalRepo({ 'a.yaml': 'x: 1\n' });
    const ws = openLocal({ repository: 'm', dir, branch: 'main', fs, clock });
    expect(await locateTarget(obj('a.yaml'), ws, {})).toEqual({ file: 'a.yaml', text: 'x: 1\n' });
  });

  it('scans a directory once and reuses the answer while its tree is unchanged', async () => {
    const files: Record<string, string> = {
      'd/other.yaml': 'n: 3\n',
      'd/x/t.yaml': 'w:\n  replicas: 2 # {"$gitscale": "default/consumer"}\n',
      'd/notes.txt': 'replicas: 9 # {"$gitscale": "default/consumer"}\n',
    };
    for (let i = 0; i < 20; i++) files[`d/f${i}.yaml`] = `k: ${i}\n`;
    const dir = await makeLocalRepo(files);
    const local = openLocal({ repository: 'm', dir, branch: 'main', fs, clock });
    const { ws, reads } = counting(local);
    const cache: ObjectState = {};
    expect((await locateTarget(obj('d'), ws, cache)).file).toBe('d/x/t.yaml');
    const scan = reads();
    expect(scan).toBeGreaterThan(20);
    await locateTarget(obj('d'), ws, cache);
    expect(reads() - scan).toBe(2); // the path itself (a directory: null) and the remembered file
    // A change under the directory invalidates the answer: the marker moved.
    fs.writeFileSync(join(dir, 'd/x/t.yaml'), 'w:\n  replicas: 2\n');
    fs.writeFileSync(join(dir, 'd/f3.yaml'), 'k: 5 # {"$gitscale": "default/consumer"}\n');
    await git(dir, 'commit', '-qam', 'move marker');
    await ws.sync();
    expect((await locateTarget(obj('d'), ws, cache)).file).toBe('d/f3.yaml');
  });

  it('names a path that is neither file nor directory, and a directory without the marker', async () => {
    const dir = await makeLocalRepo({ 'd/a.yaml': 'x: 1\n' });
    const ws = openLocal({ repository: 'm', dir, branch: 'main', fs, clock });
    await expect(locateTarget(obj('nope'), ws, {})).rejects.toMatchObject({ code: 'MANIFEST_FILE_NOT_FOUND' });
    await expect(locateTarget(obj('d'), ws, {})).rejects.toMatchObject({
      code: 'MARKER_NOT_FOUND',
      message: expect.stringContaining('# {"$gitscale": "default/consumer"}'),
    });
  });
});
