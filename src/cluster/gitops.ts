// Argo CD and Flux, as gitscale sees them: which of their objects apply a repository's file, how
// to ask them to look at Git now (the annotations `argocd app get --refresh` and `flux reconcile`
// set), and which revision of Git they have reached.
import { ClusterError } from '../errors.js';
import { fileInside, sameRepository } from './repo-url.js';
import type { Kube, KubeObject, Resource } from './types.js';

export const APPLICATION: Resource = { group: 'argoproj.io', version: 'v1alpha1', plural: 'applications' };
export const GIT_REPOSITORY: Resource = { group: 'source.toolkit.fluxcd.io', version: 'v1', plural: 'gitrepositories' };
export const KUSTOMIZATION: Resource = { group: 'kustomize.toolkit.fluxcd.io', version: 'v1', plural: 'kustomizations' };
export const HELM_RELEASE: Resource = { group: 'helm.toolkit.fluxcd.io', version: 'v2', plural: 'helmreleases' };
export const KEDA_SCALED_OBJECTS: Resource = { group: 'keda.sh', version: 'v1alpha1', plural: 'scaledobjects' };
export const GITSCALE_SCALED_OBJECTS: Resource = { group: 'gitscale.dev', version: 'v1alpha1', plural: 'scaledobjects' };
/** TriggerAuthentications (namespaced) and ClusterTriggerAuthentications, gitscale's and KEDA's, in the order a name is looked up. */
export const TRIGGER_AUTHENTICATIONS: { kind: 'TriggerAuthentication' | 'ClusterTriggerAuthentication'; resource: Resource }[] = [
  { kind: 'TriggerAuthentication', resource: { group: 'gitscale.dev', version: 'v1alpha1', plural: 'triggerauthentications' } },
  {
    kind: 'ClusterTriggerAuthentication',
    resource: { group: 'gitscale.dev', version: 'v1alpha1', plural: 'clustertriggerauthentications' },
  },
  { kind: 'TriggerAuthentication', resource: { group: 'keda.sh', version: 'v1alpha1', plural: 'triggerauthentications' } },
  { kind: 'ClusterTriggerAuthentication', resource: { group: 'keda.sh', version: 'v1alpha1', plural: 'clustertriggerauthentications' } },
];

export const ARGOCD_REFRESH = 'argocd.argoproj.io/refresh';
export const FLUX_REQUESTED_AT = 'reconcile.fluxcd.io/requestedAt';

export type GitopsKind = 'Application' | 'GitRepository' | 'Kustomization' | 'HelmRelease';

export interface GitopsTarget {
  kind: GitopsKind;
  resource: Resource;
  namespace: string;
  name: string;
  /** The revision it has fetched / applied now, read before the nudge. */
  revision: string[];
  /** spec.suspend (Flux): it will not move, so nobody waits for it. */
  suspended: boolean;
}

export const targetName = (t: GitopsTarget): string => `${t.kind} ${t.namespace}/${t.name}`;

/** What Argo CD / Flux say they have fetched: commit ids (Flux's `main@sha1:<id>` reduced to the id). */
export function revisionsOf(kind: GitopsKind, o: KubeObject): string[] {
  const ids = (v: unknown): string[] => (typeof v === 'string' ? [...v.matchAll(/[0-9a-f]{40}|[0-9a-f]{64}/g)].map((m) => m[0]) : []);
  if (kind === 'Application') {
    const sync = o.status?.sync ?? {};
    return [...ids(sync.revision), ...(Array.isArray(sync.revisions) ? sync.revisions.flatMap(ids) : [])];
  }
  if (kind === 'GitRepository') return ids(o.status?.artifact?.revision);
  if (kind === 'Kustomization') return ids(o.status?.lastAttemptedRevision);
  return [];
}

/**
 * The targets whose revision the patch waits for: Applications (status.sync.revision: what self-heal
 * compares with), GitRepositories (the artifact), and Kustomizations not suspended
 * (lastAttemptedRevision: once it names the commit, no apply of an older artifact can follow and
 * undo the patch).
 */
export function watched(t: GitopsTarget): boolean {
  return t.kind === 'Application' || t.kind === 'GitRepository' || (t.kind === 'Kustomization' && !t.suspended);
}

/** LIST across namespaces; a kind whose CRD is not installed is simply absent (Argo CD or Flux not in this cluster). */
export async function listIfServed(kube: Kube, r: Resource, namespace?: string): Promise<KubeObject[]> {
  try {
    return await kube.list(r, namespace);
  } catch (e) {
    if (e instanceof ClusterError && e.code === 'KUBE_NOT_FOUND') return [];
    throw e;
  }
}

function appSources(app: KubeObject): { repoURL?: string; path?: string; ref?: string; chart?: string }[] {
  const spec = app.spec ?? {};
  return [...(spec.source ? [spec.source] : []), ...(Array.isArray(spec.sources) ? spec.sources : [])];
}

/** The Applications with a source from `repoUrl` whose path holds `file`. */
export async function applicationsHolding(kube: Kube, repoUrl: string, file: string, list: Lister = listerOf(kube)): Promise<KubeObject[]> {
  return (await list(APPLICATION)).filter((app) => holds(app, repoUrl, [file]));
}

/** LISTs a resource (in a namespace, or all); `shared` answers each distinct LIST once (one batch of checks). */
export type Lister = (r: Resource, namespace?: string) => Promise<KubeObject[]>;

export function listerOf(kube: Kube, shared = false): Lister {
  const seen = new Map<string, Promise<KubeObject[]>>();
  return (r, namespace) => {
    if (!shared) return listIfServed(kube, r, namespace);
    const key = `${r.group}/${r.plural}/${namespace ?? '*'}`;
    if (!seen.has(key)) seen.set(key, listIfServed(kube, r, namespace));
    return seen.get(key)!;
  };
}

