// Golden pairs: fixtures/manifests/<format>/<case>/{input.yaml, expected.yaml, case.json},
// compared byte-for-byte. Files are read without any line-ending normalisation
// (fixtures/.gitattributes keeps git from converting them either). case.json holds the target
// (with `field` and `object` where the format needs them), the count to set, an optional `file`
// (the repo path the format sees, default apps/<case>.yaml), `wantFormat` when it differs from
// the directory's, and `wantCode` for refusals.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManifestError } from '../../src/errors.js';
import { readReplicas, setReplicas, type ManifestFormat, type WorkloadTarget } from '../../src/manifests/index.js';

const root = join(import.meta.dirname, '../../fixtures/manifests');

/** Fixture directory → the format readReplicas must report for its cases. */
const formats: Record<string, ManifestFormat> = {
  deployment: 'workload',
  rollout: 'workload',
  kustomize: 'kustomize',
  'helm-values': 'helm-values',
  'helm-release': 'helm-release',
  'argo-application': 'argo-application',
  marker: 'marker',
};

interface Case {
  target: WorkloadTarget;
  replicas: number;
  wantCode?: string;
  wantFormat?: ManifestFormat;
  file?: string;
}

const cases = Object.keys(formats)
  .flatMap((dir) =>
    readdirSync(join(root, dir), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => {
        const at = join(root, dir, d.name);
        const spec = JSON.parse(readFileSync(join(at, 'case.json'), 'utf8')) as Case;
        const input = readFileSync(join(at, 'input.yaml')).toString('utf8');
        const expectedPath = join(at, 'expected.yaml');
        const expected = existsSync(expectedPath) ? readFileSync(expectedPath).toString('utf8') : undefined;
        return { ...spec, dir, name: `${dir}/${d.name}`, file: spec.file ?? `apps/${d.name}.yaml`, input, expected };
      }),
  )
  .sort((a, b) => a.name.localeCompare(b.name));

describe('golden pairs', () => {
  it('covers every fixture directory', () => {
    expect(
      readdirSync(root, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort(),
    ).toEqual(Object.keys(formats).sort());
  });

  it('has at least 25 deployment cases and 40 of the other formats, each an expected.yaml or a wantCode', () => {
    expect(cases.filter((c) => c.dir === 'deployment').length).toBeGreaterThanOrEqual(25);
    expect(cases.filter((c) => c.dir !== 'deployment').length).toBeGreaterThanOrEqual(40);
    for (const c of cases) expect(c.expected === undefined, c.name).toBe(c.wantCode !== undefined);
  });

  it.each(cases.filter((c) => !c.wantCode))('$name', ({ dir, target, replicas, file, input, expected, wantFormat }) => {
    const out = setReplicas(input, target, replicas, file);
    expect(Buffer.from(out, 'utf8').equals(Buffer.from(expected!, 'utf8'))).toBe(true);
    expect(out).toBe(expected);
    expect(readReplicas(out, target, file)).toMatchObject({ replicas, format: wantFormat ?? formats[dir] });
    // Setting the same value again is a no-op returning the identical string.
    expect(setReplicas(out, target, replicas, file)).toBe(out);
  });

  it.each(cases.filter((c) => c.wantCode))('$name refuses with $wantCode', ({ dir, target, replicas, file, input, wantCode }) => {
    let caught: unknown;
    try {
      setReplicas(input, target, replicas, file);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ManifestError);
    const err = caught as ManifestError;
    expect(err.code, err.message).toBe(wantCode);
    expect(err.message).toContain(file);
    expect(err.message).toContain(`${target.kind} ${target.namespace}/${target.name}`);
    expect(err.data).toMatchObject({ file, object: `${target.kind} ${target.namespace}/${target.name}` });
    if (dir === 'deployment') expect(err.data.field).toBe('spec.replicas');
    else expect(err.data.field).toEqual(expect.any(String));
  });
});
