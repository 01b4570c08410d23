// The status executor's writer on the real API server: an unchanged status is not written again; a change
// inside the rate-limit window is written when the window ends (the latest one), even with no
// tick after it — a ScaledObject refused meanwhile has none.
import { describe, expect, inject, it } from 'vitest';
import type { KubeObject, Observed } from '../../src/cluster/index.js';
import { silentLogger } from '../../src/log.js';
import { clusterReporter, happenedOf, newReportMemo } from '../../src/reconciler/executors/status.js';
import type { ObjectResult } from '../../src/reconciler/types.js';
import { admin, newNamespace } from '../support/kube.js';

const servers = inject('servers');
const GSO = { group: 'gitscale.dev', version: 'v1alpha1', plural: 'scaledobjects' };
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const observed = (o: Partial<Observed>): Observed => ({
  error: null,
  active: true,
  paused: false,
  triggers: [],
  gitReplicas: 1,
  desiredReplicas: 1,
  commit: null,
  pullRequest: null,
  ...o,
});

describe('clusterReporter', () => {
  it('skips what did not change; a change inside the window lands when it ends, the latest one', async () => {
    const a = admin(servers);
    const ns = await newNamespace(a, 'status-writer');
    const body = {
      apiVersion: 'gitscale.dev/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 'w' },
      spec: { scaleTargetRef: { name: 'w' }, triggers: [{ type: 'redis', metadata: { listName: 'x' } }] },
    };
    const created = (await a.custom.createNamespacedCustomObject({ ...GSO, namespace: ns, body })) as KubeObject;
    let patches = 0;
    const kube = {
      ...a.kube,
      patchStatus: async (...args: Parameters<typeof a.kube.patchStatus>) => (patches++, a.kube.patchStatus(...args)),
    };
    const deferred: number[] = [];
    const reporter = clusterReporter({
      kube,
      clock: { now: Date.now },
      log: silentLogger,
      minIntervalMs: 400,
      after: (ms, fn) => (deferred.push(ms), void setTimeout(fn, ms)),
    });
    const memo = newReportMemo();
    const origin = { apiVersion: 'gitscale.dev/v1alpha1', namespace: ns, name: 'w', uid: created.metadata.uid };
    const writer = { write: (_o: KubeObject, obs: Observed) => reporter.status(memo, origin, obs) };
    const status = async () => (await a.custom.getNamespacedCustomObject({ ...GSO, namespace: ns, name: 'w' })).status;

    await writer.write(created, observed({ gitReplicas: 1 }));
    expect(patches).toBe(1);
    await writer.write(created, observed({ gitReplicas: 1 }));
    expect(patches).toBe(1);
    // Two changes inside the window: nothing yet, then only the latest.
    await writer.write(created, observed({ gitReplicas: 2, desiredReplicas: 2 }));
    await writer.write(
      created,
      observed({
        error: { code: 'CONFIG_UNKNOWN_AUTH', message: "TriggerAuthentication 'a' is not defined" },
        gitReplicas: null,
        desiredReplicas: null,
      }),
    );
    expect(patches).toBe(1);
    // One deferred write for both, due when the window that began with the first write ends.
    expect(deferred).toHaveLength(1);
    expect(deferred[0]).toBeGreaterThan(0);
    expect(deferred[0]).toBeLessThanOrEqual(400);
    expect((await status()).conditions[0]).toMatchObject({ type: 'Ready', status: 'True' });
    for (let i = 0; i < 20 && patches < 2; i++) await sleep(100);
    await sleep(100);
    expect(patches).toBe(2);
    expect((await status()).conditions[0]).toMatchObject({ type: 'Ready', status: 'False', reason: 'CONFIG_UNKNOWN_AUTH' });
    expect((await status()).gitReplicas).toBe(2);
  });

  it('Events: one per thing that happened, each once while it says the same', async () => {
    const a = admin(servers);
    const ns = await newNamespace(a, 'status-events');
    const reporter = clusterReporter({ kube: a.kube, clock: { now: Date.now }, log: silentLogger, after: () => {} });
    const memo = newReportMemo();
    const origin = { apiVersion: 'gitscale.dev/v1alpha1', namespace: ns, name: 'w' };
    const r = {
      current: 1,
      desired: 3,
      commit: 'c0ffee0123456789',
      pullRequest: null,
      patch: null,
      error: null,
      errorCode: null,
    } as unknown as ObjectResult;
    await reporter.events(memo, origin, happenedOf(r));
    await reporter.events(memo, origin, happenedOf(r));
    await reporter.events(
      memo,
      origin,
      happenedOf({ ...r, commit: null, error: 'every trigger failed: nothing decided', errorCode: 'ALL_TRIGGERS_FAILED' }),
    );
    const list = await a.core.listNamespacedEvent({ namespace: ns });
    const said = list.items.map((e) => [e.reason, e.message]).sort();
    expect(said).toEqual([
      ['Committed', 'replicas 1 → 3 committed to Git (commit c0ffee012345)'],
      ['Failed', 'ALL_TRIGGERS_FAILED: every trigger failed: nothing decided'],
    ]);
  });
});