function holds(app: KubeObject, repoUrl: string, files: string[]): boolean {
  return (
    files.length > 0 &&
    appSources(app).some(
      (s) =>
        typeof s.repoURL === 'string' &&
        sameRepository(s.repoURL, repoUrl) &&
        !s.chart &&
        (s.ref !== undefined || files.some((f) => fileInside(f, s.path))),
    )
  );
}

/**
 * The Applications with a source from `repoUrl` whose path holds one of `files` (a multi-source
 * Application's `ref:` values source holds them all), plus `explicit` ones named by annotation;
 * Flux's GitRepositories of the same URL, and the Kustomizations and HelmReleases built from them
 * that apply one of the files.
 */
export async function findTargets(
  kube: Kube,
  repoUrl: string,
  files: string[],
  explicit: { namespace: string; name: string }[],
): Promise<GitopsTarget[]> {
  const out: GitopsTarget[] = [];
  const add = (kind: GitopsKind, resource: Resource, o: KubeObject) => {
    const namespace = o.metadata.namespace ?? 'default';
    if (out.some((t) => t.kind === kind && t.namespace === namespace && t.name === o.metadata.name)) return;
    out.push({ kind, resource, namespace, name: o.metadata.name, revision: revisionsOf(kind, o), suspended: o.spec?.suspend === true });
  };
  const [apps, repos] = await Promise.all([listIfServed(kube, APPLICATION), listIfServed(kube, GIT_REPOSITORY)]);
  for (const app of apps) {
    const named = explicit.some((x) => x.namespace === app.metadata.namespace && x.name === app.metadata.name);
    if (named || holds(app, repoUrl, files)) add('Application', APPLICATION, app);
  }
  for (const x of explicit) {
    if (!out.some((t) => t.kind === 'Application' && t.namespace === x.namespace && t.name === x.name)) {
      throw new ClusterError('KUBE_NOT_FOUND', `Argo CD Application ${x.namespace}/${x.name} (gitscale.dev/argocd-application) not found`, {
        resource: 'applications.argoproj.io',
        namespace: x.namespace,
        name: x.name,
      });
    }
  }
  const sources = repos.filter((r) => typeof r.spec?.url === 'string' && sameRepository(r.spec.url, repoUrl));
  if (sources.length === 0) return out;
  for (const r of sources) add('GitRepository', GIT_REPOSITORY, r);
  const fromSource = (ref: { kind?: string; name?: string; namespace?: string } | undefined, own: KubeObject) =>
    ref?.kind === 'GitRepository' &&
    sources.some(
      (s) => s.metadata.name === ref.name && (s.metadata.namespace ?? 'default') === (ref.namespace ?? own.metadata.namespace ?? 'default'),
    );
  const [kustomizations, releases] = await Promise.all([listIfServed(kube, KUSTOMIZATION), listIfServed(kube, HELM_RELEASE)]);
  for (const k of kustomizations) {
    if (fromSource(k.spec?.sourceRef, k) && files.some((f) => fileInside(f, k.spec?.path))) add('Kustomization', KUSTOMIZATION, k);
  }
  for (const h of releases) {
    const chart = h.spec?.chart?.spec;
    if (fromSource(chart?.sourceRef, h) && files.some((f) => fileInside(f, chart?.chart))) add('HelmRelease', HELM_RELEASE, h);
  }
  return out;
}

/** Annotates each target the way `argocd app get --refresh` / `flux reconcile` do. */
export async function nudge(kube: Kube, targets: GitopsTarget[], now: number): Promise<void> {
  const at = new Date(now).toISOString();
  await Promise.all(
    targets.map((t) =>
      kube.annotate(
        t.resource,
        t.namespace,
        t.name,
        t.kind === 'Application' ? { [ARGOCD_REFRESH]: 'normal' } : { [FLUX_REQUESTED_AT]: at },
      ),
    ),
  );
}

/**
 * Has `t` reached `commit`? Yes when it names the commit, or when its revision moved since the
 * nudge to one that is neither the old one nor the commit's parent (a later commit pushed on top).
 */
export function reached(before: string[], now: string[], commit: string, parent: string | null): boolean {
  if (now.includes(commit)) return true;
  return now.length > 0 && now.some((r) => !before.includes(r) && r !== parent);
}

export interface Waited {
  reached: boolean;
  waitedMs: number;
  /** The targets that had not reached the commit when the wait ended. */
  pending: string[];
}

/** Polls the watched targets until each reached `commit`, or `timeoutMs` passed. */
export async function waitForRevision(
  kube: Kube,
  targets: GitopsTarget[],
  commit: string,
  parent: string | null,
  timeoutMs: number,
  clock: { now(): number; sleep(ms: number): Promise<void> },
  allowed?: () => boolean,
): Promise<Waited> {
  const start = clock.now();
  let pending = targets.filter(watched);
  for (;;) {
    const still: GitopsTarget[] = [];
    for (const t of pending) {
      const o = await kube.get(t.resource, t.namespace, t.name);
      if (o && !reached(t.revision, revisionsOf(t.kind, o), commit, parent)) still.push(t);
    }
    pending = still;
    const waitedMs = clock.now() - start;
    if (pending.length === 0) return { reached: true, waitedMs, pending: [] };
    if (waitedMs >= timeoutMs || (allowed && !allowed())) return { reached: false, waitedMs, pending: pending.map(targetName) };
    await clock.sleep(Math.min(100, Math.max(1, timeoutMs - waitedMs)));
  }
}
