// The tick's seams (pure): what the cluster may do given what git and the forge did, each planned
// patch's note, the outcome of each review, the results and next states, and the decide-within
// deadline through an injected timer.
import { describe, expect, it } from 'vitest';
import type { Carried, PatchOutcome } from '../../src/cluster/index.js';
import type { ObjectConfig } from '../../src/config/types.js';
import type { Decision, EngineState, TriggerInput } from '../../src/engine/types.js';
import { GitError } from '../../src/errors.js';
import type { WriteResult } from '../../src/git/types.js';
import { clusterIntents, patchNotes } from '../../src/reconciler/executors/cluster.js';
import { reviewOutcomes } from '../../src/reconciler/executors/forge.js';
import { LATE } from '../../src/reconciler/tick/evaluate.js';
import type { Outcome } from '../../src/reconciler/tick/outcome.js';
import { plan } from '../../src/reconciler/tick/plan.js';
import { nextStates, resultsOf } from '../../src/reconciler/tick/results.js';
import type { ObjectStates } from '../../src/reconciler/state.js';
import { lateAware } from '../../src/reconciler/tick/tick.js';
import type { Evaluated, ObjectResult, Route } from '../../src/reconciler/types.js';

const obj = (name: string, application?: string) =>
  ({
    key: `default/${name}`,
    namespace: 'default',
    name,
    directPatch: true,
    spec: {},
    target: { apiVersion: 'apps/v1', kind: 'Deployment', name },
    ...(application ? { argocdApplication: { namespace: 'argocd', name: application } } : {}),
  }) as ObjectConfig;

function decided(name: string, current: number, desired: number, route: Route, liveSpec: number | null = null): Evaluated {
  const result = {
    key: `default/${name}`,
    current,
    desired,
    route,
    error: null,
    errorCode: null,
    reason: 'r',
    patch: null,
    commit: null,
    pullRequest: null,
  } as ObjectResult;
  const live = liveSpec === null ? null : { specReplicas: liveSpec, statusReplicas: liveSpec, readyReplicas: liveSpec, selector: null };
  const state = { scaleEvents: [{ at: 9, change: desired - current }] } as unknown as EngineState;
  return {
    kind: 'decided',
    result,
    decision: { current, desired, active: desired > 0, state } as Decision,
    file: `apps/${name}.yaml`,
    field: 'spec.replicas',
    live,
    liveError: null,
  };
}

const written = (over: Partial<WriteResult> = {}): WriteResult => ({
  commit: 'c0ffee',
  parent: 'beef',
  files: ['apps/a.yaml'],
  message: 'm',
  attempts: 1,
  ...over,
});

describe('clusterIntents', () => {
  const objects = [obj('a', 'app-a'), obj('b', 'app-b'), obj('c')];
  const evs = [decided('a', 0, 4, 'direct-patch+commit', 0), decided('b', 1, 2, 'commit'), decided('c', 3, 3, 'none', 0)];
  const p = plan('https://git.example/m.git', objects, evs, true);

  it('after a landed commit: the nudge (files of the commit, Applications of committed objects) and the patches', () => {
    const outcomes = new Map<string, Outcome>([
      ['default/a', { kind: 'committed', commit: 'c0ffee' }],
      ['default/b', { kind: 'skipped' }],
    ]);
    const i = clusterIntents(p, written(), outcomes);
    expect(i.nudge).toEqual({
      repoUrl: 'https://git.example/m.git',
      files: ['apps/a.yaml'],
      applications: [{ namespace: 'argocd', name: 'app-a' }],
      commit: 'c0ffee',
      parent: 'beef',
    });
    expect(i.patches).toEqual([
      {
        key: 'default/a',
        ref: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'a' },
        from: 0,
        to: 4,
        commit: 'c0ffee',
      },
      // Git already holds 3 while the workload runs 0: patched now, with no commit.
      {
        key: 'default/c',
        ref: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'c' },
        from: 0,
        to: 3,
        commit: null,
      },
    ]);
  });

  it('a push that failed: no nudge, no patch after it (the one that needs no commit still goes)', () => {
    const outcomes = new Map<string, Outcome>([
      ['default/a', { kind: 'failed', error: new Error('push') }],
      ['default/b', { kind: 'failed', error: new Error('push') }],
    ]);
    const i = clusterIntents(p, null, outcomes);
    expect(i.nudge).toBeNull();
    expect(i.patches.map((x) => x.key)).toEqual(['default/c']);
  });

  it('a bot branch that already held the change (nothing pushed): no nudge, no patch after it', () => {
    const i = clusterIntents(p, written({ unchanged: true }), new Map([['default/a', { kind: 'committed', commit: 'c0ffee' }]]));
    expect(i.nudge).toBeNull();
    expect(i.patches.map((x) => x.key)).toEqual(['default/c']);
  });
});

