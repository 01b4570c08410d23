// Resolves a trigger's authenticationRef into KEDA's flat authParams map: spec.env from gitscale's
// own environment; spec.secretTargetRef from the cluster's Secret when a cluster is configured,
// else (or when the cluster has no such Secret) from a mounted-secret directory
// (<secretsDir>/<name>/<key>, as a Kubernetes secret volume lays it out) or from the environment
// variable GITSCALE_SECRET_<NAME>_<KEY>; spec.configMapTargetRef from the cluster's ConfigMap. A
// TriggerAuthentication's objects live in its own namespace; a ClusterTriggerAuthentication's in
// gitscale's (KEDA's "cluster object namespace").
import { join } from 'node:path';
import type * as nodeFs from 'node:fs';
import type { Config, TriggerAuthentication, TriggerConfig } from '../../config/types.js';
import { ConfigError } from '../../errors.js';

/** Reads Secrets and ConfigMaps from the cluster (cluster/ behind it). */
export interface ClusterSecrets {
  secret(namespace: string, name: string, key: string): Promise<string | null>;
  configMap(namespace: string, name: string, key: string): Promise<string | null>;
  /** A ServiceAccount's annotation (podIdentity identityOwner: workload reads eks.amazonaws.com/role-arn). */
  serviceAccountAnnotation(namespace: string, name: string, key: string): Promise<string | null>;
  /** gitscale's own namespace, where ClusterTriggerAuthentication objects are read. */
  namespace: string;
}

export interface AuthDeps {
  env: Record<string, string | undefined>;
  fs: typeof nodeFs;
  secretsDir?: string;
  cluster?: ClusterSecrets;
}

export function secretEnvName(name: string, key: string): string {
  return `GITSCALE_SECRET_${name}_${key}`.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

function findAuth(config: Config, namespace: string, trigger: TriggerConfig): TriggerAuthentication | null {
  const ref = trigger.authenticationRef;
  if (!ref) return null;
  const auth = config.triggerAuthentications.find(
    (a) => a.kind === ref.kind && a.name === ref.name && (a.kind === 'ClusterTriggerAuthentication' || a.namespace === namespace),
  );
  if (!auth) throw new ConfigError('CONFIG_UNKNOWN_AUTH', `${ref.kind} '${ref.name}' not found`, { field: 'authenticationRef.name' });
  return auth;
}

function fromEnv(auth: TriggerAuthentication, deps: AuthDeps, out: Record<string, string>): void {
  for (const e of auth.env) {
    const v = deps.env[e.name];
    if (v !== undefined && v !== '') out[e.parameter] = v;
  }
}

/** A secret from the mounted directory or the environment; undefined when neither has it. */
function localSecret(s: { name: string; key: string }, deps: AuthDeps): string | undefined {
  const file = deps.secretsDir ? join(deps.secretsDir, s.name, s.key) : undefined;
  if (file && deps.fs.existsSync(file)) return deps.fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  return deps.env[secretEnvName(s.name, s.key)];
}

function notFound(
  auth: TriggerAuthentication,
  s: { parameter: string; name: string; key: string },
  deps: AuthDeps,
  inCluster?: string,
): ConfigError {
  const where = [
    inCluster && `Secret ${inCluster}/${s.name} key ${s.key} in the cluster`,
    deps.secretsDir && join(deps.secretsDir, s.name, s.key),
    `env ${secretEnvName(s.name, s.key)}`,
  ]
    .filter(Boolean)
    .join(', ');
  return new ConfigError(
    'SECRET_NOT_FOUND',
    `${auth.kind} '${auth.name}': secret ${s.name}/${s.key} for parameter '${s.parameter}' not found (looked in: ${where})`,
    { field: `secretTargetRef.${s.parameter}` },
  );
}

/**
 * Without a cluster (load time, validate): env and local secrets. A ConfigMap reference can only be
 * read from the cluster at run time (CONFIGMAP_AT_RUN_TIME: the metadata is then checked there).
 */
export function resolveAuthParams(config: Config, namespace: string, trigger: TriggerConfig, deps: AuthDeps): Record<string, string> {
  const { params, missing } = resolveAuthParamsAll(config, namespace, trigger, deps);
  if (missing.length) throw missing[0].error;
  return params;
}

/**
 * As resolveAuthParams, but every secret missing is returned (one error each) beside the parameters
 * that resolved, so load time can name them all and still check the rest of the metadata.
 */
export function resolveAuthParamsAll(
  config: Config,
  namespace: string,
  trigger: TriggerConfig,
  deps: AuthDeps,
): { params: Record<string, string>; missing: { parameter: string; error: ConfigError }[] } {
  const auth = findAuth(config, namespace, trigger);
  if (!auth) return { params: {}, missing: [] };
  if (auth.configMapTargetRef.length) {
    const m = auth.configMapTargetRef[0];
    throw new ConfigError(
      'CONFIGMAP_AT_RUN_TIME',
      `${auth.kind} '${auth.name}': configMapTargetRef ${m.name}/${m.key} is read from the cluster at run time; the trigger's metadata is checked then`,
      { field: `configMapTargetRef.${m.parameter}` },
    );
  }
  const out: Record<string, string> = {};
  const missing: { parameter: string; error: ConfigError }[] = [];
  fromEnv(auth, deps, out);
  for (const s of auth.secretTargetRef) {
    const v = localSecret(s, deps);
    if (v === undefined) missing.push({ parameter: s.parameter, error: notFound(auth, s, deps) });
    else out[s.parameter] = v;
  }
  return { params: out, missing };
}

/** The trigger's TriggerAuthentication's `spec.podIdentity`, when it has one. */
export function podIdentityOf(config: Config, namespace: string, trigger: TriggerConfig): TriggerAuthentication['podIdentity'] {
  return trigger.authenticationRef ? findAuth(config, namespace, trigger)?.podIdentity : undefined;
}

/** At run time: the cluster first (when there is one), then the local fallbacks. */
export async function resolveAuth(
  config: Config,
  namespace: string,
  trigger: TriggerConfig,
  deps: AuthDeps,
): Promise<Record<string, string>> {
  const auth = findAuth(config, namespace, trigger);
  if (!auth) return {};
  const out: Record<string, string> = {};
  fromEnv(auth, deps, out);
  const c = deps.cluster;
  const ns = auth.kind === 'ClusterTriggerAuthentication' ? (c?.namespace ?? '') : auth.namespace;
  for (const s of auth.secretTargetRef) {
    const v = (c ? await c.secret(ns, s.name, s.key) : null) ?? localSecret(s, deps);
    if (v === undefined) throw notFound(auth, s, deps, c ? ns : undefined);
    out[s.parameter] = v;
  }
  for (const m of auth.configMapTargetRef) {
    if (!c)
      throw new ConfigError(
        'CONFIGMAP_NEEDS_CLUSTER',
        `${auth.kind} '${auth.name}': configMapTargetRef ${m.name}/${m.key} is read from the cluster, and none is configured (--kubeconfig, KUBECONFIG or in-cluster)`,
        { field: `configMapTargetRef.${m.parameter}` },
      );
    const v = await c.configMap(ns, m.name, m.key);
    if (v === null)
      throw new ConfigError(
        'CONFIGMAP_NOT_FOUND',
        `${auth.kind} '${auth.name}': ConfigMap ${ns}/${m.name} key ${m.key} for parameter '${m.parameter}' not found`,
        { field: `configMapTargetRef.${m.parameter}` },
      );
    out[m.parameter] = v;
  }
  return out;
}
