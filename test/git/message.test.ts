import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseTrailers, readDecisions, readSubject, renderMessage } from '../../src/git/message.js';

const run = promisify(execFile);
const one = {
  object: 'default/consumer',
  file: 'apps/consumer/deployment.yaml',
  field: 'spec.replicas',
  from: 0,
  to: 4,
  summary: 'aws-sqs-queue: 20 msgs / 5',
  reason: 'active: scale from 0 to 1; ceil(20 / 5) = 4 → 4',
  trailers: [['Gitscale-Trigger', 'aws-sqs-queue value=20 target=5 active=true']] as [string, string][],
};

describe('commit messages', () => {
  it('says what changed in the subject', () => {
    expect(renderMessage([one]).split('\n')[0]).toBe('scale default/consumer 0→4 (aws-sqs-queue: 20 msgs / 5)');
  });

  it('lists every object for a multi-object commit', () => {
    const msg = renderMessage([one, { ...one, object: 'default/b', from: 3, to: 2 }]);
    expect(msg.split('\n')[0]).toBe('scale 2 objects: default/consumer 0→4, default/b 3→2');
    expect(msg).toContain('- default/b (apps/consumer/deployment.yaml spec.replicas): 3 → 2');
  });

  it('round-trips the trailers through parseTrailers', () => {
    const msg = renderMessage([one, { ...one, object: 'ns/b', from: 3, to: 2, trailers: [] }]);
    expect(parseTrailers(msg)).toEqual([
      {
        object: 'default/consumer',
        from: 0,
        to: 4,
        trailers: [
          ['Gitscale-Reason', one.reason],
          ['Gitscale-Trigger', 'aws-sqs-queue value=20 target=5 active=true'],
        ],
      },
      { object: 'ns/b', from: 3, to: 2, trailers: [['Gitscale-Reason', one.reason]] },
    ]);
  });

  it('writes trailers that git interpret-trailers reads', async () => {
    const child = run('git', ['interpret-trailers', '--parse']);
    child.child.stdin!.end(renderMessage([one]));
    const { stdout } = await child;
    expect(stdout.trim().split('\n')).toEqual([
      'Gitscale-Object: default/consumer',
      'Gitscale-Replicas: 0 -> 4',
      'Gitscale-Reason: active: scale from 0 to 1; ceil(20 / 5) = 4 → 4',
      'Gitscale-Trigger: aws-sqs-queue value=20 target=5 active=true',
    ]);
  });

  it('keeps a reason with newlines on one line', () => {
    const msg = renderMessage([{ ...one, reason: 'a\nb' }]);
    expect(msg).toContain('  a b\n');
  });
});

/** A message as gitscale wrote it before the Gitscale-Reason trailer: the reason only in the body. */
const withoutReasonTrailer = (msg: string) =>
  msg
    .split('\n')
    .filter((l) => !l.startsWith('Gitscale-Reason:'))
    .join('\n');
const two = [one, { ...one, object: 'ns/b', from: 3, to: 2, reason: 'no activity for cooldownPeriod 300 s → 2', trailers: [] }];

describe('readDecisions', () => {
  it.each([
    {
      name: 'a current commit: the reason from its trailer, the other trailers kept',
      message: renderMessage([one]),
      want: [
        {
          object: 'default/consumer',
          from: 0,
          to: 4,
          reason: one.reason,
          trailers: [['Gitscale-Trigger', 'aws-sqs-queue value=20 target=5 active=true']],
        },
      ],
    },
    {
      name: "an older commit without Gitscale-Reason: each object's reason from the body",
      message: withoutReasonTrailer(renderMessage(two)),
      want: [
        {
          object: 'default/consumer',
          from: 0,
          to: 4,
          reason: one.reason,
          trailers: [['Gitscale-Trigger', 'aws-sqs-queue value=20 target=5 active=true']],
        },
        { object: 'ns/b', from: 3, to: 2, reason: 'no activity for cooldownPeriod 300 s → 2', trailers: [] },
      ],
    },
    {
      name: "a squash merge with the forge's own paragraph after the trailers",
      message: `scale default/consumer 0→4 (#12)\n\n* ${renderMessage([{ ...one, trailers: [...one.trailers, ['Gitscale-Route', 'pull-request']] }])}\nReviewed-on: https://forge/pulls/12\nCo-authored-by: x <x@y>\n`,
      want: [
        {
          object: 'default/consumer',
          from: 0,
          to: 4,
          reason: one.reason,
          trailers: [
            ['Gitscale-Trigger', 'aws-sqs-queue value=20 target=5 active=true'],
            ['Gitscale-Route', 'pull-request'],
          ],
        },
      ],
    },
    { name: "a person's commit", message: 'fix: typo in README\n\nSigned-off-by: A <a@b>\n', want: [] },
    {
      name: 'a decision without a readable Gitscale-Replicas is left out',
      message: 'scale\n\nGitscale-Object: default/a\nGitscale-Replicas: many\n',
      want: [],
    },
    {
      name: 'neither trailer nor body says why: reason null',
      message: 'scale\n\nGitscale-Object: default/a\nGitscale-Replicas: 1 -> 2\n',
      want: [{ object: 'default/a', from: 1, to: 2, reason: null, trailers: [] }],
    },
  ])('$name', ({ message, want }) => {
    expect(readDecisions(message)).toEqual(want);
  });
});

describe('readSubject', () => {
  it.each([
    { name: 'a one-object subject', message: renderMessage([one]), want: { object: 'default/consumer', from: 0, to: 4 } },
    {
      name: 'a squash title with the pull request number',
      message: 'scale default/web 8→16 (redis: 80 items / 5) (#3)\n',
      want: { object: 'default/web', from: 8, to: 16 },
    },
    { name: 'a multi-object subject', message: renderMessage(two), want: null },
    { name: "a person's subject", message: 'scale up the web tier\n', want: null },
  ])('$name', ({ message, want }) => {
    expect(readSubject(message)).toEqual(want);
  });
});