describe('patchNotes', () => {
  const intents = {
    nudge: null,
    patches: [{ key: 'k', ref: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'n', name: 'w' }, from: 0, to: 3, commit: 'c' }],
  };
  const carried = (o: PatchOutcome): Carried => ({
    nudge: null,
    waited: null,
    patches: new Map([['k', o]]),
    ms: { nudge: 0, wait: 0, patch: 0 },
  });
  it.each<[PatchOutcome, string, boolean]>([
    [{ kind: 'patched', note: 'after Argo CD synced' }, 'patched 0→3: after Argo CD synced', false],
    [{ kind: 'conflict', live: 2 }, 'not patched: the live count moved from 0 to 2 meanwhile (left as it is)', false],
    [
      { kind: 'already', note: 'synced' },
      'not needed: the workload already runs 3 (Argo CD / Flux applied the commit first; synced)',
      false,
    ],
    [{ kind: 'standby' }, 'not patched: this replica lost its lease (the new holder patches what Git holds)', false],
    [{ kind: 'missing' }, 'not patched: the workload is not in the cluster yet (Argo CD / Flux will create it from Git)', false],
    [{ kind: 'failed', error: new Error('forbidden') }, 'patch failed (retried next tick): forbidden', true],
  ])('%o', (o, note, hasError) => {
    const n = patchNotes(intents, carried(o)).get('k')!;
    expect(n.note).toBe(note);
    expect(n.error !== undefined).toBe(hasError);
  });
  it('nothing carried out: no notes', () => expect(patchNotes(intents, null).size).toBe(0));
});

describe('reviewOutcomes', () => {
  const items = [
    { obj: obj('a'), ev: decided('a', 1, 20, 'pull-request') as never },
    { obj: obj('b'), ev: decided('b', 1, 20, 'pull-request') as never },
  ];
  it('a pull request, a failure, and without a forge', () => {
    const err = new GitError('GIT_PUSH_REFUSED', 'no');
    const f = new Map([
      ['default/a', { pr: { number: 7, url: 'u', branch: 'x', head: 'h' } as never, note: 'opened' }],
      ['default/b', { error: err }],
    ]);
    expect(reviewOutcomes(items, f)).toEqual([
      ['default/a', { kind: 'in-review', pr: { number: 7, url: 'u' }, note: 'opened' }],
      ['default/b', { kind: 'failed', error: err }],
    ]);
    expect(reviewOutcomes(items, null)).toEqual([
      ['default/a', { kind: 'in-review', pr: undefined, note: undefined }],
      ['default/b', { kind: 'in-review', pr: undefined, note: undefined }],
    ]);
  });
});

describe('resultsOf and nextStates', () => {
  const evs = [
    decided('a', 0, 4, 'direct-patch+commit', 0),
    decided('b', 1, 2, 'commit'),
    { kind: 'failed', result: { key: 'default/f', error: 'boom' } as ObjectResult } as Evaluated,
  ];
  const prevState = { scaleEvents: [{ at: 1, change: 1 }] } as unknown as EngineState;
  it('a failed patch fails its object; a written decision keeps its scale event, a failed one does not', () => {
    const done = {
      outcomes: new Map<string, Outcome>([
        ['default/a', { kind: 'committed', commit: 'c' }],
        ['default/b', { kind: 'failed', error: new Error('push') }],
      ]),
      written: written(),
      patches: new Map([['default/a', { note: 'patch failed (retried next tick): forbidden', error: new Error('forbidden') }]]),
    };
    const [a, b, f] = resultsOf(evs, done);
    expect(a).toMatchObject({ commit: 'c', patch: 'patch failed (retried next tick): forbidden', error: 'forbidden' });
    expect(b).toMatchObject({ error: 'push', commit: null });
    expect(f).toBe(evs[2].result);
    const next = new Map(nextStates(evs, done, () => prevState));
    expect([...next.keys()]).toEqual(['default/a', 'default/b']);
    expect(next.get('default/a')!.scaleEvents).toEqual([{ at: 9, change: 4 }]);
    expect(next.get('default/b')!.scaleEvents).toEqual(prevState.scaleEvents);
  });
});

describe('lateAware (the decide-within deadline, on an injected timer)', () => {
  it('answers LATE past the deadline, keeps the sample in flight for the next tick, and says once when it answers', async () => {
    let fire!: () => void;
    let answer!: (v: TriggerInput[]) => void;
    let asked = 0;
    const pool = {
      needsWorkload: () => false,
      sample: () => {
        asked++;
        return new Promise<TriggerInput[]>((r) => {
          answer = r;
        });
      },
    };
    const answered: string[] = [];
    const states: ObjectStates = new Map();
    const late = {
      afterMs: 300,
      deadline: (ms: number) => {
        expect(ms).toBe(300);
        return new Promise<void>((r) => {
          fire = r;
        });
      },
      onAnswered: (k: string) => answered.push(k),
    };
    const first = lateAware(pool, late, states).sample(obj('a'));
    await Promise.resolve();
    fire();
    expect(await first).toBe(LATE);
    expect(states.get('default/a')!.pending).toBeDefined();
    answer([]);
    await new Promise((r) => setImmediate(r));
    expect(answered).toEqual(['default/a']);
    // The next tick takes the answer in flight: the endpoint is not asked again.
    const second = await lateAware(pool, { ...late, deadline: () => new Promise(() => {}) }, states).sample(obj('a'));
    expect(second).toEqual([]);
    expect(asked).toBe(1);
    expect(states.get('default/a')!.pending).toBeUndefined();
  });
});
