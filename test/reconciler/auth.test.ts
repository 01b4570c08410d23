import { CLUSTER_DEFAULTS } from '../../src/config/cluster.js';
import * as fs from 'node:fs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Config, TriggerConfig } from '../../src/config/types.js';
import { resolveAuthParams, secretEnvName } from '../../src/reconciler/triggers/auth.js';
import { tempDir } from '../support/temp.js';

const config = {
  file: '/c.yaml',
  repositories: [],
  objects: [],
  cluster: CLUSTER_DEFAULTS,
  triggerAuthentications: [
    {
      kind: 'TriggerAuthentication',
      name: 'pg',
      namespace: 'prod',
      env: [{ parameter: 'host', name: 'PG_HOST' }],
      secretTargetRef: [{ parameter: 'password', name: 'pg-secret', key: 'password' }],
      configMapTargetRef: [],
    },
    {
      kind: 'ClusterTriggerAuthentication',
      name: 'shared',
      namespace: '',
      env: [{ parameter: 'token', name: 'TOKEN' }],
      secretTargetRef: [],
      configMapTargetRef: [],
    },
  ],
} as Config;
const trig = (ref?: TriggerConfig['authenticationRef']): TriggerConfig => ({
  type: 'postgresql',
  name: 'p',
  metadata: {},
  metricType: 'AverageValue',
  authenticationRef: ref,
});

describe('resolveAuthParams', () => {
  it('reads spec.env from the environment and secretTargetRef from GITSCALE_SECRET_<NAME>_<KEY>', () => {
    const env = { PG_HOST: 'db', [secretEnvName('pg-secret', 'password')]: 'pw' };
    expect(secretEnvName('pg-secret', 'password')).toBe('GITSCALE_SECRET_PG_SECRET_PASSWORD');
    expect(resolveAuthParams(config, 'prod', trig({ name: 'pg', kind: 'TriggerAuthentication' }), { env, fs })).toEqual({
      host: 'db',
      password: 'pw',
    });
  });

  it('prefers a mounted secret file under --secrets-dir', async () => {
    const dir = await tempDir('secrets');
    mkdirSync(join(dir, 'pg-secret'));
    writeFileSync(join(dir, 'pg-secret', 'password'), 'from-file\n');
    expect(
      resolveAuthParams(config, 'prod', trig({ name: 'pg', kind: 'TriggerAuthentication' }), {
        env: { GITSCALE_SECRET_PG_SECRET_PASSWORD: 'env' },
        fs,
        secretsDir: dir,
      }).password,
    ).toBe('from-file');
  });

  it('names the missing secret and where it was looked for', () => {
    expect(() => resolveAuthParams(config, 'prod', trig({ name: 'pg', kind: 'TriggerAuthentication' }), { env: {}, fs })).toThrow(
      /secret pg-secret\/password for parameter 'password' not found \(looked in: env GITSCALE_SECRET_PG_SECRET_PASSWORD\)/,
    );
  });

  it('finds a ClusterTriggerAuthentication from any namespace, a TriggerAuthentication only in its own', () => {
    expect(
      resolveAuthParams(config, 'dev', trig({ name: 'shared', kind: 'ClusterTriggerAuthentication' }), { env: { TOKEN: 't' }, fs }),
    ).toEqual({ token: 't' });
    expect(() => resolveAuthParams(config, 'dev', trig({ name: 'pg', kind: 'TriggerAuthentication' }), { env: {}, fs })).toThrow(
      /not found/,
    );
    expect(resolveAuthParams(config, 'dev', trig(), { env: {}, fs })).toEqual({});
  });
});
