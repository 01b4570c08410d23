// The one catalogue of gitscale's stable codes (docs/architecture.md §9): per family, each code
// with one line saying what it means. The unions are derived from it and every error class takes
// its family's (src/errors.ts), so a misspelled code fails to compile. Users see the same codes in
// `validate`, `plan`, the log, /readyz and the GitScaledObject status.

/** Config problems (`validate` lists them all) and ConfigError: the config, its ScaledObjects and their authentication. */
export const CONFIG_CODES = {
  CONFIG_UNREADABLE: 'the config file cannot be read',
  CONFIG_LIMIT: 'the config file is beyond the size or YAML bounds: not read',
  CONFIG_YAML: 'the config file is not valid YAML',
  CONFIG_NOT_MAP: 'the config is not a YAML map with repositories: and scaledObjects:',
  CONFIG_INVALID: 'a value gitscale cannot use (the default code of a config problem)',
  CONFIG_REQUIRED: 'a required field is missing or empty',
  CONFIG_TYPE: 'a field has the wrong type (a string for a number, a list for a map …)',
  CONFIG_RANGE: 'a number is out of its allowed range',
  CONFIG_ENUM: 'a value is not one of the allowed words',
  CONFIG_NAME: 'a name is not a DNS name Kubernetes accepts',
  CONFIG_KIND: 'an apiVersion or kind gitscale does not read',
  CONFIG_DUPLICATE: 'a repository or ScaledObject is named twice',
  CONFIG_DUPLICATE_TARGET: 'two ScaledObjects scale the same workload',
  CONFIG_CONFLICT: 'two settings exclude each other',
  CONFIG_UNSUPPORTED: 'a KEDA setting gitscale does not support: refused rather than ignored',
  CONFIG_METRIC_TYPE: "a trigger's metricType is not AverageValue or Value (Utilization: cpu and memory only)",
  CONFIG_FORMULA: 'a scalingModifiers formula does not parse or names an unknown trigger',
  CONFIG_ANNOTATION: 'a gitscale.dev/ pause annotation has a value it cannot take',
  CONFIG_UNKNOWN_ANNOTATION: 'a gitscale.dev/ annotation gitscale does not know (a typo)',
  CONFIG_PATH_ESCAPES: 'gitscale.dev/path leads outside the repository',
  CONFIG_UNKNOWN_REPOSITORY: 'gitscale.dev/repository names a repository the config does not have',
  CONFIG_REVIEW: 'a review threshold is not a whole number, or is unknown',
  CONFIG_REVIEW_WITHOUT_FORGE: 'review thresholds on a repository without forge: a crossing decision is never written',
  CONFIG_URL: 'a repository URL does not parse',
  CONFIG_TRANSPORT: 'a repository URL uses a transport gitscale does not speak',
  CONFIG_SECRET_IN_URL: 'a repository URL carries credentials',
  CONFIG_SECRET_INLINE: 'a secret written in the config instead of named (a file or an environment variable)',
  CONFIG_AUTH: "a repository's SSH auth names no key or no host keys, or both of a pair",
  CONFIG_TOKEN_MISSING: 'the environment variable a repository names for its token or key is not set',
  CONFIG_FILE_MISSING: 'a file the config names (a key, known_hosts) cannot be read',
  CONFIG_SIGNING: 'commit signing names no key, both keys, or an unknown format',
  CONFIG_FORGE: 'forge: is of an unknown type, or on a repository with no remote',
  CONFIG_UNKNOWN_AUTH: "a trigger's authenticationRef names no TriggerAuthentication there is",
  CONFIG_AUTH_REFUSED: "a trigger's authenticationRef names a TriggerAuthentication that was refused",
  AUTH_SHADOWED: 'a TriggerAuthentication in Git has the name of one in the config, which wins',
  SECRET_NOT_FOUND: 'a Secret (or its key) a TriggerAuthentication references is not there',
  CONFIGMAP_NOT_FOUND: 'a ConfigMap (or its key) a TriggerAuthentication references is not there',
  CONFIGMAP_NEEDS_CLUSTER: 'a TriggerAuthentication references a ConfigMap and no cluster is configured',
  CONFIGMAP_AT_RUN_TIME: "a ConfigMap is read from the cluster at run time: the trigger's metadata is checked then",
  UNKNOWN_TRIGGER_TYPE: "a trigger's type is not one gitscale has",
  TRIGGER_METADATA: "a trigger's metadata is missing a key, or has a value its scaler refuses",
  TRIGGER_ENV_MISSING: 'a *FromEnv key names an environment variable that is not set',
  TRIGGER_AUTH_PARAM_UNKNOWN: 'a TriggerAuthentication parameter the trigger does not read',
  DISCOVER_NO_WORKLOAD: "no file in the repository defines a discovered ScaledObject's workload",
  DISCOVER_AMBIGUOUS: "several files define a discovered ScaledObject's workload: gitscale.dev/path must choose",
} as const;

