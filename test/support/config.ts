// Builds gitscale config files for tests.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { tempDir } from './temp.js';

export interface ObjSpec {
  name: string;
  namespace?: string;
  repository?: string;
  path: string;
  triggers: Record<string, unknown>[];
  spec?: Record<string, unknown>;
}

export function scaledObject(o: ObjSpec): Record<string, unknown> {
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: {
      name: o.name,
      namespace: o.namespace ?? 'default',
      annotations: { 'gitscale.dev/repository': o.repository ?? 'manifests', 'gitscale.dev/path': o.path },
    },
    spec: { scaleTargetRef: { name: o.name }, triggers: o.triggers, ...o.spec },
  };
}

export function redisList(address: string, listName: string, listLength = '5'): Record<string, unknown> {
  return { type: 'redis', metadata: { address, listName, listLength } };
}

/** Writes `doc` to gitscale.yaml in a temp dir removed after the test file. */
export async function writeConfig(doc: Record<string, unknown>): Promise<string> {
  const file = join(await tempDir('cfg'), 'gitscale.yaml');
  await writeFile(file, stringify(doc));
  return file;
}

export const deployment = (name: string, replicas?: number, extra = ''): string => `# ${name}: owned by the team
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
${replicas === undefined ? '' : `  replicas: ${replicas} # gitscale\n`}  selector:
    matchLabels: { app: ${name} }
${extra}`;
