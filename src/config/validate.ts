// Pure validation and normalisation of the config document (docs/architecture.md §3, §9): every problem is
// collected with its object, file and field; objects that pass are kept even when others fail.
import { posix } from 'node:path';
import {
  ANNOTATION_ARGOCD_APPLICATION,
  ANNOTATION_DIRECT_PATCH,
  ANNOTATION_FIELD,
  ANNOTATION_PATH,
  ANNOTATION_REPOSITORY,
  annotationField,
  checkAnnotations,
} from './annotations.js';
import { defaultBehavior } from './behavior.js';
import { readPause } from './pause.js';
import { REVIEW_ANNOTATIONS, readReviewAnnotations } from './review.js';
import { readFallback, readModifiers } from './advanced.js';
import { int, isObj, str, type Problem } from './fields.js';
import { validateRepositories } from './repositories.js';
import { authKey, validateTriggerAuthentications } from './trigger-auth.js';
import { validateCluster, validateWatch } from './cluster.js';
import { validateTriggers } from './triggers.js';
import type { ConfigProblem, ObjectConfig, RepositoryConfig, ValidateResult } from './types.js';

export { ANNOTATION_FIELD, ANNOTATION_PATH, ANNOTATION_REPOSITORY } from './annotations.js';

const SPEC_KEYS = [
  'scaleTargetRef',
  'pollingInterval',
  'cooldownPeriod',
  'initialCooldownPeriod',
  'idleReplicaCount',
  'minReplicaCount',
  'maxReplicaCount',
  'fallback',
  'advanced',
  'triggers',
];

/**
 * `refusedAuths`: TriggerAuthentications read elsewhere (the cluster, a repository) and refused there,
 * by `Kind/namespace/name`, with why: a ScaledObject naming one is told that, not that it is undefined.
 */
export function validateConfig(doc: unknown, file: string, refusedAuths: ReadonlyMap<string, string> = new Map()): ValidateResult {
  const problems: ConfigProblem[] = [];
  const warnings: ConfigProblem[] = [];
  const add = (list: ConfigProblem[], object: string) => (p: Problem) =>
    list.push({ object, file, field: p.field, message: p.message, code: p.code ?? 'CONFIG_INVALID' });
  if (!isObj(doc)) {
    add(
      problems,
      'config',
    )({ field: '', message: 'the config must be a YAML map with repositories: and scaledObjects:', code: 'CONFIG_NOT_MAP' });
    return { config: null, problems, warnings };
  }
  for (const key of Object.keys(doc)) {
    if (!['repositories', 'scaledObjects', 'triggerAuthentications', 'cluster', 'watch'].includes(key))
      add(warnings, 'config')({ field: key, message: 'unknown key (ignored)' });
  }
  const repoProblems: Problem[] = [];
  const repoWarnings: Problem[] = [];
  const repositories = validateRepositories(doc.repositories, file, repoProblems, repoWarnings);
  repoProblems.forEach(add(problems, 'repositories'));
  repoWarnings.forEach(add(warnings, 'repositories'));
  const authProblems: Problem[] = [];
  const triggerAuthentications = validateTriggerAuthentications(doc.triggerAuthentications, authProblems);
  authProblems.forEach(add(problems, 'triggerAuthentications'));
  const clusterProblems: Problem[] = [];
  const clusterWarnings: Problem[] = [];
  const cluster = validateCluster(doc.cluster, clusterProblems, clusterWarnings);
  const watch = validateWatch(doc.watch, clusterProblems, clusterWarnings);
  clusterProblems.forEach(add(problems, 'cluster'));
  clusterWarnings.forEach(add(warnings, 'cluster'));
  // With `watch:` or a `discover: true` repository, ScaledObjects may all come from the cluster or
  // the repositories: an empty list is fine then.
  const elsewhere = !!watch || repositories.some((r) => r.discover);
  const listed = Array.isArray(doc.scaledObjects) ? doc.scaledObjects : doc.scaledObjects == null && elsewhere ? [] : null;
  if (listed === null || (listed.length === 0 && !elsewhere)) {
    add(
      problems,
      'config',
    )({
      field: 'scaledObjects',
      message: elsewhere
        ? 'must be a list of KEDA ScaledObjects'
        : 'must be a non-empty list of KEDA ScaledObjects (or set watch: to read them from the cluster, or discover: true on a repository)',
      code: 'CONFIG_REQUIRED',
    });
    return { config: null, problems, warnings };
  }
  const objects: ObjectConfig[] = [];
  const seen = new Set<string>();
  const workloads = new Map<string, ObjectConfig>();
  const repos = new Map(repositories.map((r) => [r.name, r]));
  const auths = triggerAuthentications.map((a) => authKey(a.kind, a.namespace, a.name));
  listed.forEach((raw: unknown, i: number) => {
    const local: Problem[] = [];
    const localWarn: Problem[] = [];
    const name = isObj(raw) && isObj(raw.metadata) && typeof raw.metadata.name === 'string' ? raw.metadata.name : undefined;
    const ns = isObj(raw) && isObj(raw.metadata) && typeof raw.metadata.namespace === 'string' ? raw.metadata.namespace : 'default';
    const label = name ? `${ns}/${name}` : `scaledObjects[${i}]`;
    const obj = validateObject(raw, local, localWarn, repos, auths, refusedAuths);
    if (obj && seen.has(obj.key))
      local.push({ field: 'metadata.name', message: `duplicate ScaledObject ${obj.key}`, code: 'CONFIG_DUPLICATE' });
    else if (obj) sameWorkload(obj, workloads, local);
    local.forEach(add(problems, label));
    localWarn.forEach(add(warnings, label));
    if (obj && local.length === 0) {
      seen.add(obj.key);
      objects.push(obj);
      const id = workloadId(obj);
      if (id !== null && !workloads.has(id)) workloads.set(id, obj);
    }
  });
  return { config: { file, repositories, cluster, watch, objects, triggerAuthentications }, problems, warnings };
}

