// `gitscale run` (built) with objects whose target cannot be read (issue 23): with none it can run
// at start it exits 2 as `validate` does, instead of idling; one whose file is deleted in Git later
// is listed on /readyz and logged while the others go on; with none left, /readyz answers 503.
import { describe, expect, inject, it } from 'vitest';
import { gitscale, startRun } from '../support/bin.js';
import { deployment, scaledObject, writeConfig } from '../support/config.js';
import { humanCommit, makeServedRepo } from '../support/git.js';
import { tempDir } from '../support/temp.js';

const servers = inject('servers');
// Active around the clock (as in cli.test.ts): 3 replicas, no trigger server needed.
const always = { type: 'cron', metadata: { timezone: 'Etc/UTC', start: '* * * * *', end: '*/1 * * * *', desiredReplicas: '3' } };
const object = (name: string, path: string) =>
  scaledObject({ name, path, spec: { pollingInterval: 1, minReplicaCount: 1 }, triggers: [always] });

/** A person's commit to the served repository: `files` written, `remove` deleted. */
const edit = (bare: string, files: Record<string, string>, remove: string[]) =>
  humanCommit(bare, files, `human: ${remove.map((r) => `remove ${r}`).join(', ')}`, 'main', remove);

async function readyz(base: string, until: (r: { status: number; body: string }) => boolean): Promise<{ status: number; body: string }> {
  let last = { status: 0, body: '' };
  for (let i = 0; i < 150; i++, await new Promise((r) => setTimeout(r, 100))) {
    const res = await fetch(`${base}/readyz`);
    last = { status: res.status, body: await res.text() };
    if (until(last)) return last;
  }
  return last;
}

describe('gitscale run (built): objects it cannot run', () => {
  it("exits 2 when its only object's manifest file does not exist, naming object, file and code", async () => {
    const repo = await makeServedRepo(servers, { 'a.yaml': deployment('a', 1) });
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url: repo.url }],
      scaledObjects: [object('a', 'apps/missing.yaml')],
    });
    const r = await gitscale(['run', '-c', config, '--log-format', 'json', '--listen', 'off', '--data-dir', await tempDir('data')]);
    expect(r.code).toBe(2);
    const lines = r.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.find((l) => l.msg === 'ScaledObject cannot run')).toMatchObject({
      level: 'error',
      object: 'default/a',
      file: 'apps/missing.yaml',
      code: 'MANIFEST_FILE_NOT_FOUND',
      error: expect.stringContaining("apps/missing.yaml is not in repository 'manifests'"),
    });
    expect(lines.find((l) => String(l.msg).startsWith('nothing to run'))).toMatchObject({ level: 'error', file: config });
    expect(lines.some((l) => l.msg === 'running')).toBe(false);
  });

  it('one unrunnable at start and one deleted later: listed on /readyz (200) and logged while the other commits; none left: 503', async () => {
    const repo = await makeServedRepo(servers, { 'a.yaml': deployment('a', 1), 'b.yaml': deployment('b', 1) });
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url: repo.url }],
      scaledObjects: [object('a', 'a.yaml'), object('b', 'b.yaml'), object('c', 'gone.yaml')],
    });
    const run = startRun(['-c', config, '--log-format', 'json', '--data-dir', await tempDir('data')]);
    try {
      const base = `http://${String((await run.waitFor((l) => l.msg === 'serving')).address)}`;
      expect(await run.waitFor((l) => l.msg === 'running')).toMatchObject({ objects: 3, unrunnable: ['default/c'] });
      await run.waitFor((l) => l.msg === 'commit' && String(l.subject).includes('default/a 1→3'));
      const first = await readyz(base, (r) => r.status === 200);
      expect(first.status).toBe(200);
      expect(first.body).toMatch(
        /^ok\ncannot run: default\/c \(MANIFEST_FILE_NOT_FOUND, manifests:gone\.yaml\): .*gone\.yaml is not in repository 'manifests'\n$/,
      );

      // b's file is deleted in Git, and a's count set back: b is reported, a goes on.
      await edit(repo.bare, { 'a.yaml': deployment('a', 1) }, ['b.yaml']);
      expect(await run.waitFor((l) => l.msg === 'object failed' && l.object === 'default/b')).toMatchObject({
        level: 'error',
        code: 'MANIFEST_FILE_NOT_FOUND',
        file: 'b.yaml',
      });
      const aCommits = () => run.lines().filter((l) => l.msg === 'commit' && String(l.subject).includes('default/a 1→3')).length;
      for (let i = 0; i < 150 && aCommits() < 2; i++) await new Promise((r) => setTimeout(r, 100));
      expect(aCommits()).toBe(2);
      const partly = await readyz(base, (r) => r.body.includes('default/b'));
      expect(partly.status).toBe(200);
      expect(
        partly.body
          .split('\n')
          .filter((l) => l.startsWith('cannot run:'))
          .map((l) => l.split(' ')[2]),
      ).toEqual(['default/b', 'default/c']);
      expect(partly.body).not.toContain('default/a');

      // a's file goes too: nothing this replica writes can run.
      await edit(repo.bare, {}, ['a.yaml']);
      const none = await readyz(base, (r) => r.status === 503);
      expect(none.status).toBe(503);
      expect(none.body.split('\n')[0]).toBe('no object can run');
      expect(none.body).toMatch(/cannot run: default\/a \(MANIFEST_FILE_NOT_FOUND, manifests:a\.yaml\)/);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    } finally {
      expect((await run.stop()).code).toBe(0);
    }
  });
});
