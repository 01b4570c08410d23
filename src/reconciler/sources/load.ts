// Loads the config and checks each trigger against the scaler registry (type, metadata, auth):
// objects with a problem are dropped and reported; the others go on. Every command loads the
// config file this way, and `run` checks each merge of the file with the cluster's and the
// repositories' objects the same way (merge.ts).
import type * as nodeFs from 'node:fs';
import { readConfig } from '../../config/read.js';
import type { Config, ConfigProblem, ObjectConfig, ValidateResult } from '../../config/types.js';
import { GitscaleError, errorMessage, type ErrorCode } from '../../errors.js';
import { podIdentityOf, resolveAuthParamsAll } from '../triggers/auth.js';
import { isScalerType, scalers } from '../../scalers/index.js';

export interface Loaded {
  config: Config | null;
  problems: ConfigProblem[];
  warnings: ConfigProblem[];
  /**
   * `*FromEnv` keys naming a variable gitscale's environment lacks: KEDA reads them from the target
   * container's env, which is in Git, so they are checked against the manifest (validate) or at
   * run time (the trigger's error), not here.
   */
  envMissing: ConfigProblem[];
}

export interface LoadDeps {
  env: Record<string, string | undefined>;
  fs: typeof nodeFs;
  secretsDir?: string;
}

function checkObject(
  config: Config,
  o: ObjectConfig,
  deps: LoadDeps,
  problems: ConfigProblem[],
  warnings: ConfigProblem[],
  envMissing: ConfigProblem[],
): boolean {
  const before = problems.length;
  o.triggers.forEach((t, i) => {
    const f = `spec.triggers[${i}]`;
    const add = (list: ConfigProblem[], field: string, message: string, code: ErrorCode) =>
      list.push({ object: o.key, file: config.file, field, message, code });
    if (!isScalerType(t.type)) {
      add(
        problems,
        `${f}.type`,
        `unknown trigger type '${t.type}': must be one of: ${Object.keys(scalers).join(', ')}`,
        'UNKNOWN_TRIGGER_TYPE',
      );
      return;
    }
    let authParams: Record<string, string>;
    // Parameters whose secret is missing now (it may appear later, mounted or rotated: the trigger
    // reports it each tick): each is a warning, and the rest of the metadata is still checked.
    const unresolved = new Set<string>();
    try {
      const r = resolveAuthParamsAll(config, o.namespace, t, deps);
      authParams = r.params;
      for (const { parameter, error } of r.missing) {
        add(warnings, `${f}.authenticationRef`, error.message, error.code);
        unresolved.add(parameter);
      }
    } catch (e) {
      add(warnings, `${f}.authenticationRef`, errorMessage(e), e instanceof GitscaleError ? e.code : 'SECRET_NOT_FOUND');
      return;
    }
    const parsed = scalers[t.type].parse({
      metadata: t.metadata,
      authParams,
      env: deps.env,
      podIdentity: podIdentityOf(config, o.namespace, t),
    });
    if (!parsed.ok) {
      // What a missing secret would have filled is not judged now.
      const judged = parsed.errors.filter((p) => !unresolved.has(p.field));
      for (const p of judged) {
        const [field, message] = whereWritten(t, f, p.field, p.message, authParams);
        add(p.code === 'TRIGGER_ENV_MISSING' ? envMissing : problems, field, message, p.code ?? 'TRIGGER_METADATA');
      }
      return;
    }
    const ref = t.authenticationRef;
    for (const w of parsed.warnings) {
      if (typeof w === 'string') add(warnings, `${f}.metadata`, w, 'TRIGGER_METADATA');
      else add(warnings, `${f}.authenticationRef`, `${ref ? `${ref.kind} '${ref.name}': ` : ''}${w.message}`, w.code ?? 'TRIGGER_METADATA');
    }
  });
  return problems.length === before;
}

/**
 * Where the user wrote the value a problem is about: the metadata key, its `*FromEnv` key, or the
 * TriggerAuthentication parameter (a problem on `metadata.x` the user never wrote points nowhere).
 */