/** The workload an object writes (null: a directory path, searched for the object's own marker comment, which two objects never share). */
function workloadId(o: ObjectConfig): string | null {
  return /\.(ya?ml|json)$/i.test(o.path)
    ? JSON.stringify([o.repository, o.path, o.field ?? '', o.namespace, o.target.kind, o.target.name])
    : null;
}

/**
 * KEDA's admission webhook refuses a second ScaledObject on a workload one already scales; here
 * both would write the same replica field. The later object is refused and the first kept. Same
 * workload: same repository, manifest path and values field, namespace, and scaleTargetRef kind
 * and name (another repository or file is another cluster's or overlay's copy, not this one).
 */
function sameWorkload(obj: ObjectConfig, accepted: Map<string, ObjectConfig>, problems: Problem[]): void {
  const id = workloadId(obj);
  const first = id === null ? undefined : accepted.get(id);
  if (!first) return;
  const where = `${obj.path || '(repository root)'}${obj.field ? ` (field ${obj.field})` : ''} of repository '${obj.repository}'`;
  problems.push({
    field: 'spec.scaleTargetRef.name',
    code: 'CONFIG_DUPLICATE_TARGET',
    message: `${obj.target.kind} ${obj.namespace}/${obj.target.name} in ${where} is already scaled by ScaledObject ${first.key}; KEDA refuses two ScaledObjects on one workload, so this one is not run (${first.key} is)`,
  });
}

