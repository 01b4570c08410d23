// Secrets under every error path: a git token (right and wrong), a metrics bearer token the server
// refuses, an SSH deploy key and its passphrase (right, wrong), a signing key's passphrase. Through
// validate, plan and once (the built command, JSON logs), none of them appears in stdout, stderr,
// the data dir (workspaces, .git/config), or the commits gitscale made.
import * as fs from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { gitscale } from '../support/bin.js';
import { deployment, scaledObject, writeConfig } from '../support/config.js';
import { git, makeServedRepo, makeSshRepo } from '../support/git.js';
import { tempDir } from '../support/temp.js';

const servers = inject('servers');

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

describe('secrets never leak', () => {
  it('through validate, plan and once, on success and on every failure, nothing secret is written anywhere', async () => {
    const metricToken = `mt-${Math.random().toString(36).slice(2)}-secret`;
    const wrongGitToken = `wrong-${Math.random().toString(36).slice(2)}-token`;
    const wrongPass = `wrong-${Math.random().toString(36).slice(2)}-pass`;
    const key = fs.readFileSync(servers.SSH_KEY_ENCRYPTED, 'utf8');
    const keyBody = key.split('\n').slice(1, -2);
    const secrets = [
      servers.GIT_TOKEN,
      Buffer.from(`x-access-token:${servers.GIT_TOKEN}`).toString('base64'),
      metricToken,
      wrongGitToken,
      wrongPass,
      servers.SSH_KEY_PASSPHRASE,
      ...keyBody,
    ];

    const priv = await makeServedRepo(servers, { 'a.yaml': deployment('a', 1), 'c.yaml': deployment('c', 1) }, { private: true });
    const ssh = await makeSshRepo(servers, { 'b.yaml': deployment('b', 1) });
    await fetch(`${servers.METRICS_URL}/__set?path=/secret-ok`, { method: 'POST', body: JSON.stringify({ v: 10 }) });
    await fetch(`${servers.METRICS_URL}/__set?path=/secret-401&status=401`, { method: 'POST', body: 'no' });
    const trigger = (path: string, auth?: string) => ({
      type: 'metrics-api',
      ...(auth ? { authenticationRef: { name: auth } } : {}),
      metadata: { url: `${servers.METRICS_URL}${path}`, valueLocation: 'v', targetValue: '5', ...(auth ? { authMode: 'bearer' } : {}) },
    });
    const config = await writeConfig({
      repositories: [
        { name: 'manifests', url: priv.url, auth: { tokenFromEnv: 'GIT_TOKEN' } },
        {
          name: 'over-ssh',
          url: ssh.url,
          auth: { sshKeyFromEnv: 'DEPLOY_KEY', sshKeyPassphraseFromEnv: 'DEPLOY_PASS', knownHostsFile: servers.SSH_KNOWN_HOSTS },
          signing: { format: 'ssh', keyFromEnv: 'DEPLOY_KEY', passphraseFromEnv: 'DEPLOY_PASS' },
        },
      ],
      scaledObjects: [
        scaledObject({ name: 'a', path: 'a.yaml', triggers: [trigger('/secret-ok')] }),
        scaledObject({ name: 'b', path: 'b.yaml', repository: 'over-ssh', triggers: [trigger('/secret-ok')] }),
        // A bearer token the metrics server does not expect is still sent; its answer fails this object alone.
        scaledObject({ name: 'c', path: 'c.yaml', triggers: [trigger('/secret-401', 'bearer')] }),
      ],
      triggerAuthentications: [
        {
          apiVersion: 'keda.sh/v1alpha1',
          kind: 'TriggerAuthentication',
          metadata: { name: 'bearer', namespace: 'default' },
          spec: { env: [{ parameter: 'token', name: 'METRIC_TOKEN' }] },
        },
      ],
    });
    const good = { GIT_TOKEN: servers.GIT_TOKEN, DEPLOY_KEY: key, DEPLOY_PASS: servers.SSH_KEY_PASSPHRASE, METRIC_TOKEN: metricToken };
    const bad = { ...good, GIT_TOKEN: wrongGitToken, DEPLOY_PASS: wrongPass };
    const data = await tempDir('secret-data');
    const outputs: string[] = [];
    for (const env of [bad, good, bad]) {
      for (const command of ['validate', 'plan', 'once']) {
        const r = await gitscale(
          [
            command,
            '-c',
            config,
            '--data-dir',
            data,
            '--log-format',
            'json',
            '--log-level',
            'debug',
            ...(command === 'validate' ? [] : ['-o', 'json']),
          ],
          env,
        );
        expect(r.stderr).not.toMatch(/internal error/);
        outputs.push(r.stdout, r.stderr);
      }
    }
    // The good run did write (so the success paths were exercised too).
    expect(await git(priv.bare, 'log', '-1', '--format=%s', 'main')).toMatch(/scale default\/a 1→2/);
    expect(await git(ssh.bare, 'log', '-1', '--format=%s', 'main')).toMatch(/scale default\/b 1→2/);
    // And the failures were the ones meant.
    const all = outputs.join('\n');
    expect(all).toMatch(/GIT_AUTH/);
    expect(all).toMatch(/GIT_SSH_KEY/);
    expect(all).toMatch(/SCALER_AUTH_FAILED|HTTP 401/);
    outputs.push(...filesUnder(data).map((f) => fs.readFileSync(f, 'latin1')));
    outputs.push(
      await git(priv.bare, 'log', '--format=%B%n%an <%ae>', 'main'),
      await git(ssh.bare, 'log', '--format=%B%n%an <%ae>', 'main'),
    );
    for (const s of secrets) {
      const hit = outputs.findIndex((o) => o.includes(s));
      expect(hit, `secret ${s.slice(0, 6)}… found in output #${hit}`).toBe(-1);
    }
  }, 120_000);
});
