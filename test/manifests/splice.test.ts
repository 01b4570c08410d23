// The confirm step is a safety net: hand it edits that lie about what they do and it must refuse.
import { describe, expect, it } from 'vitest';
import { ManifestError } from '../../src/errors.js';
import { applyEdit, confirmEdit, editFor } from '../../src/manifests/splice.js';
import { locate } from '../../src/manifests/dispatch.js';
import type { Edit } from '../../src/manifests/types.js';

const target = { kind: 'Deployment', name: 'consumer', namespace: 'default' };
const text =
  'kind: Deployment\nmetadata: {name: consumer}\nspec:\n  replicas: 3\n  paused: false\n---\nkind: Service\nmetadata: {name: consumer}\n';
const at = (s: string): number => text.indexOf(s);

describe('editFor', () => {
  it.each([
    { name: 'plain', input: 'spec:\n  replicas: 3\n', want: '5' },
    { name: 'double quotes kept', input: 'spec:\n  replicas: "3"\n', want: '"5"' },
    { name: 'single quotes kept', input: "spec:\n  replicas: '3'\n", want: "'5'" },
    { name: 'block insert', input: 'spec:\n  paused: false\n', want: '  replicas: 5\n' },
    { name: 'block insert CRLF', input: 'spec:\r\n    paused: false\r\n', want: '    replicas: 5\r\n' },
    { name: 'flow insert', input: 'spec: {paused: false}\n', want: 'replicas: 5, ' },
  ])('$name', ({ input, want }) => {
    const doc = `kind: Deployment\nmetadata: {name: consumer}\n${input}`;
    expect(editFor(locate(doc, target, 'f.yaml'), 5).text).toBe(want);
  });
});

describe('confirmEdit', () => {
  it.each<{ name: string; edit: Edit; replicas: number; wantCode?: string }>([
    { name: 'an honest edit', edit: { start: at('3\n'), end: at('3\n') + 1, text: '7' }, replicas: 7 },
    {
      name: 'reads a different number',
      edit: { start: at('3\n'), end: at('3\n') + 1, text: '8' },
      replicas: 7,
      wantCode: 'EDIT_NOT_CONFIRMED',
    },
    { name: 'breaks the YAML', edit: { start: at('3\n'), end: at('3\n') + 1, text: '[7' }, replicas: 7, wantCode: 'EDIT_NOT_CONFIRMED' },
    {
      name: 'touches another key too',
      edit: { start: at('3\n'), end: at('false') + 5, text: '7\n  paused: true' },
      replicas: 7,
      wantCode: 'EDIT_NOT_CONFIRMED',
    },
    {
      name: 'changes another document',
      edit: { start: at('3\n'), end: at('Service') + 7, text: '7\n  paused: false\n---\nkind: Secret' },
      replicas: 7,
      wantCode: 'EDIT_NOT_CONFIRMED',
    },
    {
      name: 'adds a document',
      edit: { start: at('3\n'), end: at('3\n') + 1, text: '7\n---\nx: 1' },
      replicas: 7,
      wantCode: 'EDIT_NOT_CONFIRMED',
    },
  ])('$name', ({ edit, replicas, wantCode }) => {
    const after = applyEdit(text, edit);
    const run = (): void => confirmEdit(text, after, edit, target, replicas, 'apps/c.yaml');
    if (!wantCode) {
      expect(run).not.toThrow();
      return;
    }
    expect(run).toThrow(ManifestError);
    try {
      run();
    } catch (e) {
      expect((e as ManifestError).code).toBe(wantCode);
      expect((e as ManifestError).message).toContain('Deployment default/consumer in apps/c.yaml');
    }
  });

  it('refuses when the text outside the edit differs from the original', () => {
    const edit = { start: at('3\n'), end: at('3\n') + 1, text: '7' };
    const after = applyEdit(text, edit).replace('paused: false', 'paused: true ');
    expect(() => confirmEdit(text, after, edit, target, 7, 'apps/c.yaml')).toThrow(/bytes after the edit changed/);
  });
});
