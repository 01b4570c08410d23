// checkTargets against real repositories: problems (the target cannot be read) and warnings (it
// reads, but what is there would misbehave downstream) come back separately.
import * as fs from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.js';
import type { Config } from '../../src/config/types.js';
import { openLocal } from '../../src/git/local.js';
import { openRemote } from '../../src/git/remote.js';
import { checkTargets } from '../../src/reconciler/target/check.js';
import { makeLocalRepo } from '../support/git.js';

const clock = { now: () => 0 };
const made: string[] = [];
afterAll(() => Promise.all(made.map((d) => fs.promises.rm(d, { recursive: true, force: true }))));

const deployment = (replicas: string, kind = 'Deployment') =>
  `apiVersion: apps/v1\nkind: ${kind}\nmetadata:\n  name: consumer\nspec:\n  replicas: ${replicas}\n`;

async function configFor(files: Record<string, string>, annotations: Record<string, string>, kind?: string): Promise<Config> {
  const dir = await makeLocalRepo(files);
  made.push(dir);
  const r = validateConfig(
    {
      repositories: [{ name: 'm', url: dir }],
      scaledObjects: [
        {
          apiVersion: 'keda.sh/v1alpha1',
          kind: 'ScaledObject',
          metadata: { name: 'consumer', annotations: { 'gitscale.dev/repository': 'm', ...annotations } },
          spec: { scaleTargetRef: { name: 'consumer', kind }, triggers: [{ type: 'redis', metadata: {} }] },
        },
      ],
    },
    '/c.yaml',
  );
  expect(r.problems).toEqual([]);
  return r.config!;
}

const local = (repo: Config['repositories'][number]) => openLocal({ repository: repo.name, dir: repo.url, branch: repo.branch, fs, clock });

interface Row {
  name: string;
  input: { files: Record<string, string>; path: string; field?: string; kind?: string };
  want: unknown;
}

