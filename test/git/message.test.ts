import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseTrailers, renderMessage } from '../../src/git/message.js';

const run = promisify(execFile);
const one = { object: 'default/consumer', file: 'apps/consumer/deployment.yaml', field: 'spec.replicas', from: 0, to: 4, summary: 'aws-sqs-queue: 20 msgs / 5', reason: 'active: scale from 0 to 1; ceil(20 / 5) = 4 → 4', trailers: [['Gitscale-Trigger', 'aws-sqs-queue value=20 target=5 active=true']] as [string, string][] };

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
      { object: 'default/consumer', from: 0, to: 4, trailers: [['Gitscale-Trigger', 'aws-sqs-queue value=20 target=5 active=true']] },
      { object: 'ns/b', from: 3, to: 2, trailers: [] },
    ]);
  });

  it('writes trailers that git interpret-trailers reads', async () => {
    const child = run('git', ['interpret-trailers', '--parse']);
    child.child.stdin!.end(renderMessage([one]));
    const { stdout } = await child;
    expect(stdout.trim().split('\n')).toEqual([
      'Gitscale-Object: default/consumer',
      'Gitscale-Replicas: 0 -> 4',
      'Gitscale-Trigger: aws-sqs-queue value=20 target=5 active=true',
    ]);
  });

  it('keeps a reason with newlines on one line', () => {
    const msg = renderMessage([{ ...one, reason: 'a\nb' }]);
    expect(msg).toContain('  a b\n');
  });
});