function validateObject(
  raw: unknown,
  problems: Problem[],
  warnings: Problem[],
  repos: Map<string, RepositoryConfig>,
  auths: string[],
  refused: ReadonlyMap<string, string>,
): ObjectConfig | null {
  const repoNames = new Set(repos.keys());
  if (!isObj(raw)) {
    problems.push({ field: '', message: 'must be a KEDA ScaledObject map', code: 'CONFIG_TYPE' });
    return null;
  }
  if (raw.apiVersion !== 'keda.sh/v1alpha1' && raw.apiVersion !== 'gitscale.dev/v1alpha1')
    problems.push({
      field: 'apiVersion',
      message: `must be keda.sh/v1alpha1 or gitscale.dev/v1alpha1, got ${JSON.stringify(raw.apiVersion)}`,
      code: 'CONFIG_KIND',
    });
  if (raw.kind !== 'ScaledObject')
    problems.push({ field: 'kind', message: `must be ScaledObject, got ${JSON.stringify(raw.kind)}`, code: 'CONFIG_KIND' });
  const meta = isObj(raw.metadata) ? raw.metadata : {};
  const name = str(meta, 'name', 'metadata.name', problems, { required: true });
  if (name && (name.length > 63 || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name))) {
    problems.push({
      field: 'metadata.name',
      message: `'${name}' must be a lowercase DNS name of at most 63 characters (KEDA uses it as a label value)`,
      code: 'CONFIG_NAME',
    });
  }
  const namespace = str(meta, 'namespace', 'metadata.namespace', problems, { def: 'default' })!;
  const annotations: Record<string, string> = {};
  if (isObj(meta.annotations)) for (const [k, v] of Object.entries(meta.annotations)) annotations[k] = String(v);
  const repository = annotations[ANNOTATION_REPOSITORY];
  const field = annotationField;
  checkAnnotations(annotations, problems);
  if (!repository)
    problems.push({
      field: field(ANNOTATION_REPOSITORY),
      message: 'is required: the name of a repository in repositories:',
      code: 'CONFIG_REQUIRED',
    });
  else if (!repoNames.has(repository))
    problems.push({
      field: field(ANNOTATION_REPOSITORY),
      message: `names repository '${repository}', which is not in repositories: (${[...repoNames].join(', ') || 'none'})`,
      code: 'CONFIG_UNKNOWN_REPOSITORY',
    });
  const rawPath = annotations[ANNOTATION_PATH];
  let path: string | undefined;
  if (!rawPath)
    problems.push({
      field: field(ANNOTATION_PATH),
      message: 'is required: the manifest file (or, for marker comments, the directory) inside the repository',
      code: 'CONFIG_REQUIRED',
    });
  else {
    const norm = posix.normalize(rawPath.replace(/^\.\//, '')).replace(/\/+$/, '');
    if (posix.isAbsolute(rawPath) || norm === '..' || norm.startsWith('../') || rawPath.includes('\\')) {
      problems.push({
        field: field(ANNOTATION_PATH),
        message: `'${rawPath}' must be a relative path inside the repository`,
        code: 'CONFIG_PATH_ESCAPES',
      });
    } else path = norm === '.' ? '' : norm;
  }
  const fieldPath = annotations[ANNOTATION_FIELD]?.trim() || undefined;
  const directPatchValue = annotations[ANNOTATION_DIRECT_PATCH];
  if (directPatchValue !== undefined && directPatchValue !== 'never' && directPatchValue !== 'allowed') {
    problems.push({
      field: field(ANNOTATION_DIRECT_PATCH),
      message: `must be "never" or "allowed", got ${JSON.stringify(directPatchValue)}`,
      code: 'CONFIG_INVALID',
    });
  }
  const appRef = annotations[ANNOTATION_ARGOCD_APPLICATION];
  let argocdApplication: ObjectConfig['argocdApplication'];
  if (appRef !== undefined) {
    const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.exec(appRef.trim());
    if (m) argocdApplication = { namespace: m[1], name: m[3] };
    else
      problems.push({
        field: field(ANNOTATION_ARGOCD_APPLICATION),
        message: `must be <namespace>/<name> of an Argo CD Application, got ${JSON.stringify(appRef)}`,
        code: 'CONFIG_INVALID',
      });
  }
  const spec = isObj(raw.spec) ? raw.spec : (problems.push({ field: 'spec', message: 'is required', code: 'CONFIG_REQUIRED' }), {});
  const ref = isObj(spec.scaleTargetRef)
    ? spec.scaleTargetRef
    : (problems.push({ field: 'spec.scaleTargetRef', message: 'is required', code: 'CONFIG_REQUIRED' }), {});
  const targetName = str(ref, 'name', 'spec.scaleTargetRef.name', problems, { required: !!spec.scaleTargetRef });
  const kind = str(ref, 'kind', 'spec.scaleTargetRef.kind', problems, { def: 'Deployment' })!;
  const apiVersion = str(ref, 'apiVersion', 'spec.scaleTargetRef.apiVersion', problems, { def: 'apps/v1' })!;
  const envSourceContainerName = str(ref, 'envSourceContainerName', 'spec.scaleTargetRef.envSourceContainerName', problems);
  const min = int(spec, 'minReplicaCount', 'spec.minReplicaCount', problems, 0, 0)!;
  const max = int(spec, 'maxReplicaCount', 'spec.maxReplicaCount', problems, 100, 1)!;
  const idle = int(spec, 'idleReplicaCount', 'spec.idleReplicaCount', problems, undefined, 0);
  if (min > max)
    problems.push({
      field: 'spec.minReplicaCount',
      message: `minReplicaCount ${min} must be ≤ maxReplicaCount ${max}`,
      code: 'CONFIG_RANGE',
    });
  if (idle !== undefined && idle >= min)
    problems.push({
      field: 'spec.idleReplicaCount',
      message: `idleReplicaCount ${idle} must be < minReplicaCount ${min}`,
      code: 'CONFIG_RANGE',
    });
  else if (idle !== undefined && idle !== 0)
    problems.push({
      field: 'spec.idleReplicaCount',
      message: `only 0 is supported (KEDA: any other idle count flaps against the HPA's minReplicas, issue #2314), got ${idle}`,
      code: 'CONFIG_RANGE',
    });
  const adv = isObj(spec.advanced) ? spec.advanced : {};
  for (const k of Object.keys(spec))
    if (!SPEC_KEYS.includes(k)) warnings.push({ field: `spec.${k}`, message: 'unknown ScaledObject field (ignored)' });
  for (const k of Object.keys(adv)) {
    if (k === 'restoreToOriginalReplicaCount')
      warnings.push({
        field: 'spec.advanced.restoreToOriginalReplicaCount',
        message: 'has no effect with gitscale: Git keeps every earlier count (revert the commit to restore one)',
      });
    else if (!['horizontalPodAutoscalerConfig', 'scalingModifiers'].includes(k))
      warnings.push({ field: `spec.advanced.${k}`, message: 'unknown field (ignored)' });
  }
  const hpaCfg = isObj(adv.horizontalPodAutoscalerConfig) ? adv.horizontalPodAutoscalerConfig : {};
  const pause = readPause(annotations, problems);
  const repo = repository ? repos.get(repository) : undefined;
  const review = { ...repo?.review, ...readReviewAnnotations(annotations, problems) };
  if (repo && !repo.forge) {
    for (const a of Object.values(REVIEW_ANNOTATIONS).filter((k) => k in annotations)) {
      warnings.push({
        field: field(a),
        message: `repository '${repo.name}' has no forge:, so a decision crossing this threshold can never be written (it waits for a pull request nobody can open)`,
        code: 'CONFIG_REVIEW_WITHOUT_FORGE',
      });
    }
  }
  // KEDA pauses a direction by setting the HPA's selectPolicy to Disabled (a behavior, so defaulted).
  const behaviorField = 'spec.advanced.horizontalPodAutoscalerConfig.behavior';
  const behavior = defaultBehavior(hpaCfg.behavior ?? (pause?.scaleIn || pause?.scaleOut ? {} : undefined), behaviorField, problems);
  if (behavior && pause?.scaleIn) behavior.scaleDown = { ...behavior.scaleDown, selectPolicy: 'Disabled' };
  if (behavior && pause?.scaleOut) behavior.scaleUp = { ...behavior.scaleUp, selectPolicy: 'Disabled' };
  const fallback = readFallback(spec.fallback, problems);
  const modifiers = readModifiers(adv.scalingModifiers, spec.triggers, problems);
  if (fallback?.behavior === 'scalingModifiers' && adv.scalingModifiers == null) {
    problems.push({
      field: 'spec.fallback.behavior',
      message: 'scalingModifiers needs spec.advanced.scalingModifiers.formula',
      code: 'CONFIG_REQUIRED',
    });
  }
  const key = `${namespace}/${name ?? '?'}`;
  const triggers = validateTriggers(spec.triggers, problems, warnings, namespace, auths, refused);
  if (problems.length > 0 || !name || !targetName || path === undefined || !repository) return null;
  return {
    key,
    namespace,
    name,
    repository,
    path,
    field: fieldPath,
    annotations,
    triggers,
    review,
    ...(repo?.maxManifestBytes === undefined ? {} : { maxManifestBytes: repo.maxManifestBytes }),
    directPatch: directPatchValue !== 'never',
    argocdApplication,
    target: { apiVersion, kind, name: targetName, ...(envSourceContainerName ? { envSourceContainerName } : {}) },
    spec: {
      pollingInterval: int(spec, 'pollingInterval', 'spec.pollingInterval', problems, 30, 1)!,
      cooldownPeriod: int(spec, 'cooldownPeriod', 'spec.cooldownPeriod', problems, 300, 0)!,
      initialCooldownPeriod: int(spec, 'initialCooldownPeriod', 'spec.initialCooldownPeriod', problems, 0, 0)!,
      minReplicaCount: min,
      maxReplicaCount: max,
      idleReplicaCount: idle,
      behavior,
      pause,
      fallback,
      modifiers,
    },
  };
}
