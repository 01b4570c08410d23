import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateConfig } from '../../src/config/validate.js';

const repos = [{ name: 'm', url: '/srv/manifests' }];
const so = (name: string, over: Record<string, unknown> = {}, annotations: Record<string, string> = {}) => ({
  apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject',
  metadata: { name, annotations: { 'gitscale.dev/repository': 'm', 'gitscale.dev/path': `apps/${name}.yaml`, ...annotations } },
  spec: { scaleTargetRef: { name }, triggers: [{ type: 'redis', metadata: { listName: 'l' } }], ...over },
});

describe('validateConfig', () => {
  it('fills KEDA defaults', () => {
    const r = validateConfig({ repositories: repos, scaledObjects: [so('a')] }, '/c.yaml');
    const o = r.config!.objects[0];
    expect(o.key).toBe('default/a');
    expect(o.spec).toEqual({ pollingInterval: 30, cooldownPeriod: 300, initialCooldownPeriod: 0, minReplicaCount: 0, maxReplicaCount: 100, idleReplicaCount: undefined, behavior: undefined });
    expect(o.target).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'a' });
    expect(o.triggers[0]).toMatchObject({ name: 'redis', metricType: 'AverageValue' });
    expect(r.config!.repositories[0]).toMatchObject({ kind: 'local', branch: 'main', author: { name: 'gitscale', email: 'gitscale@localhost' } });
  });

  it('defaults a behavior as the HPA API does', () => {
    const r = validateConfig({ repositories: repos, scaledObjects: [so('a', { advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } } } })] }, '/c.yaml');
    expect(r.config!.objects[0].spec.behavior).toEqual({
      scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] },
      scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
    });
  });

  it('keeps the good objects when one is broken, and names the broken one', () => {
    const r = validateConfig({ repositories: repos, scaledObjects: [so('good'), so('bad', { minReplicaCount: 'x' })] }, '/c.yaml');
    expect(r.config!.objects.map((o) => o.key)).toEqual(['default/good']);
    expect(r.problems).toEqual([{ object: 'default/bad', file: '/c.yaml', field: 'spec.minReplicaCount', message: 'must be an integer, got "x"', code: 'CONFIG_TYPE' }]);
  });

  it('derives unique trigger names when none are given', () => {
    const r = validateConfig({ repositories: repos, scaledObjects: [so('a', { triggers: [{ type: 'redis', metadata: {} }, { type: 'redis', metadata: {} }, { type: 'postgresql', metadata: {} }] })] }, '/c.yaml');
    expect(r.config!.objects[0].triggers.map((t) => t.name)).toEqual(['redis-0', 'redis-1', 'postgresql']);
  });

  it('warns about numeric metadata and keeps it as a string', () => {
    const r = validateConfig({ repositories: repos, scaledObjects: [so('a', { triggers: [{ type: 'redis', metadata: { listLength: 5 } }] })] }, '/c.yaml');
    expect(r.config!.objects[0].triggers[0].metadata.listLength).toBe('5');
    expect(r.warnings[0]).toMatchObject({ object: 'default/a', field: 'spec.triggers[0].metadata.listLength' });
  });

  it.each([
    { name: 'absolute path', path: '/etc/passwd' },
    { name: 'parent escape', path: 'apps/../../x.yaml' },
    { name: 'dot', path: '.' },
  ])('refuses a gitscale.dev/path that escapes the repo: $name', ({ path }) => {
    const r = validateConfig({ repositories: repos, scaledObjects: [so('a', {}, { 'gitscale.dev/path': path })] }, '/c.yaml');
    expect(r.problems[0]).toMatchObject({ code: 'CONFIG_PATH_ESCAPES', field: 'metadata.annotations["gitscale.dev/path"]' });
  });

  it('normalises a path inside the repo', () => {
    const r = validateConfig({ repositories: repos, scaledObjects: [so('a', {}, { 'gitscale.dev/path': './apps/x/../a.yaml' })] }, '/c.yaml');
    expect(r.config!.objects[0].path).toBe('apps/a.yaml');
  });

  it('refuses an inline token', () => {
    const r = validateConfig(parse('repositories: [{ name: m, url: "https://x/y.git", auth: { token: abc } }]\nscaledObjects: []'), '/c.yaml');
    expect(r.problems.map((p) => p.code)).toContain('CONFIG_SECRET_INLINE');
    expect(JSON.stringify(r.problems)).not.toContain('abc');
  });

  it('rejects idleReplicaCount ≥ minReplicaCount as KEDA does', () => {
    const r = validateConfig({ repositories: repos, scaledObjects: [so('a', { minReplicaCount: 1, idleReplicaCount: 1 })] }, '/c.yaml');
    expect(r.problems[0]).toMatchObject({ field: 'spec.idleReplicaCount', code: 'CONFIG_RANGE' });
  });

  it('reads KEDA pause annotations; a paused direction becomes a Disabled policy', () => {
    const r = validateConfig({ repositories: repos, scaledObjects: [so('a', {}, { 'autoscaling.keda.sh/paused': 'yes', 'autoscaling.keda.sh/paused-scale-in': 'true' })] }, '/c.yaml');
    const o = r.config!.objects[0];
    expect(o.spec.pause).toEqual({ replicas: undefined, paused: true, scaleIn: true, scaleOut: false, forceActivation: false });
    expect(o.spec.behavior?.scaleDown.selectPolicy).toBe('Disabled');
    expect(o.spec.behavior?.scaleUp.selectPolicy).toBe('Max');
  });

  it.each<{ name: string; annotations: Record<string, string>; field: string; code: string }>([
    { name: 'paused-replicas not a number', annotations: { 'autoscaling.keda.sh/paused-replicas': 'three' }, field: 'metadata.annotations["autoscaling.keda.sh/paused-replicas"]', code: 'CONFIG_ANNOTATION' },
    { name: 'paused-scale-out not a bool', annotations: { 'autoscaling.keda.sh/paused-scale-out': 'maybe' }, field: 'metadata.annotations["autoscaling.keda.sh/paused-scale-out"]', code: 'CONFIG_ANNOTATION' },
  ])('bad pause annotation: $name', ({ annotations, field, code }) => {
    const r = validateConfig({ repositories: repos, scaledObjects: [so('a', {}, annotations)] }, '/c.yaml');
    expect(r.problems[0]).toMatchObject({ object: 'default/a', field, code });
  });

  it.each([
    { name: 'fallback', over: { fallback: { failureThreshold: 3, replicas: 2 } }, field: 'spec.fallback' },
    { name: 'scalingModifiers', over: { advanced: { scalingModifiers: { formula: 'a + b', target: '5' } } }, field: 'spec.advanced.scalingModifiers' },
  ])('a KEDA field gitscale cannot honour yet is a problem, not silently ignored: $name', ({ over, field }) => {
    const r = validateConfig({ repositories: repos, scaledObjects: [so('a', over)] }, '/c.yaml');
    expect(r.problems[0]).toMatchObject({ object: 'default/a', field, code: 'CONFIG_UNSUPPORTED' });
    expect(r.config!.objects).toEqual([]);
  });

  it('is null for a document that is not a map', () => {
    expect(validateConfig('hello', '/c.yaml').config).toBeNull();
  });
});
