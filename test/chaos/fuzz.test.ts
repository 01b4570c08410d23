// A fuzzer over hostile configs and manifests: a valid text mutated at random (bytes inserted,
// deleted, duplicated; type swaps; huge numbers; unicode; deep nesting; alias bombs; huge
// strings). Whatever comes in: no exception other than gitscale's own errors, no `internal error`
// from the CLI, and an edit that succeeds changes no byte outside the replica field. Seeded by
// fast-check (FC_SEED replays; CI runs one fixed seed).
import fc from 'fast-check';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { main, type Io } from '../../src/cli/main.js';
import { checkLoaded } from '../../src/reconciler/sources/load.js';
import { parseConfigText } from '../../src/config/read.js';
import { GitscaleError } from '../../src/errors.js';
import { readReplicas, setReplicas } from '../../src/manifests/index.js';
import { deployment, scaledObject } from '../support/config.js';
import { makeLocalRepo } from '../support/git.js';
import { tempDir } from '../support/temp.js';

const target = { kind: 'Deployment', name: 'a', namespace: 'default' };
const manifest = deployment(
  'a',
  3,
  '  template:\n    spec:\n      containers: [{ name: app, image: "nginx:1.27", env: [{ name: X, value: "1" }] }]\n',
);

/** Hostile fragments a mutation may splice in. */
const fragment = fc.oneof(
  fc.constantFrom(
    '{',
    '}',
    '[',
    ']',
    ':',
    '- ',
    '\n',
    '\t',
    '"',
    "'",
    '#',
    '&a ',
    '*a',
    '<<: *a',
    '!!binary ',
    '? ',
    '|',
    '>-',
    '---\n',
    '...\n',
    '\u0000',
    '\uFEFF',
    '😀',
    'é',
    '\r\n',
    'replicas: ',
    '99999999999999999999',
    '-1',
    '1e309',
    'NaN',
    '.inf',
    '0x1F',
    'null',
    '~',
    'true',
  ),
  fc.string({ maxLength: 12 }),
  fc.integer({ min: 1, max: 300 }).map((n) => '['.repeat(n)),
  fc.integer({ min: 1, max: 50 }).map((n) => `&x${n} [*x${n - 1}, *x${n - 1}]\n`),
  fc.integer({ min: 1000, max: 200_000 }).map((n) => 'x'.repeat(n)),
);

/** A mutation of `text`: insert, delete or duplicate at a random place. */
const mutated = (text: string) =>
  fc
    .array(
      fc.record({
        at: fc.nat({ max: text.length }),
        op: fc.constantFrom('insert', 'delete', 'dup'),
        len: fc.nat({ max: 40 }),
        frag: fragment,
      }),
      { minLength: 1, maxLength: 4 },
    )
    .map((muts) =>
      muts.reduce((t, m) => {
        const at = Math.min(m.at, t.length);
        if (m.op === 'insert') return t.slice(0, at) + m.frag + t.slice(at);
        if (m.op === 'delete') return t.slice(0, at) + t.slice(at + m.len);
        return t.slice(0, at) + t.slice(at, at + m.len) + t.slice(at);
      }, text),
    );

const ours = (e: unknown) => e instanceof GitscaleError;

describe('fuzzing manifests', () => {
  it('read and edit: a gitscale error or a value; an edit changes only the replica field', () => {
    fc.assert(
      fc.property(mutated(manifest), fc.nat({ max: 50 }), (text, want) => {
        let before: number;
        try {
          before = readReplicas(text, target, 'a.yaml').replicas;
        } catch (e) {
          expect(ours(e), String(e)).toBe(true);
          return;
        }
        let after: string;
        try {
          after = setReplicas(text, target, want, 'a.yaml');
        } catch (e) {
          expect(ours(e), String(e)).toBe(true);
          return;
        }
        expect(readReplicas(after, target, 'a.yaml').replicas).toBe(want);
        if (before === want) return;
        // One changed span: what it removed was only the old number (or nothing: the field was
        // inserted), what it added is short; and the documents read the same but for spec.replicas.
        let p = 0;
        while (p < text.length && text[p] === after[p]) p++;
        let s = 0;
        while (s < text.length - p && s < after.length - p && text[text.length - 1 - s] === after[after.length - 1 - s]) s++;
        const removed = text.slice(p, text.length - s);
        const added = after.slice(p, after.length - s);
        const where = JSON.stringify({ around: text.slice(Math.max(0, p - 30), p + 30), removed, added });
        expect(removed, where).toMatch(/^[\d\s"'+-]*$/);
        expect(added.length, where).toBeLessThan(80);
        const data = (t: string) =>
          parseAllDocuments(t).map(
            (d) => d.toJS({ maxAliasCount: 100 }) as { kind?: unknown; metadata?: unknown; spec?: Record<string, unknown> } | null,
          );
        const was = data(text);
        const now = data(after);
        const doc = now.findIndex((d) => d?.kind === 'Deployment' && (d.metadata as { name?: string })?.name === 'a');
        expect(doc, where).toBeGreaterThanOrEqual(0);
        was[doc]!.spec = { ...(was[doc]!.spec ?? {}), replicas: want };
        expect(now, where).toEqual(was);
      }),
      { numRuns: 300 },
    );
  });
});

const config = {
  repositories: [{ name: 'manifests', url: '/srv/manifests' }],
  scaledObjects: [
    scaledObject({
      name: 'a',
      path: 'a.yaml',
      triggers: [{ type: 'metrics-api', metadata: { url: 'http://127.0.0.1:1/m', valueLocation: 'v', targetValue: '5' } }],
    }),
  ],
};

describe('fuzzing configs', () => {
  it('validate never throws: every problem names the object, file and a code', () => {
    const text = stringify(config);
    fc.assert(
      fc.property(mutated(text), (t) => {
        const r = checkLoaded(parseConfigText(t, '/c.yaml'), { env: {}, fs });
        for (const p of r.problems) {
          expect(p.file).toBe('/c.yaml');
          expect(p.code).toMatch(/^[A-Z][A-Z0-9_]+$/);
          expect(typeof p.object).toBe('string');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the CLI (validate, plan) answers every mutated config with exit 0, 1 or 2 and never an internal error', async () => {
    const dir = await makeLocalRepo({ 'a.yaml': manifest });
    const cfgDir = await tempDir('fuzz-cfg');
    const text = stringify({ ...config, repositories: [{ name: 'manifests', url: dir }] });
    const samples = fc.sample(mutated(text), 40);
    for (const [i, t] of samples.entries()) {
      const file = join(cfgDir, `c${i}.yaml`);
      fs.writeFileSync(file, t);
      for (const command of ['validate', 'plan']) {
        let out = '';
        const io: Io = {
          stdout: (s) => void (out += s),
          stderr: (s) => void (out += s),
          env: {},
          waitForStop: () => new Promise(() => {}),
        };
        const code = await main([command, '-c', file, '--data-dir', join(cfgDir, 'data'), '--trigger-timeout', '2'], io);
        expect([0, 1, 2], `${command} ${file}: ${out.slice(0, 500)}`).toContain(code);
        expect(out, t.slice(0, 300)).not.toMatch(/internal error/);
      }
    }
    // plan wrote nothing to the repository.
    expect(fs.readFileSync(join(dir, 'a.yaml'), 'utf8')).toBe(manifest);
  }, 120_000);
});
