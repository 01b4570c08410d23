// The tick's plan (pure): which decisions one commit carries, which go to pull requests, which
// settle, and the cluster intents that may follow a landed commit.
import { describe, expect, it } from 'vitest';
import type { ObjectConfig } from '../../src/config/types.js';
import type { Decision } from '../../src/engine/types.js';
import { plan } from '../../src/reconciler/tick/plan.js';
import type { Evaluated, ObjectResult, Route } from '../../src/reconciler/types.js';

const obj = (name: string) =>
  ({
    key: `default/${name}`,
    namespace: 'default',
    name,
    directPatch: !name.startsWith('never'),
    spec: name.startsWith('paused') ? { pause: { paused: true, scaleIn: false, scaleOut: false, forceActivation: false } } : {},
  }) as ObjectConfig;

function decided(
  name: string,
  current: number,
  desired: number,
  route: Route,
  error: string | null = null,
  liveSpec: number | null = null,
): Evaluated {
  const result = { key: `default/${name}`, current, desired, route, error } as ObjectResult;
  const live = liveSpec === null ? null : { specReplicas: liveSpec, statusReplicas: liveSpec, readyReplicas: liveSpec, selector: null };
  return {
    kind: 'decided',
    result,
    decision: { current, desired, active: desired > 0 } as Decision,
    file: `apps/${name}.yaml`,
    field: 'spec.replicas',
    live,
    liveError: null,
  };
}
const failedEv = (name: string): Evaluated => ({
  kind: 'failed',
  result: { key: `default/${name}`, route: 'none', error: 'boom' } as ObjectResult,
});

describe('plan', () => {
  it.each([
    {
      name: 'commits, a pull request, a no-op and a failure',
      evs: [decided('a', 1, 2, 'commit'), decided('b', 2, 20, 'pull-request'), decided('c', 3, 3, 'none'), failedEv('d')],
      want: {
        changeSet: ['default/a'],
        pullRequests: ['default/b'],
        settled: ['default/a', 'default/c'],
        scalePatches: [],
        nudges: [{ repoUrl: 'm', objects: [{ key: 'default/a', application: null }] }],
      },
    },
    {
      name: 'a scale from zero: committed, then patched',
      evs: [decided('a', 0, 4, 'direct-patch+commit'), decided('b', 1, 2, 'commit')],
      want: {
        changeSet: ['default/a', 'default/b'],
        pullRequests: [],
        settled: ['default/a', 'default/b'],
        scalePatches: [{ key: 'default/a', from: 0, replicas: 4, afterCommit: true }],
        nudges: [
          {
            repoUrl: 'm',
            objects: [
              { key: 'default/a', application: null },
              { key: 'default/b', application: null },
            ],
          },
        ],
      },
    },
    {
      name: 'Git holds 4 but the workload still runs 0 (an earlier patch failed): patched again, no commit',
      evs: [decided('a', 4, 4, 'none', null, 0), decided('b', 3, 3, 'none', null, 3), decided('never-c', 2, 2, 'none', null, 0)],
      want: {
        changeSet: [],
        pullRequests: [],
        settled: ['default/a', 'default/b', 'default/never-c'],
        scalePatches: [{ key: 'default/a', from: 0, replicas: 4, afterCommit: false }],
        nudges: [],
      },
    },
    {
      name: 'paused (autoscaling.keda.sh/paused): the workload at 0 is left alone',
      evs: [decided('paused-a', 4, 4, 'none', null, 0)],
      want: { changeSet: [], pullRequests: [], settled: ['default/paused-a'], scalePatches: [], nudges: [] },
    },
    {
      name: 'Git and the cluster both at 0 with nothing to do: no patch',
      evs: [decided('a', 0, 0, 'none', null, 0)],
      want: { changeSet: [], pullRequests: [], settled: ['default/a'], scalePatches: [], nudges: [] },
    },
    {
      name: 'every trigger failed (decided, with an error): nothing written, nothing settled',
      evs: [decided('a', 2, 2, 'none', 'every trigger failed: nothing decided')],
      want: { changeSet: [], pullRequests: [], settled: [], scalePatches: [], nudges: [] },
    },
  ])('$name', ({ evs, want }) => {
    const p = plan(
      'm',
      evs.map((e) => obj(e.result.key.split('/')[1])),
      evs,
      true,
    );
    expect({
      changeSet: p.changeSet.map((i) => i.obj.key),
      pullRequests: p.pullRequests.map((i) => i.obj.key),
      settled: p.settled.map((i) => i.obj.key),
      scalePatches: p.scalePatches,
      nudges: p.nudges,
    }).toEqual(want);
  });
});

describe('plan with cluster.directPatch off', () => {
  it('plans no patch, not even for a workload still at 0', () => {
    const evs = [decided('a', 4, 4, 'none', null, 0)];
    expect(plan('m', [obj('a')], evs, false).scalePatches).toEqual([]);
  });
});

describe('plan: reports', () => {
  it('every object from the cluster gets its status and Events, decided, failed or not written; the others none', () => {
    const origin = { apiVersion: 'gitscale.dev/v1alpha1', namespace: 'default', name: 'a' };
    const objects = [{ ...obj('a'), origin }, obj('b'), { ...obj('paused-c'), origin: { ...origin, name: 'paused-c' } }];
    const evs = [decided('a', 1, 2, 'commit'), decided('b', 1, 2, 'commit'), failedEv('paused-c')];
    const p = plan('m', objects, evs, true);
    expect(p.reports).toEqual([
      { key: 'default/a', origin, paused: false, ev: evs[0] },
      { key: 'default/paused-c', origin: { ...origin, name: 'paused-c' }, paused: true, ev: evs[2] },
    ]);
  });
});
