// The status writer on the real API server: an unchanged status is not written again; a change
// inside the rate-limit window is written when the window ends (the latest one), even with no
// tick after it — a ScaledObject refused meanwhile has none.
import { describe, expect, inject, it } from 'vitest';
import { statusWriter } from '../../src/cli/sources.js';
import type { KubeObject, Observed } from '../../src/cluster/index.js';
import { silentLogger } from '../../src/log.js';
import { admin, newNamespace } from '../support/kube.js';

const servers = inject('servers');
const GSO = { group: 'gitscale.dev', version: 'v1alpha1', plural: 'scaledobjects' };
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const observed = (o: Partial<Observed>): Observed => ({ error: null, active: true, paused: false, triggers: [], gitReplicas: 1, desiredReplicas: 1, commit: null, pullRequest: null, ...o });

describe('statusWriter', () => {
  it('skips what did not change; a change inside the window lands when it ends, the latest one', async () => {
    const a = admin(servers);
    const ns = await newNamespace(a, 'status-writer');
    const body = { apiVersion: 'gitscale.dev/v1alpha1', kind: 'ScaledObject', metadata: { name: 'w' }, spec: { scaleTargetRef: { name: 'w' }, triggers: [{ type: 'redis', metadata: { listName: 'x' } }] } };
    const created = (await a.custom.createNamespacedCustomObject({ ...GSO, namespace: ns, body })) as KubeObject;
    let patches = 0;
    const kube = { ...a.kube, patchStatus: async (...args: Parameters<typeof a.kube.patchStatus>) => (patches++, a.kube.patchStatus(...args)) };
    const writer = statusWriter({ kube, clock: { now: Date.now, monotonic: () => performance.now(), sleep }, source: 'test', identity: 'test', namespace: ns }, silentLogger, 400);
    const status = async () => (await a.custom.getNamespacedCustomObject({ ...GSO, namespace: ns, name: 'w' })).status;

    await writer.write(created, observed({ gitReplicas: 1 }));
    expect(patches).toBe(1);
    await writer.write(created, observed({ gitReplicas: 1 }));
    expect(patches).toBe(1);
    // Two changes inside the window: nothing yet, then only the latest.
    await writer.write(created, observed({ gitReplicas: 2, desiredReplicas: 2 }));
    await writer.write(created, observed({ error: { code: 'CONFIG_UNKNOWN_AUTH', message: "TriggerAuthentication 'a' is not defined" }, gitReplicas: null, desiredReplicas: null }));
    expect(patches).toBe(1);
    expect((await status()).conditions[0]).toMatchObject({ type: 'Ready', status: 'True' });
    for (let i = 0; i < 20 && patches < 2; i++) await sleep(100);
    await sleep(100);
    expect(patches).toBe(2);
    expect((await status()).conditions[0]).toMatchObject({ type: 'Ready', status: 'False', reason: 'CONFIG_UNKNOWN_AUTH' });
    expect((await status()).gitReplicas).toBe(2);
  });
});
