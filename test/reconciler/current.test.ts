// The count Git holds as the rendered manifests carry it: written counts as they are, a missing
// kustomize entry through the layers below, and a refusal wherever the count would be a guess.
import { describe, expect, it } from 'vitest';
import { readCurrent } from '../../src/reconciler/target/current.js';

const files: Record<string, string> = {
  'base/kustomization.yaml': 'resources: [deployment.yaml]\n',
  'base/deployment.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: consumer}\nspec:\n  replicas: 2\n',
  'overlays/prod/kustomization.yaml': 'resources: [../../base]\npatches:\n  - path: replicas.yaml\n',
  'overlays/prod/replicas.yaml': 'kind: Deployment\nmetadata: {name: consumer}\nspec:\n  replicas: 8\n',
};
const reads: string[] = [];
const read = async (p: string) => {
  reads.push(p);
  return files[p] ?? null;
};
const deployment = { kind: 'Deployment', name: 'consumer', namespace: 'default' };

describe('readCurrent', () => {
  it('a kustomization without an entry: the count its layers render, and where it comes from', async () => {
    const f = await readCurrent(files['overlays/prod/kustomization.yaml'], deployment, 'overlays/prod/kustomization.yaml', read);
    expect(f).toMatchObject({
      replicas: 8,
      explicit: false,
      format: 'kustomize',
      field: 'replicas[0].count',
      source: 'overlays/prod/replicas.yaml (patches[0])',
    });
  });

  it('a written count is read as written, without reading any other file', async () => {
    reads.length = 0;
    const text = 'resources: [../../base]\nreplicas:\n  - name: consumer\n    count: 3\n';
    expect(await readCurrent(text, deployment, 'overlays/prod/kustomization.yaml', read)).toMatchObject({ replicas: 3, explicit: true });
    expect(reads).toEqual([]);
  });

  it("a Deployment without spec.replicas: 1, the API server's default", async () => {
    const text = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: consumer}\nspec:\n  template: {}\n';
    expect(await readCurrent(text, deployment, 'd.yaml', read)).toMatchObject({
      replicas: 1,
      explicit: false,
      source: expect.stringContaining('default'),
    });
  });

  it.each([
    {
      name: 'a kind whose default gitscale does not know',
      text: 'apiVersion: example.com/v1\nkind: Worker\nmetadata: {name: consumer}\nspec:\n  size: 2\n',
      target: { ...deployment, kind: 'Worker' },
      file: 'w.yaml',
      message: /w\.yaml has no spec\.replicas, and gitscale does not know what a Worker defaults to/,
    },
    {
      name: 'an Argo CD Application kustomize block without an entry',
      text: 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: consumer}\nspec:\n  source:\n    path: apps/consumer\n    kustomize:\n      namePrefix: prod-\n',
      target: deployment,
      file: 'app.yaml',
      message: /spec\.source\.kustomize\.replicas in app\.yaml has no entry for consumer.*its source, which gitscale does not read/,
    },
    {
      name: 'a kustomization whose resource is missing',
      text: 'resources: [../gone]\n',
      target: deployment,
      file: 'overlays/prod/kustomization.yaml',
      message:
        /overlays\/prod\/kustomization\.yaml has no replicas entry for consumer, and the count it renders cannot be known: resource '\.\.\/gone'.*add replicas: \[\{name: consumer/,
    },
  ])('refused with REPLICAS_UNKNOWN: $name', async ({ text, target, file, message }) => {
    const e = await readCurrent(text, target, file, read).catch(
      (x: unknown) => x as Error & { code: string; data: Record<string, unknown> },
    );
    expect(e).toMatchObject({ code: 'REPLICAS_UNKNOWN', data: { file } });
    expect((e as Error).message).toMatch(message);
  });
});
