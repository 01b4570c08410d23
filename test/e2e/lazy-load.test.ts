// CLI start: help and version load none of the clients; a run of a redis trigger without a cluster
// or a forge never loads the AWS SDK, the Kubernetes client, octokit or the database drivers it does
// not use (their load time is most of a start; bench/cli-start.ts measures it). Every module the
// built CLI resolves is recorded through a module hook.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { CLI } from '../support/bin.js';
import { deployment, redisList, scaledObject, writeConfig } from '../support/config.js';
import { makeLocalRepo, makeServedRepo, makeSshRepo } from '../support/git.js';
import { tempDir } from '../support/temp.js';

const servers = inject('servers');
const HEAVY = [
  '@aws-sdk/',
  '@kubernetes/client-node',
  'octokit',
  '@octokit/',
  'mongodb',
  'mysql2',
  '/pg/',
  'prom-client',
  'node-cron',
  '/ssh2/',
  '/openpgp/',
];

async function loaded(args: string[]): Promise<string[]> {
  const dir = await tempDir('lazy');
  const hook = join(dir, 'record.mjs');
  const log = join(dir, 'loaded.txt');
  writeFileSync(
    hook,
    `import { registerHooks } from 'node:module';\nimport { appendFileSync } from 'node:fs';\nregisterHooks({ resolve(s, c, next) { const r = next(s, c); appendFileSync(${JSON.stringify(log)}, r.url + '\\n'); return r; } });\n`,
  );
  writeFileSync(log, '');
  const r = spawnSync(process.execPath, ['--import', hook, CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, KUBECONFIG: '', KUBERNETES_SERVICE_HOST: '' },
  });
  // A run that failed early would load less and pass for the wrong reason.
  expect(r.status, r.stderr).toBe(0);
  return readFileSync(log, 'utf8').split('\n').filter(Boolean);
}
const heavy = (urls: string[]) => HEAVY.filter((h) => urls.some((u) => u.includes(`/node_modules/${h}`) || u.includes(`node_modules${h}`)));

describe('what the CLI loads', () => {
  it('help and version: none of the clients', async () => {
    for (const args of [['--help'], ['version']]) {
      const urls = await loaded(args);
      expect(urls.length).toBeGreaterThan(3);
      expect(heavy(urls), args.join(' ')).toEqual([]);
      expect(urls.some((u) => u.includes('/node_modules/isomorphic-git/'))).toBe(false);
    }
  });

  it('once with a redis trigger, no cluster, no forge: ioredis, and none of the others', async () => {
    const dir = await makeLocalRepo({ 'a.yaml': deployment('a', 1) });
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url: dir }],
      scaledObjects: [scaledObject({ name: 'a', path: 'a.yaml', triggers: [redisList(servers.REDIS_ADDRESS, 'lazy-q')] })],
    });
    const urls = await loaded(['once', '-c', config, '--data-dir', await tempDir('data')]);
    expect(urls.some((u) => u.includes('/node_modules/ioredis/'))).toBe(true);
    expect(heavy(urls)).toEqual([]);
  });

  it('once over a remote repository: gitscale reads and writes its objects itself over its own bounded HTTP client, isomorphic-git never loads', async () => {
    const { url } = await makeServedRepo(servers, { 'a.yaml': deployment('a', 1) });
    await fetch(`${servers.METRICS_URL}/__set?path=/lazy-remote`, { method: 'POST', body: JSON.stringify({ v: 1 }) });
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url }],
      scaledObjects: [
        scaledObject({
          name: 'a',
          path: 'a.yaml',
          triggers: [
            { type: 'metrics-api', metadata: { url: `${servers.METRICS_URL}/lazy-remote`, valueLocation: 'v', targetValue: '5' } },
          ],
        }),
      ],
    });
    const urls = await loaded(['once', '-c', config, '--data-dir', await tempDir('data')]);
    expect(urls.some((u) => /\/src\/git\/http\.(js|ts)$|\/dist\/git\/http\.js$/.test(u))).toBe(true);
    expect(urls.filter((u) => u.includes('/node_modules/isomorphic-git/'))).toEqual([]);
    expect(heavy(urls)).toEqual([]);
  });

  it('once over an SSH remote loads ssh2, and isomorphic-git itself still never loads', async () => {
    const { url } = await makeSshRepo(servers, { 'a.yaml': deployment('a', 1) });
    await fetch(`${servers.METRICS_URL}/__set?path=/lazy-ssh`, { method: 'POST', body: JSON.stringify({ v: 1 }) });
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url, auth: { sshKeyFile: servers.SSH_KEY_ED25519, knownHostsFile: servers.SSH_KNOWN_HOSTS } }],
      scaledObjects: [
        scaledObject({
          name: 'a',
          path: 'a.yaml',
          triggers: [{ type: 'metrics-api', metadata: { url: `${servers.METRICS_URL}/lazy-ssh`, valueLocation: 'v', targetValue: '5' } }],
        }),
      ],
    });
    const urls = await loaded(['once', '-c', config, '--data-dir', await tempDir('data')]);
    expect(heavy(urls)).toEqual(['/ssh2/']);
    expect(urls.filter((u) => /\/node_modules\/isomorphic-git\/index\.(c?js)$/.test(u))).toEqual([]);
  });

  it("once over a local repository loads isomorphic-git (the checkout's refs and index)", async () => {
    const dir = await makeLocalRepo({ 'a.yaml': deployment('a', 1) });
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url: dir }],
      scaledObjects: [scaledObject({ name: 'a', path: 'a.yaml', triggers: [redisList(servers.REDIS_ADDRESS, 'lazy-q2')] })],
    });
    const urls = await loaded(['once', '-c', config, '--data-dir', await tempDir('data')]);
    expect(urls.some((u) => /\/node_modules\/isomorphic-git\/index\.(c?js)$/.test(u))).toBe(true);
  });
});