/** What `validate` finds checking objects against their repository and the cluster: warnings. */
export const CHECK_CODES = {
  REPLICAS_QUOTED: 'a workload spec.replicas is a quoted string the API server rejects',
  OWNERSHIP_HPA: 'a HorizontalPodAutoscaler also scales the workload',
  OWNERSHIP_KEDA: "a KEDA ScaledObject also scales the workload: its HPA would overwrite gitscale's commits",
  OWNERSHIP_ARGOCD_IGNORES_REPLICAS: "Argo CD ignores the workload's replicas: gitscale's commits would never be applied",
  OWNERSHIP_FLUX_SSA_IF_NOT_PRESENT: "Flux never re-applies the workload (ssa: IfNotPresent): gitscale's commits would not reach it",
} as const;

/** ScalerError: a trigger could not produce a value (never turned into a scale to zero). */
export const SCALER_CODES = {
  SCALER_METADATA: "the trigger's metadata cannot be used (or a value it names cannot be read)",
  SCALER_AUTH_UNRESOLVED: "the trigger's TriggerAuthentication, Secret, ConfigMap or workload role cannot be resolved",
  SCALER_AUTH_FAILED: 'the server refused the credentials',
  SCALER_CONNECTION_REFUSED: 'the server refused the connection',
  SCALER_HOST_NOT_FOUND: "the server's host name does not resolve",
  SCALER_TIMEOUT: 'no answer within the trigger timeout',
  SCALER_ABORTED: 'the read was aborted before it answered',
  SCALER_UNAVAILABLE: 'the server is unreachable or answered with an error',
  SCALER_TLS_FAILED: 'TLS failed: a certificate not trusted, expired or for another name, or a key that does not decrypt',
  SCALER_HTTP_STATUS: 'an HTTP endpoint answered a status other than 2xx',
  SCALER_INVALID_RESPONSE: 'the answer is not in the expected shape',
  SCALER_NON_NUMERIC: 'the value read is not a number',
  SCALER_VALUE_NOT_FOUND: 'the value is not in the answer (a path, a series, a consumer group)',
  SCALER_MISSING_ATTRIBUTE: 'the queue answered without an attribute the trigger reads',
  SCALER_QUEUE_NOT_FOUND: 'the queue does not exist',
  SCALER_BUCKET_NOT_FOUND: 'the bucket does not exist',
  SCALER_DATABASE_NOT_FOUND: 'the database does not exist',
  SCALER_WRONG_TYPE: 'the key holds a type the trigger does not count',
  SCALER_QUERY_FAILED: 'the query failed on the server',
  SCALER_FAILED: 'the trigger failed some other way (its message says how)',
} as const;

/** ManifestError: an object's target cannot be found, read or edited. */
export const MANIFEST_CODES = {
  MANIFEST_FILE_NOT_FOUND: 'the file gitscale.dev/path names is not in the repository',
  MARKER_NOT_FOUND: "no YAML file under the path carries the object's marker comment",
  MANIFEST_YAML_INVALID: 'a document in the file does not parse (or repeats a key)',
  MANIFEST_LIMIT: "the file is beyond gitscale's bounds (size, flow nesting, documents): refused before parsing",
  TARGET_NOT_FOUND: 'no document has that kind, metadata.name and a compatible namespace',
  TARGET_AMBIGUOUS: 'more than one document does',
  SPEC_NOT_MAP: 'spec is missing, null, an alias, or not a map gitscale can edit',
  REPLICAS_NOT_INTEGER: 'the count is not a whole number (three, 2.5, -1, 007, null, a template, a block scalar)',
  REPLICAS_OUT_OF_RANGE: 'the count is above int32, or a requested count is not a whole number in [0, 2^31-1]',
  REPLICAS_ALIAS: 'the value is an alias, carries an anchor, or comes through an alias or merge key',
  REPLICAS_DUPLICATE: 'replicas appears twice in spec',
  REPLICAS_OVERRIDDEN: 'a workload file without replicas whose count a kustomization in the repository sets',
  REPLICAS_UNKNOWN: 'a kustomization without an entry whose rendered count gitscale cannot follow (remote base, missing file …)',
  EDIT_NOT_CONFIRMED: 'the re-read after a splice disagreed: nothing is written',
  FIELD_NOT_FOUND: 'a gitscale.dev/field path (or its root) does not exist: never invented',
  FIELD_PATH_INVALID: 'a gitscale.dev/field path does not parse',
  FIELD_REQUIRED: 'a Helm values file, HelmRelease or Application without gitscale.dev/field',
  HELM_TEMPLATE: 'a chart template ({{ … }}) rather than YAML: the values file is what to edit',
  MARKER_AMBIGUOUS: "two scalars carry the same object's marker comment",
  MARKER_MISPLACED: 'a marker comment for the object is not on the line of a scalar value',
  KUSTOMIZE_INVALID: 'kustomize replicas is not a list of {name, count} maps, or cannot take a new entry',
} as const;

