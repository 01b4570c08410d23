// run's config from its sources: the file's accepted config, the cluster's objects and each
// repository's last scan, merged into the next config; what is refused or shadowed is said once
// per change, and the cluster's refused ScaledObjects come back for their status.
import * as fs from 'node:fs';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/cluster/index.js';
import { validateConfig } from '../../../src/config/validate.js';
import type { Discovered } from '../../../src/reconciler/runtime/discover.js';
import { createConfigSources } from '../../../src/reconciler/sources/config-sources.js';
import { checkLoaded } from '../../../src/reconciler/sources/load.js';

const deps = { env: {}, fs };
const FILE = '/etc/gitscale.yaml';
const trigger = (listName: string, auth?: string) => ({
  type: 'redis',
  metadata: { address: 'redis:6379', listName },
  ...(auth ? { authenticationRef: { name: auth } } : {}),
});
const so = (name: string, extra: { auth?: string; list?: string; apiVersion?: string; minReplicaCount?: number } = {}) => ({
  apiVersion: extra.apiVersion ?? 'gitscale.dev/v1alpha1',
  kind: 'ScaledObject',
  metadata: { name, namespace: 'shop', annotations: { 'gitscale.dev/repository': 'm', 'gitscale.dev/path': `apps/${name}.yaml` } },
  spec: {
    scaleTargetRef: { name },
    ...(extra.minReplicaCount !== undefined ? { minReplicaCount: extra.minReplicaCount } : {}),
    triggers: [trigger(extra.list ?? name, extra.auth)],
  },
});
const ta = (name: string, envName: string, apiVersion = 'gitscale.dev/v1alpha1'): KubeObject => ({
  apiVersion,
  kind: 'TriggerAuthentication',
  metadata: { name, namespace: 'shop' },
  spec: { env: [{ parameter: 'password', name: envName }] },
});
const cluster = (scaledObjects: unknown[], triggerAuthentications: KubeObject[] = []) => ({
  scaledObjects: scaledObjects as KubeObject[],
  triggerAuthentications,
});
const scan = (...objects: ReturnType<typeof so>[]): Discovered => ({
  objects: objects.map((raw) => ({ repository: 'm', path: `apps/${raw.metadata.name}/so.yaml`, raw })),
  triggerAuthentications: [],
  problems: [],
});

/** The config file as `run` has it: its text, and the config it loads to. */
function file(doc: Record<string, unknown>) {
  const text = stringify({ repositories: [{ name: 'm', url: '/tmp/m' }], ...doc });
  const loaded = checkLoaded(validateConfig(parse(text), FILE), deps);
  return { text, config: loaded.config! };
}
const keys = (c: { objects: { key: string; triggers: { metadata: Record<string, unknown> }[] }[] }) =>
  c.objects.map((o) => `${o.key}:${String(o.triggers[0].metadata.listName)}`);
const messages = (said: { message: string; fields: Record<string, unknown> }[]) =>
  said.map((s) => `${s.message}: ${String(s.fields.object ?? s.fields.ignored)}`);

