// A push behind a slow pre-receive hook, over smart HTTP (git http-backend) and SSH (OpenSSH
// sshd): receive-pack's keepalives (side-band-64k) keep the push alive, so a 10 s hook lands and
// is reported landed; a push past the whole bound is a clear GIT_PUSH_TIMEOUT, and once the hook
// lets it land the next write finds it there and writes nothing twice. Plus the report-status
// reading, side band or not.
import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { sshOptions } from '../../src/cli/credentials.js';
import { GitError } from '../../src/errors.js';
import type { GitBounds } from '../../src/git/bounds.js';
import { pktLine } from '../../src/git/pkt-line.js';
import { readReportStatus } from '../../src/git/push.js';
import { openRemote } from '../../src/git/remote.js';
import type { EditFn } from '../../src/git/types.js';
import { git, log, makeServedRepo, makeSshRepo } from '../support/git.js';
import { tempDir } from '../support/temp.js';

const servers = inject('servers');
const clock = { now: () => Date.UTC(2026, 11, 7, 12, 0, 0) };
const author = { name: 'gitscale', email: 'gitscale@localhost' };

/** A side-band packet on `band`. */
const band = (n: number, payload: Buffer | string) => {
  const body = Buffer.concat([Buffer.from([n]), Buffer.from(payload)]);
  return Buffer.concat([Buffer.from((body.length + 4).toString(16).padStart(4, '0')), body]);
};
const report = (...lines: string[]) => Buffer.concat([...lines.map((l) => pktLine(`${l}\n`)), Buffer.from('0000')]);
const REF = 'refs/heads/main';

describe('readReportStatus', () => {
  it.each([
    { name: 'plain report, accepted', body: report('unpack ok', `ok ${REF}`), sideband: false, want: { ok: true } },
    {
      name: 'side band: keepalives, then the report split over two packets',
      body: Buffer.concat([
        band(1, ''),
        band(1, ''),
        band(1, report('unpack ok', `ok ${REF}`).subarray(0, 9)),
        band(1, report('unpack ok', `ok ${REF}`).subarray(9)),
        Buffer.from('0000'),
      ]),
      sideband: true,
      want: { ok: true },
    },
    {
      name: 'side band: refused, with what the hook said',
      body: Buffer.concat([
        band(2, 'branch is protected\n'),
        band(1, report('unpack ok', `ng ${REF} pre-receive hook declined`)),
        Buffer.from('0000'),
      ]),
      sideband: true,
      want: { ok: false, rejected: true, reason: 'pre-receive hook declined (remote: branch is protected)' },
    },
    {
      name: 'side band: a fatal error on band 3',
      body: Buffer.concat([band(3, 'out of disk\n'), Buffer.from('0000')]),
      sideband: true,
      want: { ok: false, rejected: false, reason: 'the server failed: out of disk' },
    },
    {
      name: 'side band: no status for the ref',
      body: Buffer.concat([band(1, report('unpack ok')), Buffer.from('0000')]),
      sideband: true,
      want: { ok: false, rejected: false, reason: `no status for ${REF}: unpack ok` },
    },
  ])('$name', ({ body, sideband, want }) => {
    expect(readReportStatus(body, REF, sideband)).toEqual(want);
  });
});

type Transport = 'http' | 'ssh';

/** A served repository (over `transport`) whose pre-receive hook sleeps `hookSeconds`, and a workspace over it. */
async function slowServer(transport: Transport, hookSeconds: number, bounds?: GitBounds) {
  const files = { 'a.yaml': 'replicas: 1\n' };
  const { bare, url } = transport === 'http' ? await makeServedRepo(servers, files) : await makeSshRepo(servers, files);
  fs.writeFileSync(join(bare, 'hooks', 'pre-receive'), `#!/bin/sh\ncat >/dev/null\nsleep ${hookSeconds}\n`, { mode: 0o755 });
  const ssh =
    transport === 'ssh'
      ? sshOptions(
          {
            name: 'r',
            url,
            kind: 'remote',
            branch: 'main',
            auth: { sshKeyFile: servers.SSH_KEY_ED25519, knownHostsFile: servers.SSH_KNOWN_HOSTS },
            author,
            review: {},
          },
          {},
          fs,
        )
      : undefined;
  const ws = openRemote({
    repository: 'r',
    url,
    branch: 'main',
    dir: join(await tempDir('push-ws'), 'repo'),
    fs,
    clock,
    sleep: async () => {},
    ssh,
    bounds,
  });
  return { bare, ws };
}

/** Sets a.yaml to 2 replicas; nothing when it already says so (as the engine decides nothing for a landed count). */
const toTwo: EditFn = async (read) =>
  (await read('a.yaml')) === 'replicas: 2\n' ? null : { files: { 'a.yaml': 'replicas: 2\n' }, message: 'scale a 1→2\n' };

async function until(what: string, ok: () => Promise<boolean>, ms = 30_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) if (await ok()) return;
  throw new Error(`${what}: not within ${ms} ms`);
}

describe.each<{ transport: Transport }>([{ transport: 'http' }, { transport: 'ssh' }])(
  'a push behind a slow pre-receive hook over $transport',
  ({ transport }) => {
    it('a hook sleeping 10 s (default bounds): the push is reported landed, one commit', async () => {
      const { bare, ws } = await slowServer(transport, 10);
      const res = await ws.write(toTwo, author);
      expect(res?.attempts).toBe(1);
      expect(await log(bare)).toEqual(['scale a 1→2', 'initial']);
      expect((await git(bare, 'rev-parse', 'main')).trim()).toBe(res?.commit);
    });

    it('keepalives count as the server talking: a 4 s hook under a 2.5 s silence bound (receive.keepAlive 1 s) lands', async () => {
      const { bare, ws } = await slowServer(transport, 4, { connectMs: 10_000, idleMs: 2500, totalMs: 60_000 });
      await git(bare, 'config', 'receive.keepAlive', '1');
      const res = await ws.write(toTwo, author);
      expect(res?.commit).toBe((await git(bare, 'rev-parse', 'main')).trim());
      expect(await log(bare)).toHaveLength(2);
    });

    it('a hook past the whole bound: a clear GIT_PUSH_TIMEOUT; once it lands, the next write finds it and writes nothing', async () => {
      const { bare, ws } = await slowServer(transport, 6, { connectMs: 10_000, idleMs: 30_000, totalMs: 2000 });
      const err = await ws.write(toTwo, author).catch((e) => e);
      expect(err).toBeInstanceOf(GitError);
      expect(err.code).toBe('GIT_PUSH_TIMEOUT');
      expect(err.message).toMatch(/no whole answer from 127\.0\.0\.1:\d+ within 2 s; it may have landed/);
      expect(err.message).not.toMatch(/aborted/);
      await until('the hook lets the push land', async () => (await log(bare)).length === 2);
      await ws.sync();
      expect(await ws.write(toTwo, author)).toBeNull();
      expect(await log(bare)).toEqual(['scale a 1→2', 'initial']);
    });
  },
);
