// The Kube client over @kubernetes/client-node, on the real API server: the scale subresource of
// any kind (Deployment, a CRD with a scale subresource such as Argo Rollouts, a kind found by
// discovery), the compare-and-set patch, Events, and permission errors that name verb and resource.
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { ClusterError } from '../../src/errors.js';
import { patchScale, readLive } from '../../src/cluster/scale.js';
import { admin, createDeployment, events, newNamespace, setDeploymentStatus, specReplicas, type Admin } from '../support/kube.js';

const servers = inject('servers');
let a: Admin;
let ns = '';
beforeAll(async () => {
  a = admin(servers);
  ns = await newNamespace(a, 'kube');
});

describe('Kube (client-node) on a real API server', () => {
  it('reads a Deployment live: spec, status and ready replicas from the scale subresource and the workload', async () => {
    await createDeployment(a, ns, 'web', 3);
    await setDeploymentStatus(a, ns, 'web', 3, 1);
    expect(await readLive(a.kube, { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' })).toEqual({
      specReplicas: 3,
      statusReplicas: 3,
      readyReplicas: 1,
      selector: 'app=web',
    });
    expect(await readLive(a.kube, { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'absent' })).toBeNull();
  });

  it('patches compare-and-set: from 0, from n; a stale `from` is a conflict and changes nothing', async () => {
    await createDeployment(a, ns, 'cas', 0);
    const r = await a.kube.resource('apps/v1', 'Deployment');
    expect(await a.kube.patchScale(r, ns, 'cas', 0, 2)).toBe('patched');
    expect(await specReplicas(a, ns, 'cas')).toBe(2);
    // Someone else scaled it (now 2): a patch that expects 0 must not overwrite it.
    expect(await a.kube.patchScale(r, ns, 'cas', 0, 5)).toBe('conflict');
    expect(await a.kube.patchScale(r, ns, 'cas', 1, 5)).toBe('conflict');
    expect(await specReplicas(a, ns, 'cas')).toBe(2);
    expect(await a.kube.patchScale(r, ns, 'cas', 2, 0)).toBe('patched');
    expect(await specReplicas(a, ns, 'cas')).toBe(0);
  });

  it('patchScale records an Event on the workload; a missing workload is reported, not created', async () => {
    await createDeployment(a, ns, 'evt', 0);
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'evt' };
    expect(await patchScale(a.kube, { ref, from: 0, to: 3, reason: 'ScaledFromZero', message: 'because', now: Date.now() })).toEqual({
      kind: 'patched',
    });
    const ev = (await events(a, ns, 'evt')).find((e) => e.reason === 'ScaledFromZero');
    expect(ev).toMatchObject({
      message: 'because',
      type: 'Normal',
      source: { component: 'gitscale' },
      involvedObject: { kind: 'Deployment', name: 'evt' },
    });
    expect(ev?.involvedObject?.uid).toBeTruthy();
    expect(await patchScale(a.kube, { ref: { ...ref, name: 'gone' }, from: 0, to: 3, reason: 'x', message: 'x', now: Date.now() })).toEqual(
      { kind: 'missing' },
    );
  });

  it('scales a custom kind with a scale subresource (an Argo Rollout)', async () => {
    await a.custom.createNamespacedCustomObject({
      group: 'argoproj.io',
      version: 'v1alpha1',
      plural: 'rollouts',
      namespace: ns,
      body: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'ro' }, spec: { replicas: 0 } },
    });
    const ref = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', namespace: ns, name: 'ro' };
    expect(await readLive(a.kube, ref)).toMatchObject({ specReplicas: 0, statusReplicas: 0, readyReplicas: null });
    expect(await patchScale(a.kube, { ref, from: 0, to: 2, reason: 'ScaledFromZero', message: 'm', now: Date.now() })).toEqual({
      kind: 'patched',
    });
    expect(
      (
        await a.custom.getNamespacedCustomObject({
          group: 'argoproj.io',
          version: 'v1alpha1',
          plural: 'rollouts',
          namespace: ns,
          name: 'ro',
        })
      ).spec.replicas,
    ).toBe(2);
  });

  it('finds a kind it does not know by API discovery; an unknown kind is a clear error', async () => {
    expect(await a.kube.resource('apps/v1', 'DaemonSet')).toEqual({ group: 'apps', version: 'v1', plural: 'daemonsets' });
    const err = await a.kube.resource('apps/v1', 'Frobnicator').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterError);
    expect((err as ClusterError).code).toBe('KUBE_UNKNOWN_KIND');
  });

  it('a permission error names the verb and the resource', async () => {
    const alice = admin(servers, servers.KUBE_USER_KUBECONFIG_PATH);
    const r = await alice.kube.resource('apps/v1', 'Deployment');
    const err = (await alice.kube.getScale(r, ns, 'web').catch((e: unknown) => e)) as ClusterError;
    expect(err.code).toBe('KUBE_FORBIDDEN');
    expect(err.message).toMatch(/forbidden to get deployments\.apps\/scale in namespace kube-/);
    expect(err.data).toMatchObject({ verb: 'get', resource: 'deployments.apps/scale', status: 403 });
  });

  it('an unreachable API server is KUBE_UNREACHABLE, within the request timeout', async () => {
    const { createKube } = await import('../../src/cluster/kube.js');
    const k8s = await import('@kubernetes/client-node');
    const { freePort } = await import('../support/servers/spawn.js');
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: `https://127.0.0.1:${await freePort()}`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'secret-token-value' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const err = (await createKube(kc, { identity: 't', timeoutMs: 2000 })
      .getScale({ group: 'apps', version: 'v1', plural: 'deployments' }, 'default', 'x')
      .catch((e: unknown) => e)) as ClusterError;
    expect(err.code).toBe('KUBE_UNREACHABLE');
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect(err.message).not.toContain('secret-token-value');
  });
});
