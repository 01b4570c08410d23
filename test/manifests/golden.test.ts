// Golden pairs: fixtures/manifests/deployment/<case>/{input.yaml, expected.yaml, case.json},
// compared byte-for-byte. Files are read without any line-ending normalisation
// (fixtures/.gitattributes keeps git from converting them either).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManifestError } from '../../src/errors.js';
import { readReplicas, setReplicas, type WorkloadTarget } from '../../src/manifests/index.js';

const root = join(import.meta.dirname, '../../fixtures/manifests/deployment');

interface Case { target: WorkloadTarget; replicas: number; wantCode?: string }

const cases = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => {
    const dir = join(root, d.name);
    const spec = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as Case;
    const input = readFileSync(join(dir, 'input.yaml')).toString('utf8');
    const expectedPath = join(dir, 'expected.yaml');
    const expected = existsSync(expectedPath) ? readFileSync(expectedPath).toString('utf8') : undefined;
    return { name: d.name, ...spec, input, expected };
  })
  .sort((a, b) => a.name.localeCompare(b.name));

describe('golden pairs', () => {
  it('has at least 25 cases, each either an expected.yaml or a wantCode', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
    for (const c of cases) expect(c.expected === undefined, c.name).toBe(c.wantCode !== undefined);
  });

  it.each(cases.filter((c) => !c.wantCode))('$name', ({ name, target, replicas, input, expected }) => {
    const file = `apps/${name}.yaml`;
    const out = setReplicas(input, target, replicas, file);
    expect(Buffer.from(out, 'utf8').equals(Buffer.from(expected!, 'utf8'))).toBe(true);
    expect(out).toBe(expected);
    expect(readReplicas(out, target, file).replicas).toBe(replicas);
    // Setting the same value again is a no-op returning the identical string.
    expect(setReplicas(out, target, replicas, file)).toBe(out);
  });

  it.each(cases.filter((c) => c.wantCode))('$name refuses with $wantCode', ({ name, target, replicas, input, wantCode }) => {
    const file = `apps/${name}.yaml`;
    let caught: unknown;
    try {
      setReplicas(input, target, replicas, file);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ManifestError);
    const err = caught as ManifestError;
    expect(err.code).toBe(wantCode);
    expect(err.message).toContain(file);
    expect(err.message).toContain(`${target.kind} ${target.namespace}/${target.name}`);
    expect(err.data).toMatchObject({ file, object: `${target.kind} ${target.namespace}/${target.name}`, field: 'spec.replicas' });
  });
});
