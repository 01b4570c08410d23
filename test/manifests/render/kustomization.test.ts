// The count a kustomization renders for a workload, checked against what `kustomize build` gives
// for the same files (test/e2e/layouts.test.ts renders the e2e cases with the real kustomize).
import { describe, expect, it } from 'vitest';
import { renderedCount, type Count } from '../../../src/manifests/index.js';

const target = { kind: 'Deployment', name: 'consumer', namespace: 'default' };
const deployment = (replicas?: number | string, extra = '') =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: consumer\n  labels:\n    app: consumer\n${extra}spec:\n${replicas === undefined ? '' : `  replicas: ${replicas}\n`}  template: {}\n`;
const base = (replicas?: number | string) => ({
  'base/kustomization.yaml': 'resources:\n  - deployment.yaml\n',
  'base/deployment.yaml': deployment(replicas),
});

/** Render with every file at hand (rounds of reading are tested on their own below). */
function render(files: Record<string, string>, file = 'overlays/prod/kustomization.yaml', t = target): Count {
  for (let i = 0; i < 50; i++) {
    const r = renderedCount(file, t, (p) => files[p] ?? null);
    if (r.kind === 'count') return r.count;
  }
  throw new Error('render did not settle');
}

const overlay = (body: string, extra: Record<string, string> = {}) => ({ 'overlays/prod/kustomization.yaml': body, ...extra });

describe('renderedCount', () => {
  it.each([
    {
      name: "a patch file in the overlay sets the count (the issue's case: 8, not 1)",
      files: {
        ...base(2),
        ...overlay('resources:\n  - ../../base\npatches:\n  - path: replicas.yaml\n', {
          'overlays/prod/replicas.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: consumer\nspec:\n  replicas: 8\n',
        }),
      },
      want: { kind: 'set', n: 8, file: 'overlays/prod/replicas.yaml', how: 'patches[0]', by: 'patch' },
    },
    {
      name: "no patch: the base resource's own count",
      files: { ...base(3), ...overlay('resources:\n  - ../../base\n') },
      want: { kind: 'set', n: 3, file: 'base/deployment.yaml', line: 8, how: 'the resource', by: 'resource' },
    },
    {
      name: "no layer sets it: absent (the API server's default)",
      files: { ...base(), ...overlay('resources:\n- ../../base\n') },
      want: { kind: 'absent' },
    },
    {
      name: 'legacy bases and patchesStrategicMerge inline',
      files: {
        ...base(2),
        ...overlay(
          'bases:\n  - ../../base\npatchesStrategicMerge:\n  - |-\n    apiVersion: apps/v1\n    kind: Deployment\n    metadata:\n      name: consumer\n    spec:\n      replicas: 6\n',
        ),
      },
      want: { kind: 'set', n: 6, file: 'overlays/prod/kustomization.yaml', how: 'patchesStrategicMerge[0]', by: 'patch' },
    },
    {
      name: 'an inline JSON 6902 patch with a target',
      files: {
        ...base(2),
        ...overlay(
          'resources: [../../base]\npatches:\n  - target: {kind: Deployment, name: consumer}\n    patch: |-\n      - op: replace\n        path: /spec/replicas\n        value: 5\n',
        ),
      },
      want: { kind: 'set', n: 5, file: 'overlays/prod/kustomization.yaml', how: 'patches[0]', by: 'patch' },
    },
    {
      name: 'patchesJson6902 from a file',
      files: {
        ...base(2),
        ...overlay(
          'resources: [../../base]\npatchesJson6902:\n  - target: {group: apps, version: v1, kind: Deployment, name: consumer}\n    path: ops.yaml\n',
          { 'overlays/prod/ops.yaml': '- op: add\n  path: /spec/replicas\n  value: 7\n' },
        ),
      },
      want: { kind: 'set', n: 7, file: 'overlays/prod/ops.yaml', how: 'patchesJson6902[0]', by: 'patch' },
    },
    {
      name: 'a target by labelSelector reaches it; a name regex that does not match leaves it',
      files: {
        ...base(2),
        ...overlay(
          'resources: [../../base]\npatches:\n  - target: {labelSelector: "app=consumer"}\n    patch: |-\n      - {op: replace, path: /spec/replicas, value: 9}\n  - target: {name: "web.*"}\n    patch: |-\n      - {op: replace, path: /spec/replicas, value: 1}\n',
        ),
      },
      want: { kind: 'set', n: 9, file: 'overlays/prod/kustomization.yaml', how: 'patches[0]', by: 'patch' },
    },
    {
      name: 'a replicas entry in the base wins over the base resource',
      files: {
        'base/kustomization.yaml': 'resources:\n  - deployment.yaml\nreplicas:\n  - name: consumer\n    count: 5\n',
        'base/deployment.yaml': deployment(2),
        ...overlay('resources:\n  - ../../base\n'),
      },
      want: { kind: 'set', n: 5, file: 'base/kustomization.yaml', how: 'replicas[0]', by: 'replicas' },
    },
    {
      name: "an overlay patch wins over the base's replicas entry (the base is built first)",
      files: {
        'base/kustomization.yaml': 'resources:\n  - deployment.yaml\nreplicas:\n  - name: consumer\n    count: 5\n',
        'base/deployment.yaml': deployment(2),
        ...overlay(
          'resources:\n  - ../../base\npatches:\n  - patch: |-\n      apiVersion: apps/v1\n      kind: Deployment\n      metadata: {name: consumer}\n      spec: {replicas: 11}\n',
        ),
      },
      want: { kind: 'set', n: 11, file: 'overlays/prod/kustomization.yaml', how: 'patches[0]', by: 'patch' },
    },
    {
      name: 'a patch removing the count leaves the default',
      files: {
        ...base(4),
        ...overlay(
          'resources: [../../base]\npatches:\n  - target: {kind: Deployment}\n    patch: "- {op: remove, path: /spec/replicas}"\n',
        ),
      },
      want: { kind: 'absent' },
    },
    {
      name: "a component's patch",
      files: {
        ...base(2),
        ...overlay('resources: [../../base]\ncomponents: [../../components/big]\n'),
        'components/big/kustomization.yaml':
          'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n  - path: big.yaml\n',
        'components/big/big.yaml': 'kind: Deployment\nmetadata: {name: consumer}\nspec: {replicas: 12}\n',
      },
      want: { kind: 'set', n: 12, file: 'components/big/big.yaml', how: 'patches[0]', by: 'patch' },
    },
  ])('$name', ({ files, want }) => {
    expect(render(files)).toEqual(want);
  });

  it("a patch of what a generator makes (kustomize's springboot example) leaves the count known", () => {
    const files = {
      ...base(2),
      ...overlay(
        'resources: [../../base]\nconfigMapGenerator:\n  - name: demo-configmap\n    literals: [a=b]\npatches:\n  - path: patch.yaml\n',
        { 'overlays/prod/patch.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: demo-configmap}\ndata: {c: d}\n' },
      ),
    };
    expect(render(files)).toMatchObject({ kind: 'set', n: 2 });
  });

  it('follows namePrefix: the workload is named as it renders; a patch names it as written', () => {
    const files = {
      ...base(2),
      ...overlay(
        'resources: [../../base]\nnamePrefix: prod-\npatches:\n  - patch: |-\n      kind: Deployment\n      metadata: {name: consumer}\n      spec: {replicas: 3}\n',
      ),
    };
    expect(render(files, undefined, { ...target, name: 'prod-consumer' })).toMatchObject({ kind: 'set', n: 3 });
    expect(render(files)).toMatchObject({ kind: 'unknown', why: expect.stringContaining('it renders Deployment prod-consumer') });
  });

  it.each([
    {
      name: 'a patch target naming the namespace the object was written in (none: default), after an overlay moved it',
      files: {
        ...base(2),
        'mid/kustomization.yaml': 'resources: [../base]\nnamespace: prod\n',
        ...overlay(
          'resources: [../../mid]\npatches:\n  - target: {kind: Deployment, namespace: default}\n    patch: "- {op: replace, path: /spec/replicas, value: 7}"\n',
        ),
      },
      t: { ...target, namespace: 'prod' },
      want: 7,
    },
    {
      name: 'a strategic-merge patch naming the original namespace',
      files: {
        ...base(2),
        'mid/kustomization.yaml': 'resources: [../base]\nnamespace: prod\n',
        ...overlay(
          'resources: [../../mid]\npatches:\n  - patch: |-\n      kind: Deployment\n      metadata: {name: consumer, namespace: default}\n      spec: {replicas: 5}\n',
        ),
      },
      t: { ...target, namespace: 'prod' },
      want: 5,
    },
  ])('namespaces as kustomize matches them: $name', ({ files, t, want }) => {
    expect(render(files, undefined, t)).toMatchObject({ kind: 'set', n: want });
  });

  it('follows the kustomization namespace', () => {
    const files = { ...base(2), ...overlay('resources: [../../base]\nnamespace: prod\n') };
    expect(render(files, undefined, { ...target, namespace: 'prod' })).toMatchObject({ kind: 'set', n: 2 });
    expect(render(files)).toMatchObject({ kind: 'unknown' });
  });

  it.each([
    { name: 'a remote base', files: overlay('resources:\n  - https://github.com/org/repo//base?ref=v1\n'), why: /remote/ },
    { name: 'a remote base in go-getter form', files: overlay('resources:\n  - github.com/org/repo/base?ref=v1\n'), why: /remote/ },
    { name: 'a resource not in the repository', files: overlay('resources:\n  - ../../base\n'), why: /neither a file nor a directory/ },
    { name: 'a path out of the repository', files: overlay('resources:\n  - ../../../elsewhere\n'), why: /outside the repository/ },
    {
      name: 'a patch file that is missing',
      files: { ...base(2), ...overlay('resources: [../../base]\npatches:\n  - path: gone.yaml\n') },
      why: /gone\.yaml, which is not in this repository/,
    },
    {
      name: 'a replacement touching replicas',
      files: {
        ...base(2),
        ...overlay(
          'resources: [../../base]\nreplacements:\n  - source: {kind: ConfigMap, name: c, fieldPath: data.n}\n    targets:\n      - select: {kind: Deployment}\n        fieldPaths: [spec.replicas]\n',
        ),
      },
      why: /replacements\[0\].*may set replicas/,
    },
    {
      name: 'a JSON 6902 patch copying into replicas',
      files: {
        ...base(2),
        ...overlay(
          'resources: [../../base]\npatches:\n  - target: {kind: Deployment}\n    patch: "- {op: copy, from: /spec/x, path: /spec/replicas}"\n',
        ),
      },
      why: /copies a value into \/spec\/replicas/,
    },
    { name: 'a count that is not a number', files: { ...base('"{{ n }}"'), ...overlay('resources: [../../base]\n') }, why: /not a count/ },
    { name: 'a kustomization that includes itself', files: overlay('resources:\n  - .\n'), why: /includes itself/ },
    {
      name: 'a label selector gitscale cannot read',
      files: {
        ...base(2),
        ...overlay(
          'resources: [../../base]\npatches:\n  - target: {labelSelector: "app in consumer"}\n    patch: "- {op: replace, path: /spec/replicas, value: 2}"\n',
        ),
      },
      why: /not a selector gitscale can read/,
    },
    {
      name: 'a configuration that may widen the replicas list',
      files: {
        ...base(2),
        ...overlay('resources: [../../base]\nconfigurations: [rollout.yaml]\n', {
          'overlays/prod/rollout.yaml': 'replicas:\n  - path: spec/replicas\n    kind: Rollout\n',
        }),
      },
      why: /configurations\[0\].*may set replicas/,
    },
    {
      name: 'a patch without a target that reaches nothing (kustomize refuses the build)',
      files: {
        ...base(2),
        ...overlay(
          'resources: [../../base]\npatches:\n  - patch: |-\n      kind: Deployment\n      metadata: {name: other}\n      spec: {replicas: 5}\n',
        ),
      },
      why: /patches Deployment other, which nothing below it is/,
    },
    {
      name: 'a replicas entry that reaches nothing (kustomize refuses the build)',
      files: { ...base(2), ...overlay('resources: [../../base]\nreplicas:\n  - name: other\n    count: 3\n') },
      why: /replicas\[0\].*names other/,
    },
    {
      name: 'the workload deleted by a patch',
      files: {
        ...base(2),
        ...overlay(
          'resources: [../../base]\npatches:\n  - patch: |-\n      $patch: delete\n      kind: Deployment\n      metadata: {name: consumer}\n',
        ),
      },
      why: /does not render Deployment default\/consumer.*renders no Deployment/,
    },
  ])('unknown: $name', ({ files, why }) => {
    const c = render(files);
    expect(c.kind).toBe('unknown');
    expect(c.kind === 'unknown' && c.why).toMatch(why);
  });

  it('asks for the files it has not read, a layer at a time, and settles once they are read', () => {
    const files: Record<string, string> = {
      ...base(2),
      ...overlay('resources:\n  - ../../base\npatches:\n  - path: replicas.yaml\n', {
        'overlays/prod/replicas.yaml': 'kind: Deployment\nmetadata: {name: consumer}\nspec: {replicas: 8}\n',
      }),
    };
    const read = new Map<string, string | null>([['overlays/prod/kustomization.yaml', files['overlays/prod/kustomization.yaml']]]);
    const asked: string[][] = [];
    for (;;) {
      const r = renderedCount('overlays/prod/kustomization.yaml', target, (p) => read.get(p));
      if (r.kind === 'count') {
        expect(r.count).toMatchObject({ kind: 'set', n: 8 });
        break;
      }
      asked.push(r.paths);
      for (const p of r.paths) read.set(p, files[p] ?? null);
    }
    // A level of the tree per round: everything the overlay names, then everything the base names.
    expect(asked).toEqual([
      ['base', 'base/kustomization.yaml', 'base/kustomization.yml', 'base/Kustomization', 'overlays/prod/replicas.yaml'],
      [
        'base/deployment.yaml',
        'base/deployment.yaml/kustomization.yaml',
        'base/deployment.yaml/kustomization.yml',
        'base/deployment.yaml/Kustomization',
      ],
    ]);
  });

  it('an overlay of 40 applications renders in three rounds of reading, not one a file', () => {
    const files: Record<string, string> = {
      'apps/kustomization.yaml': `resources:\n${Array.from({ length: 40 }, (_, i) => `  - app-${i}\n`).join('')}`,
    };
    for (let i = 0; i < 40; i++) {
      files[`apps/app-${i}/kustomization.yaml`] = 'resources: [deployment.yaml]\n';
      files[`apps/app-${i}/deployment.yaml`] =
        `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app-${i}}\nspec: {replicas: ${i}}\n`;
    }
    const read = new Map<string, string | null>();
    let rounds = 0;
    for (;;) {
      const r = renderedCount('apps/kustomization.yaml', { ...target, name: 'app-39' }, (p) => read.get(p));
      if (r.kind === 'count') {
        expect(r.count).toMatchObject({ kind: 'set', n: 39 });
        break;
      }
      rounds++;
      for (const p of r.paths) read.set(p, files[p] ?? null);
    }
    expect(rounds).toBe(3);
  });
});
