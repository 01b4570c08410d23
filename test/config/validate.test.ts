import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateConfig } from '../../src/config/validate.js';

/** A value written inline where a secret does not belong (generated: no real key material in the repository). */
const INLINE_SECRET = `inline-test-secret-${randomBytes(8).toString('hex')}`;

const repos = [{ name: 'm', url: '/srv/manifests' }];
const so = (name: string, over: Record<string, unknown> = {}, annotations: Record<string, string> = {}) => ({
  apiVersion: 'keda.sh/v1alpha1',
  kind: 'ScaledObject',
  metadata: { name, annotations: { 'gitscale.dev/repository': 'm', 'gitscale.dev/path': `apps/${name}.yaml`, ...annotations } },
  spec: { scaleTargetRef: { name }, triggers: [{ type: 'redis', metadata: { listName: 'l' } }], ...over },
});

describe('validateConfig', () => {
  it('fills KEDA defaults', () => {
    const r = validateConfig({ repositories: repos, scaledObjects: [so('a')] }, '/c.yaml');
    const o = r.config!.objects[0];
    expect(o.key).toBe('default/a');
    expect(o.spec).toEqual({
      pollingInterval: 30,
      cooldownPeriod: 300,
      initialCooldownPeriod: 0,
      minReplicaCount: 0,
      maxReplicaCount: 100,
      idleReplicaCount: undefined,
      behavior: undefined,
    });
    expect(o.target).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'a' });
    expect(o.triggers[0]).toMatchObject({ name: 'redis', metricType: 'AverageValue' });
    expect(r.config!.repositories[0]).toMatchObject({
      kind: 'local',
      branch: 'main',
      author: { name: 'gitscale', email: 'gitscale@localhost' },
    });
  });

  it('defaults a behavior as the HPA API does', () => {
    const r = validateConfig(
      {
        repositories: repos,
        scaledObjects: [
          so('a', { advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } } } }),
        ],
      },
      '/c.yaml',
    );
    expect(r.config!.objects[0].spec.behavior).toEqual({
      scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: 'Max',
        policies: [
          { type: 'Pods', value: 4, periodSeconds: 15 },
          { type: 'Percent', value: 100, periodSeconds: 15 },
        ],
      },
      scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
    });
  });

  it('keeps the good objects when one is broken, and names the broken one', () => {
    const r = validateConfig({ repositories: repos, scaledObjects: [so('good'), so('bad', { minReplicaCount: 'x' })] }, '/c.yaml');
    expect(r.config!.objects.map((o) => o.key)).toEqual(['default/good']);
    expect(r.problems).toEqual([
      {
        object: 'default/bad',
        file: '/c.yaml',
        field: 'spec.minReplicaCount',
        message: 'must be an integer, got "x"',
        code: 'CONFIG_TYPE',
      },
    ]);
  });

  it('derives unique trigger names when none are given', () => {
    const r = validateConfig(
      {
        repositories: repos,
        scaledObjects: [
          so('a', {
            triggers: [
              { type: 'redis', metadata: {} },
              { type: 'redis', metadata: {} },
              { type: 'postgresql', metadata: {} },
            ],
          }),
        ],
      },
      '/c.yaml',
    );
    expect(r.config!.objects[0].triggers.map((t) => t.name)).toEqual(['redis-0', 'redis-1', 'postgresql']);
  });

  it('warns about numeric metadata and keeps it as a string', () => {
    const r = validateConfig(
      { repositories: repos, scaledObjects: [so('a', { triggers: [{ type: 'redis', metadata: { listLength: 5 } }] })] },
      '/c.yaml',
    );
    expect(r.config!.objects[0].triggers[0].metadata.listLength).toBe('5');
    expect(r.warnings[0]).toMatchObject({ object: 'default/a', field: 'spec.triggers[0].metadata.listLength' });
  });

  it.each([
    { name: 'absolute path', path: '/etc/passwd' },
    { name: 'parent escape', path: 'apps/../../x.yaml' },
  ])('refuses a gitscale.dev/path that escapes the repo: $name', ({ path }) => {
    const r = validateConfig({ repositories: repos, scaledObjects: [so('a', {}, { 'gitscale.dev/path': path })] }, '/c.yaml');
    expect(r.problems[0]).toMatchObject({ code: 'CONFIG_PATH_ESCAPES', field: 'metadata.annotations["gitscale.dev/path"]' });
  });

  it('takes a directory (marker comments), "." for the whole repo, and gitscale.dev/field', () => {
    const r = validateConfig(
      {
        repositories: repos,
        scaledObjects: [
          so('a', {}, { 'gitscale.dev/path': 'apps/', 'gitscale.dev/field': 'consumer.replicaCount' }),
          so('b', {}, { 'gitscale.dev/path': '.' }),
        ],
      },
      '/c.yaml',
    );
    expect(r.config!.objects.map((o) => [o.path, o.field])).toEqual([
      ['apps', 'consumer.replicaCount'],
      ['', undefined],
    ]);
  });

  it('normalises a path inside the repo', () => {
    const r = validateConfig(
      { repositories: repos, scaledObjects: [so('a', {}, { 'gitscale.dev/path': './apps/x/../a.yaml' })] },
      '/c.yaml',
    );
    expect(r.config!.objects[0].path).toBe('apps/a.yaml');
  });

  it('reads GitHub App credentials (ids in the config, the private key from an environment variable)', () => {
    const r = validateConfig(
      {
        repositories: [
          {
            name: 'm',
            url: 'https://github.com/acme/m.git',
            auth: { githubApp: { appId: 12, installationId: 34, privateKeyFromEnv: 'GH_APP_KEY' } },
            forge: { type: 'github' },
          },
        ],
        scaledObjects: [so('a')],
      },
      '/c.yaml',
    );
    expect(r.problems).toEqual([]);
    expect(r.config!.repositories[0].auth?.githubApp).toEqual({ appId: 12, installationId: 34, privateKeyFromEnv: 'GH_APP_KEY' });
  });

  it('refuses an inline App private key and a token next to an App', () => {
    const r = validateConfig(
      {
        repositories: [
          {
            name: 'm',
            url: 'https://github.com/acme/m.git',
            auth: { tokenFromEnv: 'T', githubApp: { appId: 12, installationId: 34, privateKeyFromEnv: 'K', privateKey: '-----BEGIN' } },
          },
        ],
        scaledObjects: [so('a')],
      },
      '/c.yaml',
    );
    expect(r.problems.map((p) => p.code)).toEqual(expect.arrayContaining(['CONFIG_AUTH', 'CONFIG_SECRET_INLINE']));
    expect(JSON.stringify(r.problems)).not.toContain('-----BEGIN');
  });

  it('refuses an inline token', () => {
    const r = validateConfig(
      parse('repositories: [{ name: m, url: "https://x/y.git", auth: { token: abc } }]\nscaledObjects: []'),
      '/c.yaml',
    );
    expect(r.problems.map((p) => p.code)).toContain('CONFIG_SECRET_INLINE');
    expect(JSON.stringify(r.problems)).not.toContain('abc');
  });

  it('rejects idleReplicaCount ≥ minReplicaCount as KEDA does', () => {
    const r = validateConfig({ repositories: repos, scaledObjects: [so('a', { minReplicaCount: 1, idleReplicaCount: 1 })] }, '/c.yaml');
    expect(r.problems[0]).toMatchObject({ field: 'spec.idleReplicaCount', code: 'CONFIG_RANGE' });
  });

  it('reads KEDA pause annotations; a paused direction becomes a Disabled policy', () => {
    const r = validateConfig(
      {
        repositories: repos,
        scaledObjects: [so('a', {}, { 'autoscaling.keda.sh/paused': 'yes', 'autoscaling.keda.sh/paused-scale-in': 'true' })],
      },
      '/c.yaml',
    );
    const o = r.config!.objects[0];
    expect(o.spec.pause).toEqual({ replicas: undefined, paused: true, scaleIn: true, scaleOut: false, forceActivation: false });
    expect(o.spec.behavior?.scaleDown.selectPolicy).toBe('Disabled');
    expect(o.spec.behavior?.scaleUp.selectPolicy).toBe('Max');
  });

  it.each<{ name: string; annotations: Record<string, string>; field: string; code: string }>([
    {
      name: 'paused-replicas not a number',
      annotations: { 'autoscaling.keda.sh/paused-replicas': 'three' },
      field: 'metadata.annotations["autoscaling.keda.sh/paused-replicas"]',
      code: 'CONFIG_ANNOTATION',
    },
    {
      name: 'paused-scale-out not a bool',
      annotations: { 'autoscaling.keda.sh/paused-scale-out': 'maybe' },
      field: 'metadata.annotations["autoscaling.keda.sh/paused-scale-out"]',
      code: 'CONFIG_ANNOTATION',
    },
  ])('bad pause annotation: $name', ({ annotations, field, code }) => {
    const r = validateConfig({ repositories: repos, scaledObjects: [so('a', {}, annotations)] }, '/c.yaml');
    expect(r.problems[0]).toMatchObject({ object: 'default/a', field, code });
  });

  it('reads fallback with KEDA defaults (behavior static)', () => {
    const r = validateConfig(
      { repositories: repos, scaledObjects: [so('a', { fallback: { failureThreshold: 3, replicas: 6 } })] },
      '/c.yaml',
    );
    expect(r.config!.objects[0].spec.fallback).toEqual({ failureThreshold: 3, replicas: 6, behavior: 'static' });
  });

  it('reads scalingModifiers: formula parsed, target and activationTarget as numbers, metricType defaulted', () => {
    const triggers = [
      { type: 'redis', name: 'a', metadata: {} },
      { type: 'redis', name: 'b', metadata: {} },
    ];
    const r = validateConfig(
      {
        repositories: repos,
        scaledObjects: [
          so('x', { triggers, advanced: { scalingModifiers: { formula: '(a + b) / 2', target: '5', activationTarget: '1.5' } } }),
        ],
      },
      '/c.yaml',
    );
    expect(r.problems).toEqual([]);
    const m = r.config!.objects[0].spec.modifiers!;
    expect(m).toMatchObject({ formula: '(a + b) / 2', target: 5, activationTarget: 1.5, metricType: 'AverageValue' });
    expect(m.expr.kind).toBe('binary');
  });

  it.each([
    {
      name: 'fallback without failureThreshold',
      over: { fallback: { replicas: 2 } },
      field: 'spec.fallback.failureThreshold',
      code: 'CONFIG_REQUIRED',
    },
    {
      name: 'fallback with negative replicas',
      over: { fallback: { failureThreshold: 1, replicas: -1 } },
      field: 'spec.fallback.replicas',
      code: 'CONFIG_RANGE',
    },
    {
      name: 'fallback with an unknown behavior',
      over: { fallback: { failureThreshold: 1, replicas: 1, behavior: 'sometimes' } },
      field: 'spec.fallback.behavior',
      code: 'CONFIG_ENUM',
    },
    {
      name: 'fallback behavior scalingModifiers without a formula',
      over: { fallback: { failureThreshold: 1, replicas: 1, behavior: 'scalingModifiers' } },
      field: 'spec.fallback.behavior',
      code: 'CONFIG_REQUIRED',
    },
    {
      name: 'scalingModifiers without target',
      over: { triggers: [{ type: 'redis', name: 'a', metadata: {} }], advanced: { scalingModifiers: { formula: 'a' } } },
      field: 'spec.advanced.scalingModifiers.target',
      code: 'CONFIG_REQUIRED',
    },
    {
      name: 'scalingModifiers target 0',
      over: { triggers: [{ type: 'redis', name: 'a', metadata: {} }], advanced: { scalingModifiers: { formula: 'a', target: '0' } } },
      field: 'spec.advanced.scalingModifiers.target',
      code: 'CONFIG_RANGE',
    },
    {
      name: 'scalingModifiers with an unnamed trigger',
      over: { triggers: [{ type: 'redis', metadata: {} }], advanced: { scalingModifiers: { formula: '1', target: '1' } } },
      field: 'spec.triggers[0].name',
      code: 'CONFIG_REQUIRED',
    },
    {
      name: 'scalingModifiers Utilization',
      over: {
        triggers: [{ type: 'redis', name: 'a', metadata: {} }],
        advanced: { scalingModifiers: { formula: 'a', target: '1', metricType: 'Utilization' } },
      },
      field: 'spec.advanced.scalingModifiers.metricType',
      code: 'CONFIG_METRIC_TYPE',
    },
    {
      name: 'formula naming an unknown trigger',
      over: { triggers: [{ type: 'redis', name: 'a', metadata: {} }], advanced: { scalingModifiers: { formula: 'a + bb', target: '1' } } },
      field: 'spec.advanced.scalingModifiers.formula',
      code: 'CONFIG_FORMULA',
      message: /unknown name 'bb' at column 5/,
    },
    {
      name: 'formula syntax error',
      over: { triggers: [{ type: 'redis', name: 'a', metadata: {} }], advanced: { scalingModifiers: { formula: 'a +* 2', target: '1' } } },
      field: 'spec.advanced.scalingModifiers.formula',
      code: 'CONFIG_FORMULA',
      message: /unexpected '\*' at column 4/,
    },
    {
      name: 'idleReplicaCount other than 0',
      over: { minReplicaCount: 3, idleReplicaCount: 1 },
      field: 'spec.idleReplicaCount',
      code: 'CONFIG_RANGE',
      message: /only 0 is supported/,
    },
  ])('refuses $name', ({ over, field, code, message }) => {
    const r = validateConfig({ repositories: repos, scaledObjects: [so('a', over)] }, '/c.yaml');
    const hit = r.problems.find((p) => p.field === field);
    expect(hit, JSON.stringify(r.problems)).toMatchObject({ object: 'default/a', code });
    if (message) expect(hit!.message).toMatch(message);
    expect(r.config!.objects).toEqual([]);
  });

  it('warns about unknown ScaledObject fields and restoreToOriginalReplicaCount', () => {
    const r = validateConfig(
      { repositories: repos, scaledObjects: [so('a', { pollingIntervall: 5, advanced: { restoreToOriginalReplicaCount: true } })] },
      '/c.yaml',
    );
    expect(r.problems).toEqual([]);
    expect(r.warnings.map((w) => w.field)).toEqual(['spec.pollingIntervall', 'spec.advanced.restoreToOriginalReplicaCount']);
  });

  it.each(['Consumer', 'a'.repeat(64), 'bad_name'])('refuses ScaledObject name %s (KEDA label value rule)', (name) => {
    const r = validateConfig({ repositories: repos, scaledObjects: [so(name)] }, '/c.yaml');
    expect(r.problems[0]).toMatchObject({ field: 'metadata.name', code: 'CONFIG_NAME' });
  });

  it("gives every object its repository's maxManifestBytes, and its workload target the limit", async () => {
    const { workloadTarget } = await import('../../src/reconciler/target/locate.js');
    const r = validateConfig(
      {
        repositories: [
          { ...repos[0], maxManifestBytes: '4Mi' },
          { name: 'n', url: '/srv/n' },
        ],
        scaledObjects: [so('a'), so('b', {}, { 'gitscale.dev/repository': 'n' })],
      },
      '/c.yaml',
    );
    expect(r.config!.objects.map((o) => o.maxManifestBytes)).toEqual([4 * 1024 * 1024, undefined]);
    expect(r.config!.objects.map((o) => workloadTarget(o).maxBytes)).toEqual([4 * 1024 * 1024, undefined]);
  });

  it("merges repository review defaults with the object's annotations", () => {
    const r = validateConfig(
      {
        repositories: [{ ...repos[0], review: { aboveReplicas: 10, stepAbove: 5 } }],
        scaledObjects: [so('a', {}, { 'gitscale.dev/review-step-above': '2', 'gitscale.dev/review-scale-in': 'true' }), so('b')],
      },
      '/c.yaml',
    );
    expect(r.problems).toEqual([]);
    expect(r.config!.objects.map((o) => o.review)).toEqual([
      { aboveReplicas: 10, stepAbove: 2, scaleIn: true },
      { aboveReplicas: 10, stepAbove: 5 },
    ]);
  });

  it.each([
    { annotation: 'gitscale.dev/review-above-replicas', value: 'ten' },
    { annotation: 'gitscale.dev/review-step-percent-above', value: '-5' },
    { annotation: 'gitscale.dev/review-scale-in', value: 'yes' },
  ])('an invalid review threshold names the object and annotation: $annotation=$value', ({ annotation, value }) => {
    const r = validateConfig({ repositories: repos, scaledObjects: [so('a', {}, { [annotation]: value })] }, '/c.yaml');
    expect(r.problems).toEqual([
      expect.objectContaining({ object: 'default/a', field: `metadata.annotations["${annotation}"]`, code: 'CONFIG_REVIEW' }),
    ]);
  });

  it('an unknown repository review setting is a problem', () => {
    const r = validateConfig({ repositories: [{ ...repos[0], review: { above: 3 } }], scaledObjects: [so('a')] }, '/c.yaml');
    expect(r.problems[0]).toMatchObject({ field: 'repositories[0].review.above', code: 'CONFIG_REVIEW' });
  });

  it('reads a Gitea forge from the repository URL', () => {
    const r = validateConfig(
      {
        repositories: [
          { name: 'm', url: 'https://git.example.com/sub/platform/manifests.git', forge: { type: 'gitea', labels: ['autoscaling'] } },
        ],
        scaledObjects: [so('a')],
      },
      '/c.yaml',
    );
    expect(r.problems).toEqual([]);
    expect(r.config!.repositories[0].forge).toEqual({
      type: 'gitea',
      url: 'https://git.example.com/sub',
      owner: 'platform',
      repo: 'manifests',
      labels: ['autoscaling'],
      reviewers: [],
      assignees: [],
      autoMerge: false,
      prHourlyLimit: undefined,
      prConcurrentLimit: undefined,
    });
  });

  it.each([
    { url: 'https://github.com/acme/manifests.git', api: 'https://api.github.com' },
    { url: 'https://ghe.example.com/acme/manifests.git', api: 'https://ghe.example.com/api/v3' },
  ])('reads a GitHub forge: $url → $api', ({ url, api }) => {
    const r = validateConfig({ repositories: [{ name: 'm', url, forge: { type: 'github' } }], scaledObjects: [so('a')] }, '/c.yaml');
    expect(r.config!.repositories[0].forge).toMatchObject({ type: 'github', url: api, owner: 'acme', repo: 'manifests' });
  });

  it.each([
    {
      name: 'unknown forge type',
      repo: { name: 'm', url: 'https://x/o/r.git', forge: { type: 'gitlab' } },
      field: 'repositories[0].forge.type',
    },
    { name: 'forge on a local repository', repo: { name: 'm', url: '/srv/m', forge: { type: 'gitea' } }, field: 'repositories[0].forge' },
    {
      name: 'labels not a list',
      repo: { name: 'm', url: 'https://x/o/r.git', forge: { type: 'gitea', labels: 'a' } },
      field: 'repositories[0].forge.labels',
    },
    {
      name: 'a zero hourly limit',
      repo: { name: 'm', url: 'https://x/o/r.git', forge: { type: 'gitea', prHourlyLimit: 0 } },
      field: 'repositories[0].forge.prHourlyLimit',
    },
    {
      name: 'autoMerge not a bool',
      repo: { name: 'm', url: 'https://x/o/r.git', forge: { type: 'gitea', autoMerge: 'yes' } },
      field: 'repositories[0].forge.autoMerge',
    },
  ])('refuses $name', ({ repo, field }) => {
    const r = validateConfig({ repositories: [repo], scaledObjects: [so('a')] }, '/c.yaml');
    expect(r.problems.map((p) => p.field)).toContain(field);
  });

  it.each([
    {
      name: 'same file, same Deployment',
      b: so('b', { scaleTargetRef: { name: 'a' } }, { 'gitscale.dev/path': 'apps/a.yaml' }),
      want: true,
    },
    {
      name: 'same file, kind defaulted vs explicit Deployment',
      b: so('b', { scaleTargetRef: { name: 'a', kind: 'Deployment' } }, { 'gitscale.dev/path': './apps/a.yaml' }),
      want: true,
    },
    { name: 'another file (another overlay or cluster)', b: so('b', { scaleTargetRef: { name: 'a' } }), want: false },
    {
      name: 'another values key of the same file (another line)',
      b: so('b', { scaleTargetRef: { name: 'a' } }, { 'gitscale.dev/path': 'apps/a.yaml', 'gitscale.dev/field': 'worker.replicaCount' }),
      want: false,
    },
    {
      name: 'another kind',
      b: so('b', { scaleTargetRef: { name: 'a', kind: 'StatefulSet' } }, { 'gitscale.dev/path': 'apps/a.yaml' }),
      want: false,
    },
    {
      name: 'a directory searched for markers (each object has its own marker)',
      a: so('a', {}, { 'gitscale.dev/path': '.' }),
      b: so('b', { scaleTargetRef: { name: 'a' } }, { 'gitscale.dev/path': '.' }),
      want: false,
    },
    {
      name: 'another namespace',
      b: {
        ...so('b', { scaleTargetRef: { name: 'a' } }, { 'gitscale.dev/path': 'apps/a.yaml' }),
        metadata: { name: 'b', namespace: 'prod', annotations: { 'gitscale.dev/repository': 'm', 'gitscale.dev/path': 'apps/a.yaml' } },
      },
      want: false,
    },
  ])('two ScaledObjects on one workload: the later is refused, naming the first ($name)', ({ a = so('a'), b, want }) => {
    const r = validateConfig({ repositories: repos, scaledObjects: [a, b] }, '/c.yaml');
    const dup = r.problems.filter((p) => p.code === 'CONFIG_DUPLICATE_TARGET');
    if (!want) {
      expect(dup).toEqual([]);
      expect(r.config!.objects).toHaveLength(2);
      return;
    }
    expect(dup).toEqual([
      {
        object: 'default/b',
        file: '/c.yaml',
        field: 'spec.scaleTargetRef.name',
        code: 'CONFIG_DUPLICATE_TARGET',
        message: `Deployment default/a in apps/a.yaml of repository 'm' is already scaled by ScaledObject default/a; KEDA refuses two ScaledObjects on one workload, so this one is not run (default/a is)`,
      },
    ]);
    expect(r.config!.objects.map((o) => o.key)).toEqual(['default/a']);
  });

  it('a broken first object does not make the second a duplicate', () => {
    const r = validateConfig(
      {
        repositories: repos,
        scaledObjects: [
          so('a', { minReplicaCount: 'x' }),
          so('b', { scaleTargetRef: { name: 'a' } }, { 'gitscale.dev/path': 'apps/a.yaml' }),
        ],
      },
      '/c.yaml',
    );
    expect(r.problems.map((p) => p.code)).toEqual(['CONFIG_TYPE']);
    expect(r.config!.objects.map((o) => o.key)).toEqual(['default/b']);
  });

  it.each([
    { name: 'a typo of field', input: 'gitscale.dev/feild', want: 'did you mean gitscale.dev/field?' },
    { name: 'a typo of a review threshold', input: 'gitscale.dev/review-step-abve', want: 'did you mean gitscale.dev/review-step-above?' },
    { name: 'wrong case', input: 'gitscale.dev/Path', want: 'did you mean gitscale.dev/path?' },
    { name: 'nothing near', input: 'gitscale.dev/owner', want: 'unknown gitscale annotation: (known:' },
  ])('an unknown gitscale.dev annotation is an error with a did-you-mean: $name', ({ input, want }) => {
    const r = validateConfig({ repositories: repos, scaledObjects: [so('a', {}, { [input]: 'x' })] }, '/c.yaml');
    expect(r.problems).toEqual([
      expect.objectContaining({
        object: 'default/a',
        file: '/c.yaml',
        field: `metadata.annotations["${input}"]`,
        code: 'CONFIG_UNKNOWN_ANNOTATION',
      }),
    ]);
    expect(r.problems[0].message).toContain(want);
    expect(r.problems[0].message).toContain(
      'gitscale.dev/repository, gitscale.dev/path, gitscale.dev/field, gitscale.dev/direct-patch, gitscale.dev/argocd-application, gitscale.dev/review-above-replicas',
    );
    expect(r.config!.objects).toEqual([]);
  });

  it('other annotations (KEDA, Argo CD, anything not gitscale.dev/) are left alone', () => {
    const r = validateConfig(
      { repositories: repos, scaledObjects: [so('a', {}, { 'argocd.argoproj.io/sync-wave': '1', 'gitscale.dev.example/x': 'y' })] },
      '/c.yaml',
    );
    expect(r.problems).toEqual([]);
  });

  it.each<{ name: string; repo: Record<string, unknown>; annotations: Record<string, string>; want: { object: string; field: string }[] }>([
    {
      name: 'repository review: without forge:',
      repo: { ...repos[0], review: { aboveReplicas: 10 } },
      annotations: {},
      want: [{ object: 'repositories', field: 'repositories[0].review' }],
    },
    {
      name: 'an object review annotation on a repository without forge:',
      repo: repos[0],
      annotations: { 'gitscale.dev/review-step-above': '3' },
      want: [{ object: 'default/a', field: 'metadata.annotations["gitscale.dev/review-step-above"]' }],
    },
    {
      name: 'review with a forge is fine',
      repo: { name: 'm', url: 'https://x/o/r.git', review: { aboveReplicas: 10 }, forge: { type: 'gitea' } },
      annotations: { 'gitscale.dev/review-step-above': '3' },
      want: [],
    },
  ])('warns (does not refuse) when review thresholds can never be met by a pull request: $name', ({ repo, annotations, want }) => {
    const r = validateConfig({ repositories: [repo], scaledObjects: [so('a', {}, annotations)] }, '/c.yaml');
    expect(r.problems).toEqual([]);
    expect(r.warnings.map((w) => ({ object: w.object, field: w.field }))).toEqual(want);
    for (const w of r.warnings) expect(w.code).toBe('CONFIG_REVIEW_WITHOUT_FORGE');
    for (const w of r.warnings) expect(w.message).toMatch(/forge:.*never written|never be written/);
    expect(r.config!.objects).toHaveLength(1);
  });

  it.each([
    {
      name: 'port above 65535',
      url: 'http://127.0.0.1:99999/apps.git',
      code: 'CONFIG_URL',
      message: `'http://127.0.0.1:99999/apps.git' has an invalid port '99999': a port is a number from 1 to 65535`,
    },
    {
      name: 'port not a number',
      url: 'https://git.example.com:abc/apps.git',
      code: 'CONFIG_URL',
      message: `'https://git.example.com:abc/apps.git' has an invalid port 'abc': a port is a number from 1 to 65535`,
    },
    {
      name: 'ssh:// with a bad port',
      url: 'ssh://git@git.example.com:99999/platform/apps.git',
      code: 'CONFIG_URL',
      message: `'ssh://git@git.example.com:99999/platform/apps.git' has an invalid port '99999': a port is a number from 1 to 65535`,
    },
    {
      name: 'ssh:// without a path',
      url: 'ssh://git@git.example.com/',
      code: 'CONFIG_URL',
      message: `'ssh://git@git.example.com/' names no repository path`,
    },
    {
      name: 'file://',
      url: 'file:///srv/apps',
      code: 'CONFIG_TRANSPORT',
      message:
        'file:// URLs are not supported: write the directory itself (a working tree: /srv/apps), or serve the repository over http(s) or SSH',
    },
    {
      name: 'git://',
      url: 'git://git.example.com/apps.git',
      code: 'CONFIG_TRANSPORT',
      message: `unsupported remote 'git://git.example.com/apps.git' (git://): use an https:// URL with a token (auth.tokenFromEnv), an SSH URL with a deploy key (auth.sshKeyFile), or a local directory holding a clone`,
    },
  ])('a repository url gitscale cannot use is a config error naming the field, never a crash: $name', ({ url, code, message }) => {
    const r = validateConfig({ repositories: [{ name: 'm', url, forge: { type: 'gitea' } }], scaledObjects: [so('a')] }, '/c.yaml');
    expect(r.problems.filter((p) => p.object === 'repositories')).toEqual([
      { object: 'repositories', file: '/c.yaml', field: 'repositories[0].url', code, message },
    ]);
  });

  it('a forge url with an invalid port is a config error', () => {
    const r = validateConfig(
      {
        repositories: [{ name: 'm', url: 'https://x/o/r.git', forge: { type: 'gitea', url: 'http://127.0.0.1:70000' } }],
        scaledObjects: [so('a')],
      },
      '/c.yaml',
    );
    expect(r.problems[0]).toMatchObject({ field: 'repositories[0].forge.url', code: 'CONFIG_URL' });
  });

  it('is null for a document that is not a map', () => {
    expect(validateConfig('hello', '/c.yaml').config).toBeNull();
  });
});

