// Which objects cannot run: a target that cannot be read puts an object in, a decision or a later
// failure (trigger, write) takes it out, a deferred tick leaves it as it was.
import { describe, expect, it } from 'vitest';
import { afterResults, fromProblems, isTargetCode, type Unrunnable } from '../../src/reconciler/target/runnable.js';
import { baseResult } from '../../src/reconciler/tick/evaluate.js';
import type { ConfigProblem, ObjectConfig } from '../../src/config/types.js';
import type { ObjectResult } from '../../src/reconciler/types.js';

const result = (key: string, over: Partial<ObjectResult>): ObjectResult => {
  const [namespace, name] = key.split('/');
  return { ...baseResult({ key, namespace, name, repository: 'apps', path: `${name}.yaml` } as ObjectConfig), ...over };
};
const gone: Unrunnable = { code: 'MANIFEST_FILE_NOT_FOUND', message: "default/a: a.yaml is not in repository 'apps'", file: 'a.yaml' };

describe('afterResults', () => {
  it.each([
    {
      name: 'a file not found puts it in',
      prev: [],
      r: result('default/a', { error: gone.message, errorCode: 'MANIFEST_FILE_NOT_FOUND' }),
      want: [['default/a', gone]],
    },
    {
      name: 'a workload not in the file puts it in',
      prev: [],
      r: result('default/a', { error: 'x', errorCode: 'TARGET_NOT_FOUND' }),
      want: [['default/a', { code: 'TARGET_NOT_FOUND', message: 'x', file: 'a.yaml' }]],
    },
    { name: 'a decision takes it out', prev: [['default/a', gone]], r: result('default/a', { current: 2, desired: 2 }), want: [] },
    {
      name: 'every trigger failing (the target read) takes it out',
      prev: [['default/a', gone]],
      r: result('default/a', { current: 2, desired: 2, error: 'every trigger failed: nothing decided', errorCode: 'ALL_TRIGGERS_FAILED' }),
      want: [],
    },
    {
      name: 'a failed push takes it out (the target read; nothing about it to wait for)',
      prev: [['default/a', gone]],
      r: result('default/a', { error: 'push failed', errorCode: 'GIT_PUSH_FAILED' }),
      want: [],
    },
    {
      name: 'an edit not confirmed is a write problem, not an unrunnable object',
      prev: [],
      r: result('default/a', { error: 'x', errorCode: 'EDIT_NOT_CONFIRMED' }),
      want: [],
    },
    {
      name: 'a deferred tick (no answer yet) leaves it in',
      prev: [['default/a', gone]],
      r: result('default/a', { reason: 'a trigger has not answered yet' }),
      want: [['default/a', gone]],
    },
  ] as { name: string; prev: [string, Unrunnable][]; r: ObjectResult; want: [string, Unrunnable][] }[])('$name', ({ prev, r, want }) => {
    expect([...afterResults(new Map(prev), [r])]).toEqual(want);
  });

  it('leaves the objects not in the results alone', () => {
    const prev = new Map([['default/b', gone]]);
    expect([...afterResults(prev, [result('default/a', { current: 1, desired: 1 })])]).toEqual([['default/b', gone]]);
  });
});

describe('fromProblems', () => {
  it("takes validate's target problems of known objects, not a repository's sync failure nor a trigger's", () => {
    const problems: ConfigProblem[] = [
      {
        object: 'default/a',
        file: 'a.yaml',
        field: 'metadata.annotations["gitscale.dev/path"]',
        message: gone.message,
        code: 'MANIFEST_FILE_NOT_FOUND',
      },
      { object: 'repository apps', file: 'gitscale.yaml', field: 'repositories[0].url', message: 'unreachable', code: 'GIT_ERROR' },
      {
        object: 'default/b',
        file: 'gitscale.yaml',
        field: 'spec.triggers[0].metadata.passwordFromEnv',
        message: 'unset',
        code: 'TRIGGER_ENV_MISSING',
      },
    ];
    expect([...fromProblems(problems, ['default/a', 'default/b'])]).toEqual([['default/a', gone]]);
    expect(isTargetCode(null)).toBe(false);
  });
});