describe('createConfigSources', () => {
  it("the file alone is the config, as it was loaded; the cluster's objects are added only with watch:", () => {
    const f = file({ scaledObjects: [so('a')] });
    const sources = createConfigSources(f.config, deps);
    sources.setFile(f.config, f.text);
    expect(sources.next()).toEqual({ config: f.config, said: [], refused: [] });
    // No watch: in the file: what the cluster holds is not read.
    sources.setCluster(cluster([so('b')]));
    expect(sources.next().config).toBe(f.config);
  });

  it("precedence: an object in the file and in the cluster runs as the file has it (the cluster's is refused as a duplicate); one in a repository and in the cluster, as the repository has it", () => {
    const f = file({
      watch: { namespaces: ['shop'] },
      repositories: [{ name: 'm', url: '/tmp/m', discover: true }],
      scaledObjects: [so('a', { list: 'from-file' })],
    });
    const sources = createConfigSources(f.config, deps);
    sources.setFile(f.config, f.text);
    sources.setCluster(cluster([so('a', { list: 'from-cluster' }), so('b', { list: 'from-cluster' }), so('c', { list: 'from-cluster' })]));
    expect(sources.setDiscovered('m', scan(so('b', { list: 'from-git' })))).toBe(true);
    const next = sources.next();
    expect(keys(next.config)).toEqual(['shop/a:from-file', 'shop/b:from-git', 'shop/c:from-cluster']);
    expect(next.refused.map((r) => [r.object.metadata.name, r.problem.code])).toEqual([['a', 'CONFIG_DUPLICATE']]);
    expect(messages(next.said)).toEqual(['ScaledObject from the cluster refused: shop/a']);
  });

  it("TriggerAuthentications: the file's come before the cluster's, gitscale.dev's before keda.sh's; the ignored ones are said once", () => {
    const f = file({
      watch: { namespaces: ['shop'], kedaObjects: true },
      triggerAuthentications: [
        {
          kind: 'TriggerAuthentication',
          metadata: { name: 'shared', namespace: 'shop' },
          spec: { env: [{ parameter: 'password', name: 'FROM_FILE' }] },
        },
      ],
    });
    const sources = createConfigSources(f.config, deps);
    sources.setFile(f.config, f.text);
    const objects = cluster(
      [so('a', { auth: 'shared' }), so('b', { auth: 'other' })],
      [ta('shared', 'FROM_CLUSTER'), ta('other', 'GITSCALE_DEV'), ta('other', 'KEDA_SH', 'keda.sh/v1alpha1')],
    );
    sources.setCluster(objects);
    const first = sources.next();
    expect(first.config.triggerAuthentications.map((a) => `${a.name}:${a.env[0].name}`)).toEqual([
      'shared:FROM_FILE',
      'other:GITSCALE_DEV',
    ]);
    expect(first.said).toEqual([
      {
        level: 'warn',
        message:
          'TriggerAuthentications from the cluster ignored: one of the same kind and name comes first (the config file, then gitscale.dev, then keda.sh)',
        fields: {
          ignored: ['TriggerAuthentication shop/shared (gitscale.dev/v1alpha1)', 'TriggerAuthentication shop/other (keda.sh/v1alpha1)'],
        },
      },
    ]);
    // The same objects again (a watch event that changed something else): nothing more is said.
    sources.setCluster({ ...objects });
    expect(sources.next().said).toEqual([]);
  });

  it('a refused ScaledObject from the cluster is dropped and said once per change, and comes back (each time) for its status; the others run', () => {
    const f = file({ watch: { namespaces: ['shop'] } });
    const sources = createConfigSources(f.config, deps);
    sources.setFile(f.config, f.text);
    const bad = so('bad', { minReplicaCount: -1 });
    sources.setCluster(cluster([so('good'), bad]));
    const first = sources.next();
    expect(keys(first.config)).toEqual(['shop/good:good']);
    expect(first.said).toEqual([
      {
        level: 'error',
        message: 'ScaledObject from the cluster refused',
        fields: { object: 'shop/bad', field: 'spec.minReplicaCount', code: expect.any(String), error: expect.any(String) },
      },
    ]);
    expect(first.refused).toEqual([
      { object: bad, problem: expect.objectContaining({ object: 'shop/bad', field: 'spec.minReplicaCount' }) },
    ]);
    const again = sources.next();
    expect([again.said, again.refused.length]).toEqual([[], 1]);
    // A second one refused: the change is said, with the one still refused.
    sources.setCluster(cluster([so('good'), bad, so('worse', { minReplicaCount: -2 })]));
    expect(messages(sources.next().said)).toEqual([
      'ScaledObject from the cluster refused: shop/bad',
      'ScaledObject from the cluster refused: shop/worse',
    ]);
    // Fixed: nothing refused, nothing to say; refused again later: said again.
    sources.setCluster(cluster([so('good'), so('bad')]));
    expect([sources.next().said, keys(sources.next().config)]).toEqual([[], ['shop/good:good', 'shop/bad:bad']]);
    sources.setCluster(cluster([so('good'), bad]));
    expect(messages(sources.next().said)).toEqual(['ScaledObject from the cluster refused: shop/bad']);
  });

  it("a repository's refused ScaledObject names its file there; a scan that found the same is not merged again", () => {
    const f = file({ repositories: [{ name: 'm', url: '/tmp/m', discover: true }] });
    const sources = createConfigSources(f.config, deps);
    sources.setFile(f.config, f.text);
    expect(sources.setDiscovered('m', scan(so('ok'), so('bad', { minReplicaCount: -1 })))).toBe(true);
    const next = sources.next();
    expect(keys(next.config)).toEqual(['shop/ok:ok']);
    expect(next.said).toEqual([
      {
        level: 'error',
        message: 'ScaledObject from the repository refused',
        fields: expect.objectContaining({ object: 'shop/bad', file: 'apps/bad/so.yaml in repository m', field: 'spec.minReplicaCount' }),
      },
    ]);
    expect(sources.setDiscovered('m', scan(so('ok'), so('bad', { minReplicaCount: -1 })))).toBe(false);
    expect(sources.next().said).toEqual([]);
  });

  it('a repository no longer discover: true in the file contributes nothing, though its last scan is kept', () => {
    const withDiscover = file({ repositories: [{ name: 'm', url: '/tmp/m', discover: true }] });
    const sources = createConfigSources(withDiscover.config, deps);
    sources.setFile(withDiscover.config, withDiscover.text);
    sources.setDiscovered('m', scan(so('found')));
    expect(keys(sources.next().config)).toEqual(['shop/found:found']);
    const without = file({ scaledObjects: [so('listed')] });
    sources.setFile(without.config, without.text);
    expect(sources.next().config).toBe(without.config);
    sources.setFile(withDiscover.config, withDiscover.text);
    expect(keys(sources.next().config)).toEqual(['shop/found:found']);
  });
});
