// The `cluster:` block: defaults as the issue names them (client-go's lease timings), and every
// bad value named by its field.
import { describe, expect, it } from 'vitest';
import { CLUSTER_DEFAULTS, validateCluster } from '../../src/config/cluster.js';
import type { Problem } from '../../src/config/fields.js';

function check(raw: unknown) {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  return { settings: validateCluster(raw, problems, warnings), problems, warnings };
}

describe('validateCluster', () => {
  it('absent: direct patch and nudges on, 10 s sync wait, a 15/10/2 s Lease named gitscale, one shard', () => {
    expect(check(undefined).settings).toEqual(CLUSTER_DEFAULTS);
    expect(CLUSTER_DEFAULTS).toMatchObject({
      directPatch: true,
      nudge: true,
      syncWaitSeconds: 10,
      shards: 1,
      leaderElection: { enabled: true, name: 'gitscale', leaseDurationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2 },
    });
  });

  it('reads every knob', () => {
    const r = check({
      directPatch: false,
      nudge: false,
      syncWaitSeconds: 3,
      driftAfterSeconds: 60,
      shards: 3,
      leaderElection: { name: 'gs', namespace: 'ops', leaseDurationSeconds: 30, renewDeadlineSeconds: 20, retryPeriodSeconds: 5 },
    });
    expect(r.problems).toEqual([]);
    expect(r.settings).toEqual({
      directPatch: false,
      nudge: false,
      syncWaitSeconds: 3,
      driftAfterSeconds: 60,
      shards: 3,
      leaderElection: {
        enabled: true,
        name: 'gs',
        namespace: 'ops',
        leaseDurationSeconds: 30,
        renewDeadlineSeconds: 20,
        retryPeriodSeconds: 5,
      },
    });
  });

  it.each([
    { name: 'not a map', raw: 'yes', field: 'cluster', code: 'CONFIG_TYPE' },
    { name: 'directPatch not a boolean', raw: { directPatch: 'no' }, field: 'cluster.directPatch', code: 'CONFIG_TYPE' },
    { name: 'shards below 1', raw: { shards: 0 }, field: 'cluster.shards', code: 'CONFIG_RANGE' },
    {
      name: 'renew deadline not below the lease',
      raw: { leaderElection: { leaseDurationSeconds: 10, renewDeadlineSeconds: 10 } },
      field: 'cluster.leaderElection.renewDeadlineSeconds',
      code: 'CONFIG_RANGE',
    },
    {
      name: 'retry not below the renew deadline',
      raw: { leaderElection: { retryPeriodSeconds: 10 } },
      field: 'cluster.leaderElection.retryPeriodSeconds',
      code: 'CONFIG_RANGE',
    },
    {
      name: 'a Lease name that is no DNS name',
      raw: { leaderElection: { name: 'Git_Scale' } },
      field: 'cluster.leaderElection.name',
      code: 'CONFIG_NAME',
    },
  ])('$name → $code on $field', ({ raw, field, code }) => {
    expect(check(raw).problems).toContainEqual(expect.objectContaining({ field, code }));
  });

  it('warns about unknown keys', () => {
    expect(check({ directpatch: true }).warnings).toContainEqual(expect.objectContaining({ field: 'cluster.directpatch' }));
  });
});