describe('repository url messages never quote credentials', () => {
  it.each([
    {
      name: 'an invalid port',
      url: 'https://x-access-token:tok-123456@git.example.com:99999/a.git',
      want: "'https://***@git.example.com:99999/a.git' has an invalid port",
    },
    {
      name: 'an unsupported scheme',
      url: 'git+https://u:tok-123456@git.example.com/a.git',
      want: "unsupported remote 'git+https://***@git.example.com/a.git'",
    },
    {
      name: 'ssh with a password',
      url: 'ssh://u:tok-123456@git.example.com/a.git',
      want: 'must not contain a password: SSH remotes authenticate with a key',
    },
    {
      name: 'ssh with a password and a bad port',
      url: 'ssh://u:tok-123456@git.example.com:0/a.git',
      want: "'ssh://***@git.example.com:0/a.git' has an invalid port '0'",
    },
  ])('$name', ({ url, want }) => {
    const r = validateConfig({ repositories: [{ name: 'm', url }], scaledObjects: [] }, '/c.yaml');
    const text = r.problems.map((p) => p.message).join('\n');
    expect(text).toContain(want);
    expect(text).not.toContain('tok-123456');
  });
});

describe('SSH remotes', () => {
  const ssh = (url: string, auth?: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    validateConfig(
      { repositories: [{ name: 'm', url, ...(auth ? { auth } : {}), ...extra }], scaledObjects: [so('a')] },
      '/etc/gitscale/c.yaml',
    );
  const ok = { sshKeyFile: 'keys/deploy', knownHostsFile: '/etc/ssh/known_hosts' };

  it.each([
    { url: 'ssh://git@git.example.com:2222/platform/apps.git' },
    { url: 'git@github.com:acme/apps.git' },
    { url: 'git+ssh://git.example.com/~deploy/apps.git' },
  ])("accepts $url with a key and a way to verify the host; relative paths are read from the config file's directory", ({ url }) => {
    const r = ssh(url, ok);
    expect(r.problems).toEqual([]);
    const repo = r.config!.repositories[0];
    expect(repo).toMatchObject({
      kind: 'remote',
      url,
      auth: { sshKeyFile: '/etc/gitscale/keys/deploy', knownHostsFile: '/etc/ssh/known_hosts' },
    });
  });

  it.each([
    { name: 'no auth at all', auth: undefined, want: [/needs its private key/, /host keys are always verified/] },
    {
      name: 'a key but no host verification',
      auth: { sshKeyFile: '/k' },
      want: [/host keys are always verified: set auth.knownHostsFile .* or auth.sshHostKey/],
    },
    {
      name: 'both key sources',
      auth: { sshKeyFile: '/k', sshKeyFromEnv: 'K', sshHostKey: 'SHA256:' + 'A'.repeat(43) },
      want: [/either sshKeyFile or sshKeyFromEnv/],
    },
    {
      name: 'both host checks',
      auth: { sshKeyFromEnv: 'K', knownHostsFile: '/kh', sshHostKey: 'SHA256:' + 'A'.repeat(43) },
      want: [/either knownHostsFile or sshHostKey/],
    },
    {
      name: 'a malformed pinned key',
      auth: { sshKeyFromEnv: 'K', sshHostKey: 'ssh-ed25519 not-base64!' },
      want: [/must be "<type> <base64 key>"/],
    },
    {
      name: "a pinned key whose type is not its blob's",
      auth: {
        sshKeyFromEnv: 'K',
        sshHostKey: `ssh-rsa ${Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.alloc(36)]).toString('base64')}`,
      },
      want: [/must be "<type> <base64 key>"/],
    },
    { name: 'an inline key', auth: { ...ok, sshKey: INLINE_SECRET }, want: [/secrets do not belong in the config/] },
  ])('refuses $name with a clear error naming the field', ({ auth, want }) => {
    const r = ssh('ssh://git@git.example.com/apps.git', auth);
    expect(r.config?.repositories ?? []).toEqual([]);
    expect(r.problems.filter((p) => p.object === 'repositories').map((p) => p.message)).toEqual(want.map((w) => expect.stringMatching(w)));
    for (const p of r.problems.filter((q) => q.object === 'repositories')) expect(p.field).toMatch(/^repositories\[0\]\.auth/);
    expect(JSON.stringify(r.problems)).not.toContain(INLINE_SECRET);
  });

  it('SSH settings on an https remote are an error', () => {
    const r = ssh('https://git.example.com/apps.git', { sshKeyFile: '/k' });
    expect(r.problems.filter((p) => p.object === 'repositories')).toEqual([
      expect.objectContaining({ field: 'repositories[0].auth.sshKeyFile', code: 'CONFIG_AUTH' }),
    ]);
  });

  it('a forge beside an SSH remote reads owner and repository from the path; a token serves its API', () => {
    const r = ssh('git@github.com:acme/apps.git', { ...ok, tokenFromEnv: 'GITHUB_TOKEN' }, { forge: { type: 'github' } });
    expect(r.problems).toEqual([]);
    expect(r.config!.repositories[0].forge).toMatchObject({ type: 'github', url: 'https://api.github.com', owner: 'acme', repo: 'apps' });
    const g = ssh('ssh://git@git.example.com:2222/platform/apps.git', ok, { forge: { type: 'gitea' } });
    expect(g.config!.repositories[0].forge).toMatchObject({
      type: 'gitea',
      url: 'https://git.example.com',
      owner: 'platform',
      repo: 'apps',
    });
  });
});

describe('signing', () => {
  const repo = (signing: unknown) =>
    validateConfig(
      { repositories: [{ name: 'm', url: 'https://git.example.com/apps.git', signing }], scaledObjects: [so('a')] },
      '/etc/gitscale/c.yaml',
    );

  it('accepts ssh and openpgp keys from a file (relative to the config) or a variable', () => {
    expect(repo({ format: 'ssh', keyFile: 'keys/sign' }).config!.repositories[0].signing).toEqual({
      format: 'ssh',
      keyFile: '/etc/gitscale/keys/sign',
    });
    expect(repo({ format: 'openpgp', keyFromEnv: 'K', passphraseFromEnv: 'P' }).config!.repositories[0].signing).toEqual({
      format: 'openpgp',
      keyFromEnv: 'K',
      passphraseFromEnv: 'P',
    });
    expect(repo(undefined).config!.repositories[0].signing).toBeUndefined();
  });

  it.each([
    { signing: 'yes', field: 'repositories[0].signing', says: /must be a map/ },
    {
      signing: { format: 'gpg', keyFile: '/k' },
      field: 'repositories[0].signing.format',
      says: /must be one of: ssh, openpgp \(got "gpg"\)/,
    },
    { signing: { format: 'ssh' }, field: 'repositories[0].signing', says: /names no key/ },
    { signing: { format: 'ssh', keyFile: '/k', keyFromEnv: 'K' }, field: 'repositories[0].signing', says: /either keyFile or keyFromEnv/ },
    {
      signing: { format: 'openpgp', key: INLINE_SECRET },
      field: 'repositories[0].signing.key',
      says: /secrets do not belong in the config/,
    },
  ])('refuses $signing', ({ signing, field, says }) => {
    const r = repo(signing);
    const mine = r.problems.filter((p) => p.object === 'repositories');
    expect(mine.map((p) => p.field)).toContain(field);
    expect(mine.map((p) => p.message).join('\n')).toMatch(says);
    expect(JSON.stringify(r.problems)).not.toContain(INLINE_SECRET);
  });
});

describe('an authenticationRef that finds nothing names the namespace looked in and where one of that name exists', () => {
  const auth = (kind: string, name: string, namespace?: string) => ({
    kind,
    metadata: { name, ...(namespace ? { namespace } : {}) },
    spec: { env: [] },
  });
  const ref = (name: string, kind?: string) => ({
    triggers: [{ type: 'redis', metadata: { listName: 'l' }, authenticationRef: { name, ...(kind ? { kind } : {}) } }],
  });
  const TAIL =
    "; define it in the config's triggerAuthentications:, in the cluster (with watch:), or beside the ScaledObject in a discover: true repository";
  it.each([
    { name: 'nowhere', auths: [], refKind: undefined, want: `TriggerAuthentication 'x' is not defined in namespace 'default'${TAIL}` },
    {
      name: 'in two other namespaces',
      auths: [auth('TriggerAuthentication', 'x', 'shop'), auth('TriggerAuthentication', 'x', 'api')],
      refKind: undefined,
      want: `TriggerAuthentication 'x' is not defined in namespace 'default' (one of that name exists in namespace api, shop, but KEDA reads it from the ScaledObject's own namespace)${TAIL}`,
    },
    {
      name: 'a ClusterTriggerAuthentication of that name',
      auths: [auth('ClusterTriggerAuthentication', 'x')],
      refKind: undefined,
      want: `TriggerAuthentication 'x' is not defined in namespace 'default' (a ClusterTriggerAuthentication of that name exists: set authenticationRef.kind: ClusterTriggerAuthentication to use it)${TAIL}`,
    },
    {
      name: 'kind ClusterTriggerAuthentication, a namespaced one of that name',
      auths: [auth('TriggerAuthentication', 'x', 'shop')],
      refKind: 'ClusterTriggerAuthentication',
      want: `ClusterTriggerAuthentication 'x' is not defined (a TriggerAuthentication of that name exists in namespace shop: set authenticationRef.kind to TriggerAuthentication if it is meant)${TAIL}`,
    },
  ])('$name', ({ auths, refKind, want }) => {
    const r = validateConfig(
      { repositories: repos, triggerAuthentications: auths, scaledObjects: [so('a', ref('x', refKind))] },
      '/c.yaml',
    );
    expect(r.problems).toEqual([
      {
        object: 'default/a',
        file: '/c.yaml',
        field: 'spec.triggers[0].authenticationRef.name',
        code: 'CONFIG_UNKNOWN_AUTH',
        message: want,
      },
    ]);
  });
});
