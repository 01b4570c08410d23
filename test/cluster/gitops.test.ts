// Which Argo CD / Flux objects a push concerns, on the real API server: single- and multi-source
// Applications, an Application named by annotation, Flux GitRepository → Kustomization chains;
// and when a target has reached a commit.
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { ClusterError } from '../../src/errors.js';
import { findTargets, reached, revisionsOf } from '../../src/cluster/gitops.js';
import { APP, GITREPO, KS, admin, createCustom, newNamespace, type Admin } from '../support/kube.js';

const servers = inject('servers');
let a: Admin;
let ns = '';
const repo = 'https://git.example.com/org/apps.git';
beforeAll(async () => {
  a = admin(servers);
  ns = await newNamespace(a, 'gitops');
  const app = (name: string, spec: Record<string, unknown>) =>
    createCustom(a, APP, ns, { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name }, spec });
  await app('single', { source: { repoURL: 'https://GIT.example.com/org/apps', path: 'apps/shop' } });
  await app('elsewhere', { source: { repoURL: repo, path: 'apps/blog' } });
  await app('multi', {
    sources: [
      { repoURL: 'https://charts.example.com', chart: 'shop', targetRevision: '1.0.0' },
      { repoURL: 'git@git.example.com:org/apps.git', ref: 'values' },
    ],
  });
  await app('other-repo', { source: { repoURL: 'https://git.example.com/org/other.git', path: '.' } });
  await app('named', { source: { repoURL: 'https://git.example.com/org/infra.git', path: 'x' } });
  await createCustom(a, GITREPO, ns, {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name: 'apps' },
    spec: { url: 'ssh://git@git.example.com/org/apps', interval: '10m' },
  });
  await createCustom(a, KS, ns, {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: 'shop' },
    spec: { path: './apps/shop', interval: '10m', prune: false, sourceRef: { kind: 'GitRepository', name: 'apps' } },
  });
  await createCustom(a, KS, ns, {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: 'root' },
    spec: { interval: '10m', prune: false, sourceRef: { kind: 'GitRepository', name: 'apps' } },
  });
  await createCustom(a, KS, ns, {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: 'blog' },
    spec: { path: './apps/blog', interval: '10m', prune: false, sourceRef: { kind: 'GitRepository', name: 'apps' } },
  });
  const HR = { group: 'helm.toolkit.fluxcd.io', version: 'v2', plural: 'helmreleases' };
  const release = (name: string, chart: string) =>
    createCustom(a, HR, ns, {
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name },
      spec: { chart: { spec: { chart, sourceRef: { kind: 'GitRepository', name: 'apps' } } } },
    });
  await release('shop-chart', './apps/shop');
  await release('blog-chart', './apps/blog');
  await createCustom(a, KS, ns, {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: 'other-source' },
    spec: { path: './apps/shop', interval: '10m', prune: false, sourceRef: { kind: 'GitRepository', name: 'nope' } },
  });
});

describe('findTargets', () => {
  it('finds the Applications, GitRepositories, Kustomizations and HelmReleases that apply the pushed file, and no others', async () => {
    const names = (await findTargets(a.kube, repo, ['apps/shop/deploy.yaml'], []))
      .filter((t) => t.namespace === ns)
      .map((t) => `${t.kind}/${t.name}`);
    expect(names.sort()).toEqual([
      'Application/multi',
      'Application/single',
      'GitRepository/apps',
      'HelmRelease/shop-chart',
      'Kustomization/root',
      'Kustomization/shop',
    ]);
  });

  it('adds the Application a ScaledObject names; a named one that does not exist is an error', async () => {
    const names = (await findTargets(a.kube, repo, ['apps/blog/x.yaml'], [{ namespace: ns, name: 'named' }]))
      .filter((t) => t.namespace === ns && t.kind === 'Application')
      .map((t) => t.name);
    expect(names.sort()).toEqual(['elsewhere', 'multi', 'named']);
    const err = await findTargets(a.kube, repo, ['apps/blog/x.yaml'], [{ namespace: ns, name: 'ghost' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterError);
    expect((err as Error).message).toMatch(/Application .*\/ghost \(gitscale.dev\/argocd-application\) not found/);
  });
});

describe('revisions', () => {
  const sha = (c: string) => c.repeat(40);
  it('reads Argo CD single- and multi-source revisions, Flux artifact and attempted revisions', () => {
    expect(revisionsOf('Application', { metadata: { name: 'x' }, status: { sync: { revision: sha('a') } } })).toEqual([sha('a')]);
    expect(revisionsOf('Application', { metadata: { name: 'x' }, status: { sync: { revisions: ['1.0.0', sha('b')] } } })).toEqual([
      sha('b'),
    ]);
    expect(revisionsOf('GitRepository', { metadata: { name: 'x' }, status: { artifact: { revision: `main@sha1:${sha('c')}` } } })).toEqual([
      sha('c'),
    ]);
    expect(revisionsOf('GitRepository', { metadata: { name: 'x' } })).toEqual([]);
    expect(revisionsOf('Kustomization', { metadata: { name: 'x' }, status: { lastAttemptedRevision: `main@sha1:${sha('d')}` } })).toEqual([
      sha('d'),
    ]);
  });

  it.each([
    { name: 'at the commit', before: [sha('a')], now: [sha('c')], want: true },
    { name: 'still the old revision', before: [sha('a')], now: [sha('a')], want: false },
    { name: 'moved, but only to the parent', before: [sha('a')], now: [sha('p')], want: false },
    { name: 'moved past it (a later commit)', before: [sha('a')], now: [sha('d')], want: true },
    { name: 'nothing reported yet', before: [], now: [], want: false },
  ])('$name: $want', ({ before, now, want }) => {
    expect(reached(before, now, sha('c'), sha('p'))).toBe(want);
  });
});
