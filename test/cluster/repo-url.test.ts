// One repository however its URL is spelled (Argo CD's repoURL, Flux's spec.url, gitscale's url).
import { describe, expect, it } from 'vitest';
import { fileInside, repoKey, sameRepository } from '../../src/cluster/repo-url.js';

describe('repoKey', () => {
  it.each([
    { name: 'https with .git', url: 'https://git.example.com/org/apps.git', want: 'git.example.com/org/apps' },
    { name: 'host case, trailing slash', url: 'HTTPS://Git.Example.COM/org/apps/', want: 'git.example.com/org/apps' },
    {
      name: 'credentials and the default port dropped',
      url: 'https://user:tok@git.example.com:443/org/apps.git',
      want: 'git.example.com/org/apps',
    },
    { name: 'another port kept', url: 'http://127.0.0.1:3000/org/apps.git', want: '127.0.0.1:3000/org/apps' },
    { name: 'ssh://', url: 'ssh://git@git.example.com/org/apps.git', want: 'git.example.com/org/apps' },
    { name: 'scp-style', url: 'git@git.example.com:org/apps.git', want: 'git.example.com/org/apps' },
    {
      name: 'path case kept (paths are case-sensitive on most forges)',
      url: 'https://git.example.com/Org/Apps',
      want: 'git.example.com/Org/Apps',
    },
    { name: 'no path', url: 'https://git.example.com/', want: null },
    { name: 'not a URL', url: 'http://[bad', want: null },
  ])('$name', ({ url, want }) => {
    expect(repoKey(url)).toBe(want);
  });

  it('matches across schemes and spellings, not across repositories', () => {
    expect(sameRepository('https://git.example.com/org/apps.git', 'git@GIT.example.com:org/apps')).toBe(true);
    expect(sameRepository('https://git.example.com/org/apps.git', 'https://git.example.com/org/apps2.git')).toBe(false);
    expect(sameRepository('not a url', 'not a url')).toBe(false);
  });
});

describe('fileInside', () => {
  it.each([
    { file: 'apps/web/deploy.yaml', dir: './apps/', want: true },
    { file: 'apps/web/deploy.yaml', dir: 'apps', want: true },
    { file: 'apps/web/deploy.yaml', dir: '.', want: true },
    { file: 'apps/web/deploy.yaml', dir: undefined, want: true },
    { file: 'apps/web/deploy.yaml', dir: 'app', want: false },
    { file: 'apps/web/deploy.yaml', dir: 'apps/web/deploy.yaml', want: true },
    { file: 'other/x.yaml', dir: './apps', want: false },
  ])('$file in $dir: $want', ({ file, dir, want }) => {
    expect(fileInside(file, dir)).toBe(want);
  });
});
