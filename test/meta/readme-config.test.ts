// The README's configuration examples (the main one, SSH remotes, signed commits) are configs
// gitscale accepts as written (no problem reported).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validateConfig } from '../../src/config/validate.js';

const README = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');

/** The first ```yaml block under a heading. */
function blockUnder(heading: string): string {
  const at = README.indexOf(`\n${heading}\n`);
  expect(at, heading).toBeGreaterThan(0);
  const m = /```yaml\n([\s\S]*?)```/.exec(README.slice(at));
  return m![1];
}

describe('README config examples', () => {
  it.each(['### SSH remotes', '### Signed commits'])('%s: the example validates', (heading) => {
    const doc = parse(blockUnder(heading)) as Record<string, unknown>;
    const so = {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 'a', namespace: 'default', annotations: { 'gitscale.dev/repository': 'manifests', 'gitscale.dev/path': 'a.yaml' } },
      spec: {
        scaleTargetRef: { name: 'a' },
        triggers: [{ type: 'cron', metadata: { timezone: 'UTC', start: '0 8 * * *', end: '0 18 * * *', desiredReplicas: '2' } }],
      },
    };
    const r = validateConfig({ ...doc, scaledObjects: [so] }, '/etc/gitscale/gitscale.yaml');
    expect(r.problems).toEqual([]);
    expect(r.config!.repositories).toHaveLength(1);
  });

  it('### Config: the example validates as written', () => {
    const r = validateConfig(parse(blockUnder('### Config')), '/etc/gitscale/gitscale.yaml');
    expect(r.problems).toEqual([]);
    expect(r.config!.repositories[0].maxManifestBytes).toBe(1024 * 1024);
    expect(r.config!.objects.map((o) => o.key)).toEqual(['default/consumer']);
  });
});
