// Shared helpers for the scaler tests: build an input, sample once, assert a typed error.
import { expect } from 'vitest';
import { ScalerError } from '../../src/errors.js';
import type { RawSample, Scaler, ScalerDefinition, ScalerInput } from '../../src/scalers/types.js';
import { scalerDeps } from '../../src/cli/scaler-clients.js';

export const input = (
  metadata: Record<string, string>,
  authParams: Record<string, string> = {},
  env: Record<string, string> = {},
): ScalerInput => ({ metadata, authParams, env });

/** One set of scaler clients for a test file's scalers, as a reconciler has one for all its triggers (an assumed role is shared). */
const deps = scalerDeps();

/** Parses and creates the scaler, hands it to `fn` (several samples, aborts…), then closes it. */
export async function withScaler<T>(def: ScalerDefinition, i: ScalerInput, trigger: string, fn: (s: Scaler) => Promise<T>): Promise<T> {
  const parsed = def.parse(i);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const s = def.create(parsed.meta, deps, trigger);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

/** Parses, creates, samples once and closes. */
export function sampleOnce(def: ScalerDefinition, i: ScalerInput, trigger: string, timeoutMs = 10_000): Promise<RawSample> {
  return withScaler(def, i, trigger, (s) => s.sample(AbortSignal.timeout(timeoutMs)));
}

/** The promise rejects with a ScalerError of `code` naming `trigger`, with none of `secrets` in it. */
export async function expectScalerError(p: Promise<unknown>, code: string, trigger: string, secrets: string[] = []): Promise<ScalerError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ScalerError);
  const err = e as ScalerError;
  expect(err.code).toBe(code);
  expect(err.message).toContain(`'${trigger}'`);
  expect(err.data.trigger).toBe(trigger);
  for (const s of secrets) expect(JSON.stringify(err.toJSON()) + err.message).not.toContain(s);
  return err;
}
