// The normalised config the rest of gitscale consumes. `validate` produces it from YAML.
import type { ErrorCode } from '../errors.js';
import type { ForgeType } from './forges.js';
import type { Expr } from './formula.js';

export interface Author {
  name: string;
  email: string;
}

export interface RepositoryAuth {
  /** Name of the environment variable holding an HTTP token (never the token itself). */
  tokenFromEnv?: string;
  /** Basic-auth user name sent with the token (default `x-access-token`). */
  username?: string;
  /** A GitHub App installation: its tokens (renewed before they expire) serve Git and the API. */
  githubApp?: { appId: number; installationId: number; privateKeyFromEnv: string };
  /** SSH remotes: the private key (a deploy key) in a file (e.g. a mounted Secret) or an environment variable. */
  sshKeyFile?: string;
  sshKeyFromEnv?: string;
  /** The key's passphrase, when it has one. */
  sshKeyPassphraseFromEnv?: string;
  /** The server's host keys: an OpenSSH known_hosts file, or one pinned key ("<type> <base64>" or "SHA256:…"). */
  knownHostsFile?: string;
  sshHostKey?: string;
}

export interface SigningConfig {
  /** ssh: an SSH key, SSHSIG as `git -c gpg.format=ssh` makes; openpgp: an armored OpenPGP key. */
  format: 'ssh' | 'openpgp';
  /** The private key in a file (e.g. a mounted Secret) or an environment variable. */
  keyFile?: string;
  keyFromEnv?: string;
  passphraseFromEnv?: string;
}

/** Review thresholds (all optional): crossing any routes a decision to a pull request. */
export interface ReviewPolicy {
  /** desired > aboveReplicas */
  aboveReplicas?: number;
  /** |desired − current| > stepAbove */
  stepAbove?: number;
  /** |desired − current| / current > stepPercentAbove % (current > 0) */
  stepPercentAbove?: number;
  /** Step thresholds apply to scale-ins too (default: scale-outs only). */
  scaleIn?: boolean;
}

/** Where pull requests are opened for a remote repository. */
export interface ForgeConfig {
  type: ForgeType;
  /** Gitea: the server origin (default: the repository URL's). GitHub: the API base URL
   *  (https://api.github.com for github.com, https://<host>/api/v3 for GitHub Enterprise). */
  url: string;
  owner: string;
  repo: string;
  /** Labels, reviewers and assignees put on every pull request gitscale opens. */
  labels: string[];
  reviewers: string[];
  assignees: string[];
  /** Merge once the checks pass (Gitea: merge_when_checks_succeed), so CI can stand in for a person. */
  autoMerge: boolean;
  /** Renovate's limits: new pull requests per hour, and open ones at a time (decisions beyond wait). */
  prHourlyLimit?: number;
  prConcurrentLimit?: number;
}

export interface RepositoryConfig {
  name: string;
  forge?: ForgeConfig;
  /** Defaults for every object in this repository. */
  review: ReviewPolicy;
  /** `https://` / `http://` remote, an SSH remote (ssh:// or scp-style), or an absolute local directory holding a Git repository. */
  url: string;
  kind: 'remote' | 'local';
  branch: string;
  auth?: RepositoryAuth;
  /** Sign gitscale's commits (direct and bot branches). */
  signing?: SigningConfig;
  author: Author;
  /** Manifests larger than this are refused (MANIFEST_LIMIT) before parsing; default 1 MiB, at most 16 MiB. */
  maxManifestBytes?: number;
  /** `discover: true`: the ScaledObjects committed in the repository are read at each sync (default false). */
  discover?: boolean;
}

export type MetricType = 'AverageValue' | 'Value';

export interface TriggerConfig {
  type: string;
  /** `triggers[].name`, or derived from the type and index as KEDA does when absent. */
  name: string;
  metadata: Record<string, string>;
  metricType: MetricType;
  authenticationRef?: { name: string; kind: 'TriggerAuthentication' | 'ClusterTriggerAuthentication' };
}

export interface ScalingPolicy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}

export interface ScalingRules {
  stabilizationWindowSeconds: number;
  selectPolicy: 'Max' | 'Min' | 'Disabled';
  policies: ScalingPolicy[];
  tolerance?: number;
}

/** `advanced.horizontalPodAutoscalerConfig.behavior` after the HPA's API defaulting. */
export interface Behavior {
  scaleUp: ScalingRules;
  scaleDown: ScalingRules;
}

export interface ScaleSpec {
  pollingInterval: number;
  cooldownPeriod: number;
  initialCooldownPeriod: number;
  minReplicaCount: number;
  maxReplicaCount: number;
  idleReplicaCount?: number;
  /** Absent → the HPA's legacy path (300 s max-of-recommendations, up-limit max(2×current, 4)). */
  behavior?: Behavior;
  /** KEDA's pause annotations (autoscaling.keda.sh/*); absent when none is set. */
  pause?: Pause;
  fallback?: Fallback;
  /** `advanced.scalingModifiers`: one composite metric replaces the triggers' metrics. */
  modifiers?: ScalingModifiers;
}

export type FallbackBehavior = 'static' | 'currentReplicas' | 'currentReplicasIfHigher' | 'currentReplicasIfLower' | 'scalingModifiers';

export interface Fallback {
  failureThreshold: number;
  replicas: number;
  behavior: FallbackBehavior;
}

