// What the triggers read from a workload's manifest: its container's env (for *FromEnv keys) and
// the ServiceAccount its pods run as (for podIdentity identityOwner: workload).
import { describe, expect, it } from 'vitest';
import { containerEnv, podServiceAccount } from '../../src/manifests/index.js';

const target = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'worker', namespace: 'shop' };
const manifest = (pod: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: worker }\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: { name: worker }\nspec:\n  template:\n    spec:\n${pod}`;

describe('podServiceAccount', () => {
  it('the pod template’s serviceAccountName (or the older serviceAccount), else default; null without a pod template', () => {
    expect(podServiceAccount(manifest('      serviceAccountName: reader\n      containers: [{ name: w }]\n'), target)).toBe('reader');
    expect(podServiceAccount(manifest('      serviceAccount: legacy\n      containers: [{ name: w }]\n'), target)).toBe('legacy');
    expect(podServiceAccount(manifest('      containers: [{ name: w }]\n'), target)).toBe('default');
    expect(podServiceAccount('replicaCount: 2\n', target)).toBeNull();
    expect(
      podServiceAccount(manifest('      serviceAccountName: reader\n').replace('name: worker }\nspec', 'name: other }\nspec'), target),
    ).toBeNull();
  });
});

describe('containerEnv', () => {
  it('the first container’s env, or the one named; literal values and references as written', () => {
    const text = manifest(
      '      containers:\n        - name: a\n          env: [{ name: X, value: "1" }]\n        - name: b\n          env:\n            - { name: P, valueFrom: { secretKeyRef: { name: s, key: k } } }\n',
    );
    expect(containerEnv(text, target)).toEqual([{ name: 'X', value: '1' }]);
    expect(containerEnv(text, target, 'b')).toEqual([{ name: 'P', secretKeyRef: { name: 's', key: 'k' } }]);
  });
});
