// Resolves a trigger's authenticationRef into KEDA's flat authParams map. For now: spec.env from
// gitscale's own environment, spec.secretTargetRef from a mounted-secret directory
// (<secretsDir>/<name>/<key>, as a Kubernetes secret volume lays it out) or from the environment
// variable GITSCALE_SECRET_<NAME>_<KEY> (upper-cased, non-alphanumerics as _).
import { join } from 'node:path';
import type * as nodeFs from 'node:fs';
import type { Config, TriggerConfig } from '../config/types.js';
import { ConfigError } from '../errors.js';

export interface AuthDeps {
  env: Record<string, string | undefined>;
  fs: typeof nodeFs;
  secretsDir?: string;
}

export function secretEnvName(name: string, key: string): string {
  return `GITSCALE_SECRET_${name}_${key}`.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

export function resolveAuthParams(config: Config, namespace: string, trigger: TriggerConfig, deps: AuthDeps): Record<string, string> {
  const ref = trigger.authenticationRef;
  if (!ref) return {};
  const auth = config.triggerAuthentications.find((a) => a.kind === ref.kind && a.name === ref.name && (a.kind === 'ClusterTriggerAuthentication' || a.namespace === namespace));
  if (!auth) throw new ConfigError('CONFIG_UNKNOWN_AUTH', `${ref.kind} '${ref.name}' not found`, { field: 'authenticationRef.name' });
  const out: Record<string, string> = {};
  for (const e of auth.env) {
    const v = deps.env[e.name];
    if (v !== undefined && v !== '') out[e.parameter] = v;
  }
  for (const s of auth.secretTargetRef) {
    const file = deps.secretsDir ? join(deps.secretsDir, s.name, s.key) : undefined;
    if (file && deps.fs.existsSync(file)) {
      out[s.parameter] = deps.fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
      continue;
    }
    const v = deps.env[secretEnvName(s.name, s.key)];
    if (v !== undefined) out[s.parameter] = v;
    else throw new ConfigError('SECRET_NOT_FOUND', `${auth.kind} '${auth.name}': secret ${s.name}/${s.key} for parameter '${s.parameter}' not found (set ${secretEnvName(s.name, s.key)}${deps.secretsDir ? ` or create ${join(deps.secretsDir, s.name, s.key)}` : ''})`, { field: `secretTargetRef.${s.parameter}` });
  }
  return out;
}
