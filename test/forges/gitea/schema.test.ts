// Gitea's pull request answer as gitscale reads it: the head branch is `head.label`, which Gitea
// always fills; `head.ref` names the branch only while Gitea can resolve it, and reads
// `refs/pull/<n>/head` while a push is updating it (seen under load: a pull request a person had
// just pushed to went missing from gitscale's list of its own, and its hands-off comment with it).
import { describe, expect, it } from 'vitest';
import { parsePull } from '../../../src/forges/gitea/schema.js';

const pull = (head: Record<string, unknown>) => ({
  number: 7,
  state: 'open',
  merged: false,
  title: 't',
  body: 'b',
  html_url: 'http://gitea/pulls/7',
  head: { sha: 'abc', repo_id: 3, ...head },
  base: { ref: 'main', repo_id: 3 },
});

describe('parsePull (gitea)', () => {
  it('reads the head branch from label, also while ref is the pull ref', () => {
    expect(parsePull(pull({ label: 'gitscale/default/consumer', ref: 'refs/pull/7/head' }))).toMatchObject({
      head: 'gitscale/default/consumer',
      base: 'main',
      fromSameRepository: true,
    });
    expect(parsePull(pull({ label: 'gitscale/default/consumer', ref: 'gitscale/default/consumer' })).head).toBe(
      'gitscale/default/consumer',
    );
  });

  it('falls back on ref when an older Gitea sends no label', () => {
    expect(parsePull(pull({ ref: 'gitscale/default/consumer' })).head).toBe('gitscale/default/consumer');
  });

  it('refuses an answer without a head ref, naming the forge', () => {
    expect(() => parsePull({ ...pull({}), head: { sha: 'abc' } })).toThrow(/gitea: unexpected pull request answer/);
  });
});