describe('checkTargets', () => {
  it.each<Row>([
    {
      name: 'a plain count: nothing to say',
      input: { files: { 'd.yaml': deployment('3') }, path: 'd.yaml' },
      want: { problems: [], warnings: [] },
    },
    {
      name: 'a quoted count in a Deployment: a warning (the API server rejects a string), not a problem',
      input: { files: { 'd.yaml': deployment('"3"') }, path: 'd.yaml' },
      want: {
        problems: [],
        warnings: [
          {
            object: 'default/consumer',
            file: 'd.yaml',
            field: 'spec.replicas',
            code: 'REPLICAS_QUOTED',
            message:
              'Deployment default/consumer at line 6: spec.replicas is the string "3"; the Kubernetes API server rejects a string for this integer field, so kubectl apply (Argo CD, Flux) will fail — write replicas: 3 without quotes (gitscale keeps the quotes it finds)',
          },
        ],
      },
    },
    {
      name: 'single quotes in a StatefulSet too',
      input: { files: { 's.yaml': deployment("'2'", 'StatefulSet') }, path: 's.yaml', kind: 'StatefulSet' },
      want: { problems: [], warnings: [expect.objectContaining({ file: 's.yaml', field: 'spec.replicas', code: 'REPLICAS_QUOTED' })] },
    },
    {
      name: 'a quoted count in a Helm values file is fine (the chart decides its type)',
      input: { files: { 'values.yaml': 'replicaCount: "3"\n' }, path: 'values.yaml', field: 'replicaCount' },
      want: { problems: [], warnings: [] },
    },
    {
      name: 'a values file without gitscale.dev/field: a problem naming the annotation',
      input: { files: { 'values.yaml': 'replicaCount: 3\n' }, path: 'values.yaml' },
      want: {
        problems: [
          expect.objectContaining({
            object: 'default/consumer',
            file: 'values.yaml',
            field: 'metadata.annotations["gitscale.dev/field"]',
            code: 'FIELD_REQUIRED',
          }),
        ],
        warnings: [],
      },
    },
    {
      name: 'a base Deployment without replicas that an overlay patches: REPLICAS_OVERRIDDEN naming the overlay and its patch',
      input: {
        files: {
          'base/deployment.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: consumer\nspec:\n  template: {}\n',
          'base/kustomization.yaml': 'resources: [deployment.yaml]\n',
          'overlays/prod/kustomization.yaml': 'resources: [../../base]\npatches:\n  - path: replicas.yaml\n',
          'overlays/prod/replicas.yaml': 'kind: Deployment\nmetadata: {name: consumer}\nspec: {replicas: 8}\n',
        },
        path: 'base/deployment.yaml',
      },
      want: {
        problems: [
          expect.objectContaining({
            object: 'default/consumer',
            file: 'base/deployment.yaml',
            code: 'REPLICAS_OVERRIDDEN',
            message: expect.stringContaining('overlays/prod/kustomization.yaml sets 8 (overlays/prod/replicas.yaml (patches[0]))'),
          }),
        ],
        warnings: [],
      },
    },
    {
      name: 'a base Deployment without replicas that no overlay patches: the default, nothing to say',
      input: {
        files: {
          'base/deployment.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: consumer\nspec:\n  template: {}\n',
          'base/kustomization.yaml': 'resources: [deployment.yaml]\n',
          'overlays/prod/kustomization.yaml': 'resources: [../../base]\nnamespace: prod\n',
        },
        path: 'base/deployment.yaml',
      },
      want: { problems: [], warnings: [] },
    },
    {
      name: 'a kustomization without an entry whose base is remote: REPLICAS_UNKNOWN on the kustomization',
      input: { files: { 'k/kustomization.yaml': 'resources:\n  - github.com/org/apps/base?ref=v1\n' }, path: 'k/kustomization.yaml' },
      want: {
        problems: [
          expect.objectContaining({
            object: 'default/consumer',
            file: 'k/kustomization.yaml',
            field: 'replicas[0].count',
            code: 'REPLICAS_UNKNOWN',
          }),
        ],
        warnings: [],
      },
    },
  ])('$name', async ({ input, want }) => {
    const config = await configFor(
      input.files,
      { 'gitscale.dev/path': input.path, ...(input.field ? { 'gitscale.dev/field': input.field } : {}) },
      input.kind,
    );
    expect(await checkTargets(config, local)).toEqual(want);
  });

  it('an unreachable remote is a problem on the repository url saying ECONNREFUSED host:port', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const r = validateConfig(
      {
        repositories: [{ name: 'm', url: `http://127.0.0.1:${port}/apps.git` }],
        scaledObjects: [
          {
            apiVersion: 'keda.sh/v1alpha1',
            kind: 'ScaledObject',
            metadata: { name: 'consumer', annotations: { 'gitscale.dev/repository': 'm', 'gitscale.dev/path': 'd.yaml' } },
            spec: { scaleTargetRef: { name: 'consumer' }, triggers: [{ type: 'redis', metadata: {} }] },
          },
        ],
      },
      '/c.yaml',
    );
    const dir = await fs.promises.mkdtemp(join(tmpdir(), 'gitscale-check-'));
    made.push(dir);
    const got = await checkTargets(r.config!, (repo) =>
      openRemote({ repository: repo.name, url: repo.url, branch: repo.branch, dir: join(dir, 'ws'), fs, clock }),
    );
    expect(got.warnings).toEqual([]);
    expect(got.problems).toEqual([
      expect.objectContaining({ object: 'repository m', file: '/c.yaml', field: 'repositories[0].url', code: 'GIT_UNREACHABLE' }),
    ]);
    expect(got.problems[0].message).toBe(
      `repository 'm' (http://127.0.0.1:${port}/apps.git): cannot fetch branch 'main': connect ECONNREFUSED 127.0.0.1:${port}`,
    );
  });
});
