import { describe, expect, expectTypeOf, it } from 'vitest';
import { bool, float, int, oneOf, parseSchema, problem, string, type Infer } from '../../src/scalers/schema.js';
import type { ScalerInput } from '../../src/scalers/types.js';

const schema = {
  name: string({ from: ['triggerMetadata', 'resolvedEnv'] }),
  size: int({ default: 5, min: 1, max: 100 }),
  ratio: float({ optional: true }),
  on: bool({ default: false }),
  mode: oneOf(['a', 'b'], { default: 'a' }),
  region: string({ from: ['triggerMetadata', 'authParams'], optional: true }),
  secret: string({ from: ['authParams', 'resolvedEnv'], optional: true, secret: true }),
  keyId: string({ from: ['authParams'], aliases: ['keyID'], optional: true }),
  count: int({ from: ['authParams', 'triggerMetadata'], optional: true, secret: false }),
  goal: float({ default: 1, role: 'target' }),
  floor: float({ default: 0, role: 'activation' }),
};

const input = (
  metadata: Record<string, string>,
  authParams: Record<string, string> = {},
  env: Record<string, string> = {},
): ScalerInput => ({ metadata, authParams, env });

describe('parseSchema', () => {
  it('infers the metadata type from the schema', () => {
    expectTypeOf<Infer<typeof schema>>().toEqualTypeOf<{
      name: string;
      size: number;
      ratio: number | undefined;
      on: boolean;
      mode: 'a' | 'b';
      region: string | undefined;
      secret: string | undefined;
      keyId: string | undefined;
      count: number | undefined;
      goal: number;
      floor: number;
    }>();
  });

  it.each([
    { name: 'defaults', input: input({ name: 'x' }), want: { name: 'x', size: 5, ratio: undefined, on: false, mode: 'a' } },
    {
      name: 'typed values',
      input: input({ name: 'x', size: ' 7 ', ratio: '1.5e1', on: 'True', mode: 'b' }),
      want: { size: 7, ratio: 15, on: true, mode: 'b' },
    },
    { name: 'whitespace counts as missing', input: input({ name: 'x', size: '   ' }), want: { size: 5 } },
    { name: 'FromEnv', input: input({ nameFromEnv: 'QUEUE' }, {}, { QUEUE: 'from-env' }), want: { name: 'from-env' } },
    {
      name: 'metadata before FromEnv',
      input: input({ name: 'direct', nameFromEnv: 'QUEUE' }, {}, { QUEUE: 'from-env' }),
      want: { name: 'direct' },
    },
    { name: 'authParams before metadata when listed first', input: input({ name: 'x', count: '1' }, { count: '2' }), want: { count: 2 } },
    {
      name: 'metadata before authParams when listed first',
      input: input({ name: 'x', region: 'eu-west-1' }, { region: 'us-east-1' }),
      want: { region: 'eu-west-1' },
    },
    { name: 'authParams fill in', input: input({ name: 'x' }, { region: 'us-east-1' }), want: { region: 'us-east-1' } },
    { name: 'alias', input: input({ name: 'x' }, { keyID: 'AK' }), want: { keyId: 'AK' } },
    { name: 'strings keep their spaces', input: input({ name: ' x ' }), want: { name: ' x ' } },
  ])('$name', ({ input: i, want }) => {
    const r = parseSchema(schema, i);
    expect(r.ok && r.meta).toMatchObject(want);
  });

  it.each([
    { name: 'required missing', input: input({}), wantFields: ['name'] },
    { name: 'bad int', input: input({ name: 'x', size: '5.0' }), wantFields: ['size'] },
    { name: 'int out of range', input: input({ name: 'x', size: '0' }), wantFields: ['size'] },
    { name: 'bad float', input: input({ name: 'x', ratio: '1,5' }), wantFields: ['ratio'] },
    { name: 'bad bool', input: input({ name: 'x', on: 'yes' }), wantFields: ['on'] },
    { name: 'bad enum', input: input({ name: 'x', mode: 'c' }), wantFields: ['mode'] },
    { name: 'every problem at once', input: input({ size: 'x', on: 'maybe' }), wantFields: ['name', 'size', 'on'] },
    {
      name: 'FromEnv naming an unset variable (reported on the FromEnv key, once)',
      input: input({ nameFromEnv: 'NOPE' }),
      wantFields: ['nameFromEnv'],
    },
    {
      name: 'FromEnv naming an empty variable',
      input: input({ name: 'x', secretFromEnv: 'EMPTY' }, {}, { EMPTY: ' ' }),
      wantFields: ['secretFromEnv'],
    },
    {
      name: 'FromEnv unset although the key is given directly',
      input: input({ name: 'x', nameFromEnv: 'NOPE' }),
      wantFields: ['nameFromEnv'],
    },
    {
      name: 'FromEnv unset for a key the schema does not read',
      input: input({ name: 'x', hostFromEnv: 'NOPE' }),
      wantFields: ['hostFromEnv'],
    },
    { name: 'target 0', input: input({ name: 'x', goal: '0' }), wantFields: ['goal'] },
    { name: 'target negative', input: input({ name: 'x', goal: '-3' }), wantFields: ['goal'] },
    { name: 'target not a number', input: input({ name: 'x', goal: 'abc' }), wantFields: ['goal'] },
    { name: 'activation not a number', input: input({ name: 'x', floor: 'abc' }), wantFields: ['floor'] },
  ])('$name', ({ input: i, wantFields }) => {
    const r = parseSchema(schema, i);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => e.field)).toEqual(wantFields);
  });

  it('names the FromEnv key and its unset variable, with a code, instead of a bare "required"', () => {
    const r = parseSchema(schema, input({ nameFromEnv: 'NOPE' }));
    expect(!r.ok && r.errors).toEqual([
      {
        field: 'nameFromEnv',
        message: `'nameFromEnv' names environment variable 'NOPE', which is not set (or empty) in gitscale's environment`,
        code: 'TRIGGER_ENV_MISSING',
      },
    ]);
  });

  it.each([
    {
      name: 'a float target must be > 0',
      input: input({ name: 'x', goal: '-3' }),
      want: `'goal' from metadata 'goal': -3 must be > 0 (the target divides the metric, as KEDA and the HPA require)`,
    },
    {
      name: 'an int target with min 1 keeps its range message',
      input: input({ name: 'x', size: '0' }),
      want: `'size' from metadata 'size': 0 must be >= 1`,
    },
  ])('target message: $name', ({ input: i, want }) => {
    const r = parseSchema(schema, i);
    expect(!r.ok && r.errors.map((e) => e.message)).toEqual([want]);
  });

  it.each([
    { name: '0 is the default threshold', input: input({ name: 'x', floor: '0' }), want: [] },
    { name: 'a positive threshold', input: input({ name: 'x', floor: '2.5' }), want: [] },
    {
      name: 'a negative one is allowed (KEDA: activation sees raw, possibly negative values) but warned about',
      input: input({ name: 'x', floor: '-1' }),
      want: [
        `'floor' is -1: below 0 the trigger is active whenever its value is 0 or more (allowed, as in KEDA, for metrics that can go negative)`,
      ],
    },
  ])('activation threshold: $name', ({ input: i, want }) => {
    const r = parseSchema(schema, i);
    expect(r.ok && r.warnings).toEqual(want);
  });

  it('treats a blank secret as missing', () => {
    const r = parseSchema({ tok: string({ from: ['authParams'], secret: true }) }, input({}, { tok: '   ' }));
    expect(!r.ok && r.errors).toEqual([{ field: 'tok', message: `'tok' is required; looked in authentication parameters` }]);
  });

  it('warns about unknown keys, FromEnv for keys without env, and keys read elsewhere', () => {
    const r = parseSchema(
      schema,
      input({ name: 'x', bogus: '1', sizeFromEnv: 'S', secret: 'oops', keyID: 'k', nameFromEnv: 'N' }, {}, { N: 'n', S: '3' }),
    );
    expect(r.ok && r.warnings).toEqual([
      `unknown metadata key 'bogus' is ignored`,
      `metadata 'keyID' is ignored: 'keyId' is read only from authentication parameters`,
      `metadata 'secret' is ignored: 'secret' is read only from authentication parameters, an environment variable (<key>FromEnv)`,
      `metadata 'sizeFromEnv' is ignored: 'size' cannot be read from an environment variable`,
    ]);
  });

  it('warns about authentication parameters the schema does not read from authParams, as for metadata keys (field: the parameter)', () => {
    const r = parseSchema(schema, input({ name: 'x' }, { keyId: 'k', keyID: 'alias', secret: 's', name: 'n', bogus: 'b' }));
    expect(r.ok && r.warnings).toEqual([
      {
        field: 'bogus',
        code: 'TRIGGER_AUTH_PARAM_UNKNOWN',
        message: expect.stringMatching(/^unknown authentication parameter 'bogus' is ignored \(read: .*keyId.*\)$/),
      },
      {
        field: 'name',
        code: 'TRIGGER_AUTH_PARAM_UNKNOWN',
        message:
          "authentication parameter 'name' is ignored: 'name' is read only from trigger metadata, an environment variable (<key>FromEnv)",
      },
    ]);
  });

  it('runs validate only on a complete result, and collects its problems', () => {
    const seen: unknown[] = [];
    const v = (m: Infer<typeof schema>) => {
      seen.push(m);
      return m.size > 50 ? [problem('size', 'too big for this mode')] : [];
    };
    expect(parseSchema(schema, input({}), v).ok).toBe(false);
    expect(seen).toEqual([]);
    const r = parseSchema(schema, input({ name: 'x', size: '60' }), v);
    expect(!r.ok && r.errors).toEqual([{ field: 'size', message: 'too big for this mode' }]);
  });
});
