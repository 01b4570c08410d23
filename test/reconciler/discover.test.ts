// Discovery over a real repository: the ScaledObjects committed in it with their defaults filled
// in; a steady repository is not read again, and a change re-reads only the directories it touched.
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RepositoryConfig } from '../../src/config/types.js';
import { openLocal } from '../../src/git/local.js';
import type { Workspace } from '../../src/git/types.js';
import { createDiscoverer } from '../../src/reconciler/runtime/discover.js';
import { deployment } from '../support/config.js';
import { git, makeLocalRepo, writeTree } from '../support/git.js';

const clock = { now: () => 0 };
const repo = { name: 'manifests', discover: true } as RepositoryConfig;
const so = (name: string, annotations: Record<string, string> = {}, target = name) =>
  `apiVersion: gitscale.dev/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: ${name}\n  annotations: ${JSON.stringify(annotations)}\nspec:\n  scaleTargetRef:\n    name: ${target}\n  triggers: []\n`;

function counting(ws: Workspace): { ws: Workspace; reads: string[] } {
  const reads: string[] = [];
  return { ws: { ...ws, read: (p) => (reads.push(p), ws.read(p)) }, reads };
}

describe('createDiscoverer', () => {
  it('fills in repository and path, keeps what the object says, reports ambiguity naming the file; re-reads only what changed', async () => {
    const dir = await makeLocalRepo({
      'apps/web/deployment.yaml': deployment('web', 1),
      'apps/web/scaledobject.yaml': so('web'),
      'apps/api/deployment.yaml': deployment('api', 1),
      'apps/api/scaling.yaml': so('api', { 'gitscale.dev/path': 'apps/api/deployment.yaml' }),
      'apps/dup/a.yaml': deployment('dup', 1),
      'apps/dup/b.yaml': deployment('dup', 1),
      'apps/dup/so.yaml': so('dup'),
      'other/elsewhere.yaml': so('far', { 'gitscale.dev/repository': 'infra' }),
      'docs/readme.md': 'kind: ScaledObject\n',
    });
    const { ws, reads } = counting(openLocal({ repository: 'manifests', dir, branch: 'main', fs, clock }));
    await ws.sync();
    const d = createDiscoverer();
    const found = await d.scan(repo, ws);
    const byName = Object.fromEntries(found.objects.map((o) => [(o.raw.metadata as { name: string }).name, o]));
    expect(Object.keys(byName).sort()).toEqual(['api', 'far', 'web']);
    expect(byName.web).toMatchObject({
      repository: 'manifests',
      path: 'apps/web/scaledobject.yaml',
      raw: { metadata: { annotations: { 'gitscale.dev/repository': 'manifests', 'gitscale.dev/path': 'apps/web/deployment.yaml' } } },
    });
    expect((byName.api.raw.metadata as { annotations: object }).annotations).toEqual({
      'gitscale.dev/repository': 'manifests',
      'gitscale.dev/path': 'apps/api/deployment.yaml',
    });
    // Another repository's object: nothing of this one is assumed for it.
    expect((byName.far.raw.metadata as { annotations: object }).annotations).toEqual({ 'gitscale.dev/repository': 'infra' });
    expect(found.problems).toEqual([
      {
        object: 'default/dup',
        file: 'apps/dup/so.yaml in repository manifests',
        field: 'metadata.annotations["gitscale.dev/path"]',
        code: 'DISCOVER_AMBIGUOUS',
        message: '2 files in apps/dup/ define Deployment dup: apps/dup/a.yaml, apps/dup/b.yaml; set gitscale.dev/path to one of them',
      },
    ]);
    expect(reads).not.toContain('docs/readme.md');
    expect(reads).toHaveLength(8);

    // Nothing committed since: the same answer, nothing read.
    reads.length = 0;
    await ws.sync();
    expect(await d.scan(repo, ws)).toBe(found);
    expect(reads).toEqual([]);

    // A commit in apps/dup/ re-reads that directory only (its parents hold no YAML of their own).
    await git(dir, 'rm', '-q', 'apps/dup/b.yaml');
    await writeTree(dir, { 'apps/dup/so.yaml': so('dup') + '# touched\n' });
    await git(dir, 'commit', '-qam', 'one dup');
    await ws.sync();
    const again = await d.scan(repo, ws);
    expect(reads.sort()).toEqual(['apps/dup/a.yaml', 'apps/dup/so.yaml']);
    expect(again.problems).toEqual([]);
    expect(again.objects.find((o) => (o.raw.metadata as { name: string }).name === 'dup')?.raw.metadata).toMatchObject({
      annotations: { 'gitscale.dev/path': 'apps/dup/a.yaml' },
    });
  });
});
