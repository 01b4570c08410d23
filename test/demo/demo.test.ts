// The demo itself (what `npm start` plays): it must tell the whole story and end at 0.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { demoClients } from '../../src/cli/context.js';
import { runDemo } from '../../src/demo/demo.js';
import { tempDir } from '../support/temp.js';

describe('demo', () => {
  it('scales 0 → 4 on 20 messages, back down as the queue drains, and to 0 after the cooldown', async () => {
    const lines: string[] = [];
    const parent = await tempDir('demo-test');
    const code = await runDemo({ out: (l) => lines.push(l), now: Date.now, parent, clients: demoClients(Date.now) });
    const text = lines.join('\n');
    expect(code, text).toBe(0);
    // The repository and its config are left for the user to inspect, in the directory given.
    const [repo, config] = readdirSync(parent).sort();
    expect(config).toBe(`${repo}.gitscale.yaml`);
    expect(text).toContain(`manifests in ${parent}/${repo}`);
    expect(text).toContain(`Inspect it yourself: git -C ${parent}/${repo} log -p`);
    expect(text).toContain('TIME    QUEUE   REPLICAS (GIT)  LAST COMMIT');
    expect(text).toContain('producer: sent 20 messages');
    expect(text).toMatch(/scale default\/consumer 0→4 \(aws-sqs-queue: 20 msgs \/ 5\)/);
    expect(text).toMatch(/scale default\/consumer \d→0 \(no activity for cooldownPeriod 5 s\)/);
    const log = text.slice(text.indexOf('The audit trail'));
    const subjects = [...log.matchAll(/^ {4}(scale .*|Add the consumer.*)$/gm)].map((m) => m[1]);
    expect(subjects[0]).toMatch(/→0 /);
    expect(subjects[subjects.length - 1]).toBe('Add the consumer, scaled to zero');
    expect(subjects[subjects.length - 2]).toBe('scale default/consumer 0→4 (aws-sqs-queue: 20 msgs / 5)');
    expect(log).toContain('Gitscale-Replicas: 0 -> 4');
    expect(log).toContain('Gitscale-Trigger: aws-sqs-queue value=20 target=5 active=true');
  }, 90_000);
});