export interface ScalingModifiers {
  formula: string;
  expr: Expr;
  target: number;
  activationTarget: number;
  metricType: MetricType;
}

export interface Pause {
  /** `paused-replicas: n`: presence alone pauses, at n. */
  replicas?: number;
  /** `paused`: frozen (a value that is not a bool counts as true, as in KEDA). */
  paused: boolean;
  /** `paused-scale-in` / `paused-scale-out`: that direction (and to/from zero) is blocked. */
  scaleIn: boolean;
  scaleOut: boolean;
  /** `force-activation`: the object counts as active. */
  forceActivation: boolean;
}

export interface ScaleTarget {
  apiVersion: string;
  kind: string;
  name: string;
  /** `scaleTargetRef.envSourceContainerName`: the container whose env resolves `*FromEnv` (default: the first). */
  envSourceContainerName?: string;
}

export interface ObjectConfig {
  /** `namespace/name` */
  key: string;
  namespace: string;
  name: string;
  repository: string;
  /** Repo-relative manifest file, or a directory searched for marker comments ('' = the whole repo); never escapes the repo. */
  path: string;
  /** `gitscale.dev/field`: a values path (`consumer.replicaCount`) for Helm values, HelmRelease and Application sources. */
  field?: string;
  target: ScaleTarget;
  spec: ScaleSpec;
  triggers: TriggerConfig[];
  annotations: Record<string, string>;
  /** Repository defaults overridden by the object's `gitscale.dev/review-*` annotations. */
  review: ReviewPolicy;
  /** The repository's `maxManifestBytes`, when it sets one. */
  maxManifestBytes?: number;
  /** False with `gitscale.dev/direct-patch: never`: a scale from zero waits for Argo CD / Flux. */
  directPatch: boolean;
  /** `gitscale.dev/argocd-application`: the Application to nudge, instead of the ones found by repoURL and path. */
  argocdApplication?: { namespace: string; name: string };
  /** The ScaledObject in the cluster this object is (`watch:`): its status and Events are written there after each tick. */
  origin?: { apiVersion: string; namespace: string; name: string; uid?: string };
}

export interface TriggerAuthentication {
  namespace: string;
  name: string;
  kind: 'TriggerAuthentication' | 'ClusterTriggerAuthentication';
  /** `spec.env`: parameter ← gitscale's own environment variable `name`. */
  env: { parameter: string; name: string }[];
  /** `spec.secretTargetRef`: parameter ← secret `name`/`key`: from the cluster when there is one, else a file or env `GITSCALE_SECRET_<NAME>_<KEY>`. */
  secretTargetRef: { parameter: string; name: string; key: string }[];
  /** `spec.configMapTargetRef`: parameter ← ConfigMap `name`/`key`, from the cluster. */
  configMapTargetRef: { parameter: string; name: string; key: string }[];
  /** `spec.podIdentity` (provider aws: gitscale's own identity, a role assumed on top when roleArn is set). */
  podIdentity?: { provider: 'aws'; roleArn?: string; externalId?: string; identityOwner?: 'keda' | 'workload' };
}

/** The `cluster:` block (used only when a cluster is reachable: --kubeconfig, KUBECONFIG or in-cluster). */
export interface ClusterSettings {
  /** Patch the scale subresource after the commit of a scale from zero landed (default true). */
  directPatch: boolean;
  /** Ask Argo CD / Flux to look at Git right after each push that changed something (default true). */
  nudge: boolean;
  /** How long a scale-from-zero patch waits for Argo CD / Flux to reach the pushed commit (default 10). */
  syncWaitSeconds: number;
  /** Live spec.replicas differing from Git for longer than this is reported as drift (default 300). */
  driftAfterSeconds: number;
  leaderElection: {
    enabled: boolean;
    name: string;
    /** Default: POD_NAMESPACE, else `default` (resolved by the command line). */
    namespace?: string;
    leaseDurationSeconds: number;
    renewDeadlineSeconds: number;
    retryPeriodSeconds: number;
  };
  /** Repositories are split across this many Leases (default 1). */
  shards: number;
}

/** `watch:`: ScaledObjects read from the cluster too (namespaces ["*"]: all). */
export interface WatchSettings {
  namespaces: string[];
  kedaObjects: boolean;
}

export interface Config {
  /** Absolute path of the config file, for messages and resolving relative local repo paths. */
  file: string;
  repositories: RepositoryConfig[];
  cluster: ClusterSettings;
  watch?: WatchSettings | null;
  objects: ObjectConfig[];
  triggerAuthentications: TriggerAuthentication[];
}

/** One problem in the config, naming the object, file and field. */
export interface ConfigProblem {
  /** `namespace/name` of a ScaledObject, `repository <name>`, or `config`. */
  object: string;
  file: string;
  /** Dotted path of the field, e.g. `spec.triggers[0].metadata.queueLength`. */
  field: string;
  message: string;
  /** From the catalogue (errors/codes.ts): a config problem's own, or the code of the error that found it. */
  code: ErrorCode;
}

/**
 * Every problem is collected as data. `config` holds the objects that passed (one broken object
 * never stops the others); it is null only when the file as a whole cannot be used.
 */
export interface ValidateResult {
  config: Config | null;
  problems: ConfigProblem[];
  warnings: ConfigProblem[];
}