function whereWritten(
  t: ObjectConfig['triggers'][number],
  f: string,
  key: string,
  message: string,
  authParams: Record<string, string>,
): [string, string] {
  if (t.metadata[key] !== undefined) return [`${f}.metadata.${key}`, message];
  if (t.metadata[`${key}FromEnv`] !== undefined) return [`${f}.metadata.${key}FromEnv`, message];
  const ref = t.authenticationRef;
  if (ref && authParams[key] !== undefined) return [`${f}.authenticationRef`, `${ref.kind} '${ref.name}', parameter '${key}': ${message}`];
  return [`${f}.metadata.${key}`, message];
}

/** A `*FromEnv` variable gitscale lacks, as a warning: KEDA reads it from the target container's env, which is in Git. */
export function envWarning(p: ConfigProblem): ConfigProblem {
  return { ...p, message: `${p.message}; it must then come from the target container's env in Git` };
}

export async function loadConfig(path: string, deps: LoadDeps): Promise<Loaded> {
  return checkLoaded(await readConfig(path), deps);
}

/** The registry and credential checks on a validated config (a file's, or a file's plus the cluster's objects). */
export function checkLoaded(r: ValidateResult, deps: LoadDeps): Loaded {
  if (!r.config) return { ...r, envMissing: [] };
  const problems = [...r.problems];
  const warnings = [...r.warnings];
  r.config.repositories.forEach((repo, i) => {
    const app = repo.auth?.githubApp?.privateKeyFromEnv;
    if (app && !deps.env[app]) {
      problems.push({
        object: `repository ${repo.name}`,
        file: r.config!.file,
        field: `repositories[${i}].auth.githubApp.privateKeyFromEnv`,
        message: `environment variable ${app} is not set (or empty): the GitHub App private key`,
        code: 'CONFIG_TOKEN_MISSING',
      });
    }
    const field = (k: string) => `repositories[${i}].auth.${k}`;
    const a = repo.auth ?? {};
    const sign = repo.signing;
    const signing = (k: string) => `repositories[${i}].signing.${k}`;
    const vars: [string, string | undefined, string][] = [
      [field('sshKeyFromEnv'), a.sshKeyFromEnv, 'the SSH private key'],
      [field('sshKeyPassphraseFromEnv'), a.sshKeyPassphraseFromEnv, "the SSH key's passphrase"],
      [signing('keyFromEnv'), sign?.keyFromEnv, 'the signing key'],
      [signing('passphraseFromEnv'), sign?.passphraseFromEnv, "the signing key's passphrase"],
    ];
    for (const [at, env, what] of vars) {
      if (env && !deps.env[env])
        problems.push({
          object: `repository ${repo.name}`,
          file: r.config!.file,
          field: at,
          message: `environment variable ${env} is not set (or empty): ${what}`,
          code: 'CONFIG_TOKEN_MISSING',
        });
    }
    for (const [at, path] of [
      [field('sshKeyFile'), a.sshKeyFile],
      [field('knownHostsFile'), a.knownHostsFile],
      [signing('keyFile'), sign?.keyFile],
    ] as const) {
      if (!path) continue;
      try {
        deps.fs.accessSync(path, deps.fs.constants.R_OK);
      } catch (e) {
        problems.push({
          object: `repository ${repo.name}`,
          file: r.config!.file,
          field: at,
          message: `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? errorMessage(e)}`,
          code: 'CONFIG_FILE_MISSING',
        });
      }
    }
    const name = repo.auth?.tokenFromEnv;
    if (name && !deps.env[name]) {
      problems.push({
        object: `repository ${repo.name}`,
        file: r.config!.file,
        field: `repositories[${i}].auth.tokenFromEnv`,
        message: `environment variable ${name} is not set (or empty): gitscale would reach ${repo.url} without credentials`,
        code: 'CONFIG_TOKEN_MISSING',
      });
    }
  });
  const envMissing: ConfigProblem[] = [];
  const objects = r.config.objects.filter((o) => checkObject(r.config!, o, deps, problems, warnings, envMissing));
  return { config: { ...r.config, objects }, problems, warnings, envMissing };
}
