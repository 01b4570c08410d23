// `discover: true`: ScaledObjects committed beside their Deployments are the whole set-up. `validate`
// and `once`
// finds the workload file and commits the decision, and a ScaledObject whose workload is defined
// twice is refused naming both files while the others go on; `run` picks up a ScaledObject a
// person commits and drops one they remove.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startRun } from '../support/bin.js';
import { newList, runGitscale } from '../support/cli.js';
import { deployment, writeConfig } from '../support/config.js';
import { humanCommit, log, makeServedRepo, show } from '../support/git.js';
import { tempDir } from '../support/temp.js';

const servers = inject('servers');
let redis: Redis;
beforeAll(() => void (redis = new Redis(servers.REDIS_ADDRESS)));
afterAll(async () => void (await redis.quit()));

const so = (apiVersion: string, name: string, list: string, extra = '') => `apiVersion: ${apiVersion}
kind: ScaledObject
metadata:
  name: ${name}
${extra}spec:
  scaleTargetRef:
    name: ${name}
  pollingInterval: 1
  triggers:
    - type: redis
      metadata: { address: "${servers.REDIS_ADDRESS}", listName: ${list}, listLength: "5" }
`;

describe('discover: true', () => {
  it('once: the workload file is found beside the ScaledObject; an ambiguous one is refused naming both files, the others committed', async () => {
    const [web, api, dup] = [await newList(redis, 10), await newList(redis, 20), await newList(redis, 10)];
    const { bare, url } = await makeServedRepo(servers, {
      'apps/web/deployment.yaml': deployment('web', 0),
      'apps/web/scaledobject.yaml': so('keda.sh/v1alpha1', 'web', web),
      // Elsewhere in the tree from its Deployment: found by a search of the whole tree.
      'apps/api/deployment.yaml': deployment('api', 1),
      'scaling/api.yaml': so('gitscale.dev/v1alpha1', 'api', api),
      'apps/dup/one.yaml': deployment('dup', 1),
      'apps/dup/two.yaml': deployment('dup', 1),
      'apps/dup/so.yaml': so('gitscale.dev/v1alpha1', 'dup', dup),
    });
    const config = await writeConfig({ repositories: [{ name: 'manifests', url, discover: true }] });
    // validate checks the committed ScaledObjects as it checks the file's, writing nothing.
    const v = await runGitscale(['validate', '-c', config, '-o', 'json']);
    expect(v.code).toBe(2);
    expect(JSON.parse(v.stdout).problems).toEqual([
      expect.objectContaining({ object: 'default/dup', file: 'apps/dup/so.yaml in repository manifests', code: 'DISCOVER_AMBIGUOUS' }),
    ]);
    const r = await runGitscale(['once', '-c', config]);
    expect(r.stderr).toContain('apps/dup/so.yaml in repository manifests');
    expect(r.stderr).toContain(
      '2 files in apps/dup/ define Deployment dup: apps/dup/one.yaml, apps/dup/two.yaml; set gitscale.dev/path to one of them',
    );
    expect(r.code).toBe(2);
    expect(await show(bare, 'main', 'apps/web/deployment.yaml')).toContain('replicas: 2 # gitscale');
    expect(await show(bare, 'main', 'apps/api/deployment.yaml')).toContain('replicas: 4 # gitscale');
    expect(await show(bare, 'main', 'apps/dup/one.yaml')).toContain('replicas: 1 # gitscale');
    expect(await show(bare, 'main', 'apps/dup/two.yaml')).toContain('replicas: 1 # gitscale');
  });

  it('run: a ScaledObject a person commits is picked up at the next sync; one they remove stops', async () => {
    const [web, api] = [await newList(redis, 10), await newList(redis, 15)];
    const { bare, url } = await makeServedRepo(servers, {
      'apps/web/deployment.yaml': deployment('web', 0),
      'apps/web/scaledobject.yaml': so('gitscale.dev/v1alpha1', 'web', web),
      'apps/api/deployment.yaml': deployment('api', 1),
    });
    const config = await writeConfig({ repositories: [{ name: 'manifests', url, discover: true }] });
    const run = startRun(['-c', config, '--log-format', 'json', '--data-dir', await tempDir('data')]);
    try {
      await run.waitFor((l) => l.msg === 'commit' && String(l.subject).includes('default/web 0→2'), 20_000);
      await humanCommit(bare, { 'apps/api/scaledobject.yaml': so('gitscale.dev/v1alpha1', 'api', api) }, 'scale api with gitscale');
      const reloaded = await run.waitFor(
        (l) => l.msg === 'config reloaded' && Array.isArray(l.added) && (l.added as string[]).includes('default/api'),
        20_000,
      );
      expect(reloaded.trigger).toBe('ScaledObjects in repository manifests changed');
      await run.waitFor((l) => l.msg === 'commit' && String(l.subject).includes('default/api 1→3'), 20_000);
      expect(await show(bare, 'main', 'apps/api/deployment.yaml')).toContain('replicas: 3 # gitscale');

      // Removed from Git: no longer run.
      await humanCommit(bare, { 'apps/web/scaledobject.yaml': '# scaled by hand again\n' }, 'stop autoscaling web');
      await run.waitFor(
        (l) => l.msg === 'config reloaded' && Array.isArray(l.removed) && (l.removed as string[]).includes('default/web'),
        20_000,
      );
      const before = (await log(bare)).length;
      await redis.rpush(web, ...Array.from({ length: 20 }, () => 'x'));
      await new Promise((res) => setTimeout(res, 3000));
      expect((await log(bare)).length).toBe(before);
    } finally {
      expect((await run.stop()).code).toBe(0);
    }
  });
});
