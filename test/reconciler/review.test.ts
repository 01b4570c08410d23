// Which pull requests gitscale treats as its own. The forge here is a recording stand-in for our
// own Forge interface (the real adapters are tested against Gitea and the GitHub emulator).
import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import type { ObjectConfig, RepositoryConfig } from '../../src/config/types.js';
import type { Forge, PullRequest } from '../../src/forges/types.js';
import { openRemote } from '../../src/git/remote.js';
import { silentLogger } from '../../src/log.js';
import { reconcileReviews } from '../../src/reconciler/executors/review.js';
import type { Decided } from '../../src/reconciler/types.js';
import { makeServedRepo } from '../support/git.js';
import { tempDir } from '../support/temp.js';

const servers = inject('servers');

function recordingForge(prs: PullRequest[]): { forge: Forge; calls: string[] } {
  const calls: string[] = [];
  const rec =
    (name: string) =>
    async (...args: unknown[]) =>
      void calls.push(`${name} ${JSON.stringify(args)}`);
  return {
    calls,
    forge: {
      kind: 'test',
      findPr: async () => null,
      openPrs: async () => prs,
      openPr: async () => {
        throw new Error('not expected');
      },
      updatePr: async () => {
        throw new Error('not expected');
      },
      closePr: rec('closePr'),
      comment: rec('comment'),
      addLabels: rec('addLabels'),
      requestReviewers: rec('requestReviewers'),
      enableAutomerge: rec('enableAutomerge'),
    },
  };
}

const pr = (over: Partial<PullRequest>): PullRequest => ({
  number: 7,
  state: 'open',
  merged: false,
  head: 'gitscale/default/a',
  headSha: '',
  base: 'main',
  title: 't',
  body: 'b',
  url: 'u',
  labels: [],
  fromSameRepository: true,
  ...over,
});

describe('reconcileReviews', () => {
  it.each([
    { name: 'a pull request from a fork with a gitscale-looking branch', pr: pr({ fromSameRepository: false }) },
    { name: 'a pull request into another base branch', pr: pr({ base: 'release' }) },
  ])('never closes or comments on $name', async ({ pr: foreign }) => {
    const { url } = await makeServedRepo(servers, { 'a.yaml': 'replicas: 1\n' });
    const ws = openRemote({ repository: 'm', url, branch: 'main', dir: join(await tempDir('ws'), 'r'), fs, clock: { now: () => 0 } });
    const { forge, calls } = recordingForge([foreign]);
    const obj = { key: 'default/a', namespace: 'default', name: 'a' } as ObjectConfig;
    const repo = {
      name: 'm',
      branch: 'main',
      author: { name: 'gitscale', email: 'gitscale@localhost' },
      forge: { type: 'gitea', labels: [], reviewers: [], assignees: [], autoMerge: false },
    } as unknown as RepositoryConfig;
    const settled = { obj, ev: { kind: 'decided', result: { route: 'none', current: 1, desired: 1 } } as unknown as Decided };
    await reconcileReviews([], [settled], { ws, forge, repo, log: silentLogger, handsOff: new Set(), opened: [], now: 0 });
    expect(calls).toEqual([]);
  });
});
