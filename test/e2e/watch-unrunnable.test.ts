// A ScaledObject from the cluster whose manifest file is deleted in Git while `gitscale run` (built)
// runs it (issue 23): `kubectl get gso` shows it not ready with the reason and the file, /readyz
// lists it, and the other object keeps committing; the file back, it is ready again.
import { describe, expect, inject, it } from 'vitest';
import { startRun } from '../support/bin.js';
import { writeConfig } from '../support/config.js';
import { humanCommit, makeServedRepo } from '../support/git.js';
import { admin, deploymentYaml, newNamespace, printed } from '../support/kube.js';
import { tempDir } from '../support/temp.js';

const servers = inject('servers');
const a = admin(servers);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const GSO = { group: 'gitscale.dev', version: 'v1alpha1', plural: 'scaledobjects' };
// Active around the clock: 3 replicas, no trigger server needed.
const always = { type: 'cron', metadata: { timezone: 'Etc/UTC', start: '* * * * *', end: '*/1 * * * *', desiredReplicas: '3' } };
const so = (name: string) => ({
  apiVersion: 'gitscale.dev/v1alpha1',
  kind: 'ScaledObject',
  metadata: { name, annotations: { 'gitscale.dev/repository': 'manifests', 'gitscale.dev/path': `apps/${name}.yaml` } },
  spec: { scaleTargetRef: { name }, pollingInterval: 1, minReplicaCount: 1, triggers: [always] },
});

/** A person's commit to the served repository: `files` written, `remove` deleted. */
const edit = (bare: string, files: Record<string, string>, remove: string[]) => humanCommit(bare, files, 'human edit', 'main', remove);

describe('a watched ScaledObject whose file is deleted in Git', () => {
  it('is not ready in kubectl get gso (reason MANIFEST_FILE_NOT_FOUND), listed on /readyz; the other commits; its file back, ready again', async () => {
    const ns = await newNamespace(a, 'unrunnable');
    const { bare, url } = await makeServedRepo(servers, {
      'apps/keep.yaml': deploymentYaml('keep', 1, ns),
      'apps/lose.yaml': deploymentYaml('lose', 1, ns),
    });
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url }],
      watch: { namespaces: [ns] },
      cluster: { leaderElection: { enabled: false }, directPatch: false },
    });
    const run = startRun([
      '-c',
      config,
      '--log-format',
      'json',
      '--kubeconfig',
      servers.KUBECONFIG_PATH,
      '--data-dir',
      await tempDir('data'),
    ]);
    const status = async (name: string): Promise<any> =>
      (await a.custom.getNamespacedCustomObject({ ...GSO, namespace: ns, name })).status ?? {};
    const ready = async (name: string, want: string): Promise<any> => {
      let s: any = {};
      for (let i = 0; i < 100 && s.conditions?.[0]?.status !== want; i++, await sleep(100)) s = await status(name);
      return s;
    };
    try {
      const base = `http://${String((await run.waitFor((l) => l.msg === 'serving')).address)}`;
      await run.waitFor((l) => l.msg === 'watching ScaledObjects');
      for (const n of ['keep', 'lose']) await a.custom.createNamespacedCustomObject({ ...GSO, namespace: ns, body: so(n) });
      await run.waitFor((l) => l.msg === 'commit' && String(l.subject).includes(`${ns}/lose 1→3`), 20_000);
      expect((await ready('lose', 'True')).conditions[0]).toMatchObject({ type: 'Ready', status: 'True' });

      await edit(bare, { 'apps/keep.yaml': deploymentYaml('keep', 1, ns) }, ['apps/lose.yaml']);
      const lost = await ready('lose', 'False');
      expect(lost.conditions[0]).toMatchObject({
        type: 'Ready',
        status: 'False',
        reason: 'MANIFEST_FILE_NOT_FOUND',
        message: expect.stringContaining("apps/lose.yaml is not in repository 'manifests'"),
      });
      const row = (await printed(servers, `/apis/gitscale.dev/v1alpha1/namespaces/${ns}/scaledobjects`)).find((r) => r.Name === 'lose');
      expect(row).toMatchObject({ Ready: 'False' });
      expect(await run.waitFor((l) => l.msg === 'object failed' && l.object === `${ns}/lose`)).toMatchObject({
        code: 'MANIFEST_FILE_NOT_FOUND',
        file: 'apps/lose.yaml',
      });
      const keepCommits = () => run.lines().filter((l) => l.msg === 'commit' && String(l.subject).includes(`${ns}/keep 1→3`)).length;
      for (let i = 0; i < 150 && keepCommits() < 2; i++) await sleep(100);
      expect(keepCommits()).toBe(2);
      const body = await (await fetch(`${base}/readyz`)).text();
      expect(body).toMatch(new RegExp(`^ok\\ncannot run: ${ns}/lose \\(MANIFEST_FILE_NOT_FOUND, manifests:apps/lose\\.yaml\\)`));
      expect((await status('keep')).conditions[0]).toMatchObject({ type: 'Ready', status: 'True' });

      await edit(bare, { 'apps/lose.yaml': deploymentYaml('lose', 3, ns) }, []);
      expect((await ready('lose', 'True')).conditions[0]).toMatchObject({ type: 'Ready', status: 'True' });
      let again = '';
      for (let i = 0; i < 50 && again !== 'ok\n'; i++, await sleep(100)) again = await (await fetch(`${base}/readyz`)).text();
      expect(again).toBe('ok\n');
    } finally {
      expect((await run.stop()).code).toBe(0);
    }
  });
});
