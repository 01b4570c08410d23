// SSH remote URLs by git's rules (git-clone(1) GIT URLS), and the quoting of the path git sends.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isSshUrl, parseSshUrl, shellQuote } from '../../src/ssh-spec.js';

describe('SSH URLs', () => {
  it.each([
    ['ssh://git@git.example.com/platform/apps.git', { user: 'git', host: 'git.example.com', port: 22, path: '/platform/apps.git' }],
    [
      'ssh://deploy@git.example.com:2222/platform/apps.git',
      { user: 'deploy', host: 'git.example.com', port: 2222, path: '/platform/apps.git' },
    ],
    ['ssh://git.example.com/apps.git', { user: 'git', host: 'git.example.com', port: 22, path: '/apps.git' }],
    ['git+ssh://git@[::1]:2200/apps.git', { user: 'git', host: '::1', port: 2200, path: '/apps.git' }],
    ['ssh+git://git@host/~deploy/apps.git', { user: 'git', host: 'host', port: 22, path: '~deploy/apps.git' }],
    ['git@github.com:acme/apps.git', { user: 'git', host: 'github.com', port: 22, path: 'acme/apps.git' }],
    ['github.com:acme/apps.git', { user: 'git', host: 'github.com', port: 22, path: 'acme/apps.git' }],
    ['deploy@host:/srv/git/apps.git', { user: 'deploy', host: 'host', port: 22, path: '/srv/git/apps.git' }],
  ])('%s', (url, target) => {
    expect(isSshUrl(url)).toBe(true);
    expect(parseSshUrl(url)).toEqual({ ok: true, target });
  });

  it.each(['https://git.example.com/a.git', '/srv/apps', './apps', 'C:\\repos\\apps', 'c:/repos/apps', 'file:///srv/apps'])(
    '%s is not SSH',
    (url) => {
      expect(isSshUrl(url)).toBe(false);
    },
  );

  it.each([
    ['ssh://git@host:0/a.git', /invalid port '0'/],
    ['ssh://git@host:x/a.git', /invalid port 'x'/],
    ['ssh://git@host', /not a valid SSH URL/],
    ['ssh://git@host/', /names no repository path/],
    ['ssh://-oProxyCommand=x/a.git', /names no valid host/],
    ['-oProxyCommand=x:a.git', /names no valid host/],
    ['git@exa mple.com:a.git', /names no valid host/],
    ['ssh://u:secret-pw@host:0/a.git', /'ssh:\/\/\*\*\*@host:0\/a\.git'/],
  ])('%s is refused', (url, says) => {
    const r = parseSshUrl(url);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.message).toMatch(says);
    expect(r.ok ? '' : r.message).not.toContain('secret-pw');
  });

  it("quotes the path for the server's shell as git does", () => {
    for (const path of ["/srv/it's here/a.git", '/srv/$(rm -rf)/a.git', '/srv/a!b/`x`.git', '/plain/a.git']) {
      expect(execFileSync('sh', ['-c', `printf %s ${shellQuote(path)}`], { encoding: 'utf8' })).toBe(path);
    }
    expect(shellQuote('/a/b.git')).toBe("'/a/b.git'");
  });
});