/** GitError and PushRejectedError: a repository, its transport, the workspace or a push. */
export const GIT_CODES = {
  GIT_UNREACHABLE: 'the remote cannot be reached or fetched from',
  GIT_AUTH: 'the remote refused the token or the SSH key',
  GIT_HOST_KEY: "the SSH server's host key is unknown or changed (or known_hosts cannot be read)",
  GIT_SSH_KEY: 'the SSH private key cannot be read or decrypted',
  GIT_BRANCH_NOT_FOUND: 'the branch is not on the remote (or in the local repository)',
  GIT_BASE_BRANCH: 'refused: rewriting or deleting the base branch as a bot branch',
  GIT_HISTORY_INCOMPLETE: 'the server sent less history than the window asked for',
  GIT_BAD_PACK: 'a packfile does not parse',
  GIT_BAD_OBJECT: 'a git object does not parse',
  GIT_MISSING_OBJECT: 'an object the workspace needs is not in it',
  GIT_OBJECT_TYPE: 'an object is not of the type its reference says',
  GIT_WORKSPACE_DAMAGED: 'the workspace cannot be read: cloned afresh at the next sync',
  GIT_SIGNING: 'the commit cannot be signed, so it is neither made nor pushed',
  GIT_PUSH_FAILED: 'the push failed (not a lost race)',
  GIT_PUSH_REFUSED: 'the server refused the push for good (a hook, a protected branch)',
  GIT_PUSH_TIMEOUT: 'a push went unanswered within its bounds: it may have landed',
  GIT_BRANCH_MOVED: 'a bot branch moved since gitscale read it: the push was refused',
  PUSH_REJECTED: 'the branch kept moving: the push lost the race after every retry',
  GIT_NOT_A_REPOSITORY: 'a local path is not a git repository',
  GIT_BARE_REPOSITORY: 'a local path is a bare repository (no working tree to write)',
  GIT_DIRTY_WORKTREE: 'a local file to write has uncommitted changes',
  GIT_REF_LOCKED: 'a local ref is locked by another git process',
  GIT_BRANCH_MOVING: 'a local branch kept moving while committing',
  GIT_ERROR: 'reading a repository failed some other way (its message says how)',
} as const;

/** ClusterError: a Kubernetes API call failed. */
export const CLUSTER_CODES = {
  KUBE_UNREACHABLE: 'the API server cannot be reached',
  KUBE_TIMEOUT: 'the API server did not answer in time',
  KUBE_UNAUTHORIZED: 'the API server refused the credentials (401)',
  KUBE_FORBIDDEN: "gitscale's service account may not do that (403): the message names the verb and resource",
  KUBE_NOT_FOUND: 'the object is not there (404)',
  KUBE_UNKNOWN_KIND: 'the API server does not serve that kind',
  KUBE_FAILED: 'the API server answered another error status',
} as const;

/** ForgeError: a forge API (pull requests) answered with an error. */
export const FORGE_CODES = {
  FORGE_UNREACHABLE: 'the forge cannot be reached',
  FORGE_PERMISSION: 'the forge refused the token, or it lacks a permission (401, 403)',
  FORGE_HTTP: 'the forge answered another error, or an answer too large or not JSON',
  FORGE_SCHEMA: 'a forge answer is not in the shape expected',
} as const;

/** An object's result when no single error above says what went wrong. */
export const OBJECT_CODES = {
  ALL_TRIGGERS_FAILED: 'every trigger failed and no fallback applies: the count is left as it is',
  INTERNAL: 'a bug in gitscale (InternalError, or a failure without a code)',
} as const;

export const ERROR_CODES = {
  config: CONFIG_CODES,
  check: CHECK_CODES,
  scaler: SCALER_CODES,
  manifest: MANIFEST_CODES,
  git: GIT_CODES,
  cluster: CLUSTER_CODES,
  forge: FORGE_CODES,
  object: OBJECT_CODES,
} as const;

export type ConfigCode = keyof typeof CONFIG_CODES;
export type CheckCode = keyof typeof CHECK_CODES;
export type ScalerCode = keyof typeof SCALER_CODES;
export type ManifestCode = keyof typeof MANIFEST_CODES;
export type GitCode = keyof typeof GIT_CODES;
export type ClusterCode = keyof typeof CLUSTER_CODES;
export type ForgeCode = keyof typeof FORGE_CODES;
export type ObjectCode = keyof typeof OBJECT_CODES;
/** Every code gitscale reports. */
export type ErrorCode = { [F in keyof typeof ERROR_CODES]: keyof (typeof ERROR_CODES)[F] }[keyof typeof ERROR_CODES];

/** Whether `code` is one of `family`'s (for a code read off a value of unknown type). */
export function isCode<F extends Record<string, string>>(family: F, code: unknown): code is keyof F & string {
  return typeof code === 'string' && Object.hasOwn(family, code);
}
