// known_hosts matching and host key pins, checked against OpenSSH's own tools (ssh-keygen -H
// hashes names, -F looks a host up, -l prints fingerprints).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkHostKey, fingerprint, hostKeyAlgorithms, knownHostsPolicy, pinnedPolicy } from '../../src/git/known-hosts.js';
import { blobType } from '../../src/ssh-spec.js';
import { tempDir } from '../support/temp.js';

async function keys(n: number, type = 'ed25519'): Promise<{ line: string; blob: Buffer; file: string }[]> {
  const dir = await tempDir('kh');
  return Array.from({ length: n }, (_, i) => {
    const file = join(dir, `k${i}`);
    execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', file]);
    const line = readFileSync(`${file}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
    return { line, blob: Buffer.from(line.split(' ')[1], 'base64'), file };
  });
}

describe('known_hosts', () => {
  it('matches plain names, [host]:port for other ports, patterns, negations, and ssh-keygen -H hashed names; ignores @cert-authority; honours @revoked', async () => {
    const [a, b, c, d, e] = await keys(5);
    const text = [
      '# comment',
      '',
      `git.example.com ${a.line}`,
      `[git.example.com]:2222 ${b.line}`,
      `*.corp.example,!bad.corp.example ${c.line}`,
      `@cert-authority git.example.com ${d.line}`,
      `@revoked git.example.com ${e.line}`,
      `git.example.com ${e.line}`,
    ].join('\n');
    const keysFor = (host: string, port: number) => knownHostsPolicy(text, host, port, 'kh').keys.map((k) => k.blob.toString('base64'));
    expect(keysFor('git.example.com', 22)).toEqual([a.blob, e.blob].map((x) => x.toString('base64')));
    expect(keysFor('GIT.example.com', 22)).toHaveLength(2);
    expect(keysFor('git.example.com', 2222)).toEqual([b.blob.toString('base64')]);
    expect(keysFor('ci.corp.example', 22)).toEqual([c.blob.toString('base64')]);
    expect(keysFor('bad.corp.example', 22)).toEqual([]);
    expect(keysFor('other.example.com', 22)).toEqual([]);
    const p = knownHostsPolicy(text, 'git.example.com', 22, 'kh');
    expect(checkHostKey(p, a.blob)).toEqual({ ok: true });
    expect(checkHostKey(p, e.blob)).toEqual({ ok: false, reason: expect.stringMatching(/marked @revoked in kh/) });
    expect(checkHostKey(p, d.blob)).toEqual({ ok: false, reason: expect.stringMatching(/does not match kh/) });
    // Hashed by ssh-keygen itself: the same answers.
    const dir = await tempDir('kh-hash');
    const file = join(dir, 'known_hosts');
    writeFileSync(file, `git.example.com ${a.line}\n[git.example.com]:2222 ${b.line}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const hashed = readFileSync(file, 'utf8');
    expect(hashed).not.toContain('git.example.com');
    expect(knownHostsPolicy(hashed, 'git.example.com', 22, 'h').keys.map((k) => k.blob)).toEqual([a.blob]);
    expect(knownHostsPolicy(hashed, 'git.example.com', 2222, 'h').keys.map((k) => k.blob)).toEqual([b.blob]);
    expect(knownHostsPolicy(hashed, 'git.example.org', 22, 'h').keys).toEqual([]);
    // ssh-keygen -F finds the same lines.
    expect(execFileSync('ssh-keygen', ['-F', '[git.example.com]:2222', '-f', file], { encoding: 'utf8' })).toContain(b.line.split(' ')[1]);
  });

  it('an unknown host and a changed key are refused with different reasons', async () => {
    const [a, b] = await keys(2);
    expect(checkHostKey(knownHostsPolicy('', 'h', 22, 'kh'), a.blob)).toEqual({
      ok: false,
      reason: expect.stringMatching(/the host is not in kh \(its key is ssh-ed25519 SHA256:/),
    });
    expect(checkHostKey(knownHostsPolicy(`h ${b.line}`, 'h', 22, 'kh'), a.blob)).toEqual({
      ok: false,
      reason: expect.stringMatching(/does not match kh: it changed, or this is not the server/),
    });
  });

  it('fingerprints are what ssh-keygen -l prints; pins by key or fingerprint', async () => {
    const [a, b] = await keys(2);
    const [r] = await keys(1, 'rsa');
    for (const k of [a, r]) {
      const printed = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${k.file}.pub`], { encoding: 'utf8' }).split(/\s+/)[1];
      expect(fingerprint(k.blob)).toBe(printed);
    }
    expect(blobType(r.blob)).toBe('ssh-rsa');
    expect(checkHostKey(pinnedPolicy(a.line, 'pin'), a.blob)).toEqual({ ok: true });
    expect(checkHostKey(pinnedPolicy(`${a.line} comment here`, 'pin'), a.blob)).toEqual({ ok: true });
    expect(checkHostKey(pinnedPolicy(fingerprint(a.blob), 'pin'), a.blob)).toEqual({ ok: true });
    expect(checkHostKey(pinnedPolicy(fingerprint(a.blob), 'pin'), b.blob).ok).toBe(false);
    expect(() => pinnedPolicy('ssh-ed25519', 'pin')).toThrow(/must be "<type> <base64 key>"/);
    expect(() => pinnedPolicy(`ssh-rsa ${a.line.split(' ')[1]}`, 'pin')).toThrow(/must be/);
    expect(() => pinnedPolicy('SHA256:short', 'pin')).toThrow(/must be/);
  });

  it('offers only the host key algorithms it can verify (RSA keys by their SHA-2 signatures first)', async () => {
    const [a] = await keys(1);
    const [r] = await keys(1, 'rsa');
    expect(hostKeyAlgorithms(knownHostsPolicy(`h ${r.line}\nh ${a.line}`, 'h', 22, 'kh'))).toEqual([
      'rsa-sha2-512',
      'rsa-sha2-256',
      'ssh-rsa',
      'ssh-ed25519',
    ]);
    expect(hostKeyAlgorithms(pinnedPolicy(fingerprint(a.blob), 'pin'))).toBeUndefined();
    expect(hostKeyAlgorithms(knownHostsPolicy('', 'h', 22, 'kh'))).toBeUndefined();
  });
});
