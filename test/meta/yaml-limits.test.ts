// Bounds on YAML before parsing: size, flow nesting and documents, in one linear pass that does not
// count brackets inside quotes, comments or block scalars; and what a config or manifest beyond
// them gets (a clear error, the parser never runs, other objects go on).
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/read.js';
import { validateRepositories } from '../../src/config/repositories.js';
import { readReplicas, setReplicas } from '../../src/manifests/index.js';
import { CONFIG_LIMITS, MANIFEST_LIMITS, yamlLimitProblem } from '../../src/yaml-limits.js';

const limits = { maxBytes: 10_000, maxDepth: 4, maxDocuments: 3 };
const deployment = (name: string, extra = '') =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  replicas: 2\n${extra}`;

describe('yamlLimitProblem', () => {
  it.each([
    ['within every limit', deployment('a'), null],
    ['too large', 'x'.repeat(10_001), /10001 bytes, above the limit of 10000/],
    ['nested flow collections too deep', 'a: [[[[[1]]]]]\n', /nested deeper than 4 levels/],
    ['four levels is fine', 'a: [[[{b: 1}]]]\n', null],
    ['brackets in quotes do not count', `a: "[[[[[[[["\nb: '{{{{{{{{'\nc: "it's [[[[[["\n`, null],
    ['brackets in comments do not count', 'a: 1 # [[[[[[[[[[\n', null],
    ['brackets in a block scalar do not count', 'script: |\n  if [[[[[[[[ x\n  {{{{{{{{\nnext: [1]\n', null],
    ['but the key after a block scalar does', 'script: >-\n  text\nnext: [[[[[1]]]]]\n', /deeper than 4/],
    ['an apostrophe in a plain scalar is not a quote', "note: it's fine\nn: [[[[[1]]]]]\n", /deeper than 4/],
    ['three documents', '---\na: 1\n---\nb: 2\n---\nc: 3\n', null],
    ['four documents', 'a: 1\n---\nb: 2\n---\nc: 3\n---\nd: 4\n', /more than 3 YAML documents/],
    ['--- inside a value is not a separator', 'a: "---"\nb: x---\n', null],
  ])('%s', (_, text, want) => {
    const got = yamlLimitProblem(text, limits);
    if (want === null) expect(got).toBeNull();
    else expect(got).toMatch(want);
  });

  it('is linear: a 100,000-deep nesting is refused at once at the limit, without parsing', () => {
    expect(yamlLimitProblem(`a: ${'['.repeat(100_000)}`, MANIFEST_LIMITS)).toMatch(/deeper than 128 levels \(at byte 131\)/);
    expect(yamlLimitProblem(`a: ${'{b: '.repeat(100_000)}`, CONFIG_LIMITS)).toMatch(/deeper than 128/);
  });
});

describe('beyond the limits', () => {
  it('a manifest over 1 MiB is MANIFEST_LIMIT naming the file, before any parse', () => {
    const big = deployment('a', `  template:\n    metadata:\n      annotations:\n        blob: "${'x'.repeat(1_100_000)}"\n`);
    expect(() => readReplicas(big, { kind: 'Deployment', name: 'a', namespace: 'default' }, 'apps/a.yaml')).toThrow(
      expect.objectContaining({
        code: 'MANIFEST_LIMIT',
        message: expect.stringMatching(/^apps\/a\.yaml is not read: 11\d{5} bytes, above the limit of 1048576/),
      }),
    );
  });

  it("a repository's maxManifestBytes raises the limit (edited byte-exactly) or lowers it", () => {
    const blob = 'x'.repeat(3_000_000);
    const big = deployment('a', `  template:\n    metadata:\n      annotations:\n        blob: "${blob}"\n`);
    const target = { kind: 'Deployment', name: 'a', namespace: 'default', maxBytes: 4 * 1024 * 1024 };
    expect(readReplicas(big, target, 'apps/a.yaml').replicas).toBe(2);
    const edited = setReplicas(big, target, 5, 'apps/a.yaml');
    expect(edited).toBe(big.replace('replicas: 2', 'replicas: 5'));
    const small = { kind: 'Deployment', name: 'a', namespace: 'default', maxBytes: 1024 };
    expect(() => readReplicas(deployment('a', `  note: "${'y'.repeat(1024)}"\n`), small, 'apps/a.yaml')).toThrow(
      expect.objectContaining({ code: 'MANIFEST_LIMIT', message: expect.stringMatching(/above the limit of 1024/) }),
    );
  });

  it.each([
    [4194304, 4194304],
    ['512Ki', 524288],
    ['16Mi', 16 * 1024 * 1024],
    ['17Mi', /from 1Ki to 16Mi/],
    [100, /from 1Ki to 16Mi .*, got 100$/],
    ['4MB', /got "4MB"/],
    [true, /got true/],
  ])('repositories[].maxManifestBytes: %j', (raw, want) => {
    const problems: { field: string; message: string }[] = [];
    const [repo] = validateRepositories([{ name: 'apps', url: '/srv/apps', maxManifestBytes: raw }], '/c.yaml', problems);
    if (typeof want === 'number') {
      expect(problems).toEqual([]);
      expect(repo.maxManifestBytes).toBe(want);
    } else {
      expect(problems).toEqual([
        expect.objectContaining({ field: 'repositories[0].maxManifestBytes', message: expect.stringMatching(want) }),
      ]);
      expect(repo).toBeUndefined();
    }
  });

  it('a deeply nested manifest is MANIFEST_LIMIT; a config is CONFIG_LIMIT', () => {
    const deep = deployment('a', `  x: ${'['.repeat(50_000)}\n`);
    expect(() => readReplicas(deep, { kind: 'Deployment', name: 'a', namespace: 'default' }, 'a.yaml')).toThrow(
      expect.objectContaining({ code: 'MANIFEST_LIMIT' }),
    );
    const r = parseConfigText(`repositories: []\nscaledObjects: ${'['.repeat(100_000)}\n`, '/c.yaml');
    expect(r.problems).toEqual([
      {
        object: 'config',
        file: '/c.yaml',
        field: '',
        code: 'CONFIG_LIMIT',
        message: expect.stringMatching(/config not read: flow collections nested deeper than 128 levels/),
      },
    ]);
  });
});
