// The `Kube` client over @kubernetes/client-node: generic custom-object calls (the scale
// subresource of apps/v1 kinds has the same path shape as a CRD's), core Events and
// coordination Leases. Every request is bounded by a timeout; every failure becomes a
// ClusterError naming the verb and the resource.
import * as k8s from '@kubernetes/client-node';
import { ClusterError, errorMessage } from '../errors.js';
import { splitApiVersion, type Kube, type KubeObject, type Resource } from './types.js';

/** The kinds gitscale scales most, resolved without a discovery request. */
const KNOWN: Record<string, string> = {
  'apps/Deployment': 'deployments',
  'apps/StatefulSet': 'statefulsets',
  'apps/ReplicaSet': 'replicasets',
  'argoproj.io/Rollout': 'rollouts',
  'argoproj.io/Application': 'applications',
  'source.toolkit.fluxcd.io/GitRepository': 'gitrepositories',
  'kustomize.toolkit.fluxcd.io/Kustomization': 'kustomizations',
  'helm.toolkit.fluxcd.io/HelmRelease': 'helmreleases',
};

/** Exposes client-node's cached API discovery (`resource()` is protected there). */
class Discovery extends k8s.KubernetesObjectApi {
  find(apiVersion: string, kind: string): Promise<k8s.V1APIResource | undefined> {
    return this.resource(apiVersion, kind);
  }
}

export interface KubeOptions {
  /** Bound on each request (default 10 s): a hung API server delays a tick, never stalls it. */
  timeoutMs?: number;
  /** Names this process in Events (`reportingInstance`, `source.host`). */
  identity: string;
}

export function createKube(kc: k8s.KubeConfig, o: KubeOptions): Kube {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const coordination = kc.makeApiClient(k8s.CoordinationV1Api);
  const discovery = kc.makeApiClient(Discovery);
  const timeoutMs = o.timeoutMs ?? 10_000;
  const bounded = (extra?: { contentType: string }): k8s.ConfigurationOptions => ({
    middleware: [
      {
        pre: (ctx) => {
          ctx.setSignal(AbortSignal.timeout(timeoutMs));
          if (extra) ctx.setHeaderParam('Content-Type', extra.contentType);
          return new k8s.Observable(Promise.resolve(ctx));
        },
        post: (res) => new k8s.Observable(Promise.resolve(res)),
      },
    ],
    middlewareMergeStrategy: 'append',
  });

  /** Runs one call; 404 → null when `missingOk`; anything else → a ClusterError naming verb and resource. */
  async function call<T>(
    verb: string,
    resource: string,
    where: { namespace?: string; name?: string },
    fn: () => Promise<T>,
    missingOk = false,
  ): Promise<T | null> {
    try {
      return await fn();
    } catch (e) {
      const status = e instanceof k8s.ApiException ? e.code : undefined;
      if (status === 404 && missingOk) return null;
      throw kubeError(e, status, verb, resource, where);
    }
  }

  const groupOf = (r: Resource) => (r.group ? `${r.plural}.${r.group}` : r.plural);

  return {
    async resource(apiVersion, kind) {
      const { group, version } = splitApiVersion(apiVersion);
      const known = KNOWN[`${group}/${kind}`];
      if (known) return { group, version, plural: known };
      const found = await call('discover', `${apiVersion} ${kind}`, {}, () => withTimeout(discovery.find(apiVersion, kind), timeoutMs));
      if (!found)
        throw new ClusterError('KUBE_UNKNOWN_KIND', `the API server does not serve kind ${kind} in ${apiVersion}`, {
          resource: `${apiVersion}/${kind}`,
        });
      return { group, version, plural: found.name };
    },
    get: (r, namespace, name) =>
      call('get', groupOf(r), { namespace, name }, () => custom.getNamespacedCustomObject({ ...r, namespace, name }, bounded()), true),
    async getScale(r, namespace, name) {
      const s = await call(
        'get',
        `${groupOf(r)}/scale`,
        { namespace, name },
        () => custom.getNamespacedCustomObjectScale({ ...r, namespace, name }, bounded()),
        true,
      );
      if (!s) return null;
      return {
        spec: Number(s.spec?.replicas ?? 0),
        status: Number(s.status?.replicas ?? 0),
        selector: typeof s.status?.selector === 'string' ? s.status.selector : null,
      };
    },
    async patchScale(r, namespace, name, from, to) {
      // autoscaling/v1 ScaleSpec drops `replicas: 0` (omitempty): at 0 the spec is `{}`, so test that.
      const body =
        from === 0
          ? [
              { op: 'test', path: '/spec', value: {} },
              { op: 'add', path: '/spec/replicas', value: to },
            ]
          : [
              { op: 'test', path: '/spec/replicas', value: from },
              { op: 'replace', path: '/spec/replicas', value: to },
            ];
      try {
        await custom.patchNamespacedCustomObjectScale(
          { ...r, namespace, name, body, fieldManager: 'gitscale' },
          bounded({ contentType: k8s.PatchStrategy.JsonPatch }),
        );
        return 'patched';
      } catch (e) {
        // A failed JSON-patch `test` is a bare 422 Invalid: read the scale to tell "someone else
        // changed the replicas meanwhile" from a request the server truly refused.
        if (e instanceof k8s.ApiException && e.code === 422) {
          const now = await custom.getNamespacedCustomObjectScale({ ...r, namespace, name }, bounded()).catch(() => null);
          if (now && Number(now.spec?.replicas ?? 0) !== from) return 'conflict';
        }
        throw kubeError(e, e instanceof k8s.ApiException ? e.code : undefined, 'patch', `${groupOf(r)}/scale`, { namespace, name });
      }
    },
    async list(r, namespace) {
      const res = await call('list', groupOf(r), { namespace }, () =>
        namespace === undefined
          ? custom.listClusterCustomObject({ ...r }, bounded())
          : custom.listNamespacedCustomObject({ ...r, namespace }, bounded()),
      );
      return (res as { items?: KubeObject[] })?.items ?? [];
    },
    async annotate(r, namespace, name, annotations) {
      await call('patch', groupOf(r), { namespace, name }, () =>
        custom.patchNamespacedCustomObject(
          { ...r, namespace, name, body: { metadata: { annotations } }, fieldManager: 'gitscale' },
          bounded({ contentType: k8s.PatchStrategy.MergePatch }),
        ),
      );
    },
    async patchStatus(r, namespace, name, status) {
      await call('patch', `${groupOf(r)}/status`, { namespace, name }, () =>
        custom.patchNamespacedCustomObjectStatus(
          { ...r, namespace, name, body: { status }, fieldManager: 'gitscale' },
          bounded({ contentType: k8s.PatchStrategy.MergePatch }),
        ),
      );
    },
    async createEvent(e) {
      const at = new Date(e.at);
      const body: k8s.CoreV1Event = {
        metadata: { generateName: `${e.regarding.name}.`, namespace: e.regarding.namespace },
        involvedObject: {
          apiVersion: e.regarding.apiVersion,
          kind: e.regarding.kind,
          name: e.regarding.name,
          namespace: e.regarding.namespace,
          uid: e.regarding.uid,
        },
        reason: e.reason,
        message: e.message,
        type: e.type,
        firstTimestamp: at,
        lastTimestamp: at,
        count: 1,
        source: { component: 'gitscale', host: o.identity },
        reportingComponent: 'gitscale',
        reportingInstance: o.identity,
      };
      await call('create', 'events', { namespace: e.regarding.namespace }, () =>
        core.createNamespacedEvent({ namespace: e.regarding.namespace, body }, bounded()),
      );
    },
    async secretValue(namespace, name, key) {
      const sec = await call('get', 'secrets', { namespace, name }, () => core.readNamespacedSecret({ namespace, name }, bounded()), true);
      const b64 = sec?.data?.[key];
      return b64 === undefined ? (sec?.stringData?.[key] ?? null) : Buffer.from(b64, 'base64').toString('utf8');
    },
    async serviceAccountAnnotation(namespace, name, key) {
      const sa = await call(
        'get',
        'serviceaccounts',
        { namespace, name },
        () => core.readNamespacedServiceAccount({ namespace, name }, bounded()),
        true,
      );
      return sa?.metadata?.annotations?.[key] ?? null;
    },
    async configMapValue(namespace, name, key) {
      const cm = await call(
        'get',
        'configmaps',
        { namespace, name },
        () => core.readNamespacedConfigMap({ namespace, name }, bounded()),
        true,
      );
      return cm?.data?.[key] ?? null;
    },
    watch(r, namespace, onList, onError, retryMs = 5_000) {
      const base = `/apis/${r.group}/${r.version}`;
      const path = namespace === undefined ? `${base}/${r.plural}` : `${base}/namespaces/${namespace}/${r.plural}`;
      const list = () =>
        (namespace === undefined
          ? custom.listClusterCustomObject({ ...r }, bounded())
          : custom.listNamespacedCustomObject({ ...r, namespace }, bounded())) as Promise<k8s.KubernetesListObject<k8s.KubernetesObject>>;
      const informer = k8s.makeInformer(kc, path, list);
      let stopped = false;
      let retry: NodeJS.Timeout | undefined;
      const emit = () => onList(informer.list() as unknown as KubeObject[]);
      for (const verb of [k8s.ADD, k8s.UPDATE, k8s.DELETE] as const) informer.on(verb, emit);
      informer.on(k8s.CONNECT, emit);
      const fail = (e: unknown) => {
        if (stopped || retry) return;
        const status = e instanceof k8s.ApiException ? e.code : undefined;
        onError(kubeError(e, status, 'watch', r.group ? `${r.plural}.${r.group}` : r.plural, { namespace }));
        retry = setTimeout(() => {
          retry = undefined;
          if (!stopped) informer.start().catch(fail);
        }, retryMs);
      };
      informer.on(k8s.ERROR, fail);
      informer.start().catch(fail);
      return {
        async stop() {
          stopped = true;
          clearTimeout(retry);
          await informer.stop();
        },
      };
    },
    async getLease(namespace, name) {
      const l = await call(
        'get',
        'leases.coordination.k8s.io',
        { namespace, name },
        () => coordination.readNamespacedLease({ namespace, name }, bounded()),
        true,
      );
      if (!l) return null;
      const t = (v: unknown) => (v === undefined || v === null ? null : new Date(v as string | Date).getTime());
      return {
        holder: l.spec?.holderIdentity ?? null,
        leaseDurationSeconds: l.spec?.leaseDurationSeconds ?? 0,
        acquireTime: t(l.spec?.acquireTime),
        renewTime: t(l.spec?.renewTime),
        transitions: l.spec?.leaseTransitions ?? 0,
        resourceVersion: l.metadata?.resourceVersion ?? '',
      };
    },
    async writeLease(namespace, name, l, resourceVersion) {
      const micro = (ms: number | null) => (ms === null ? undefined : new k8s.V1MicroTime(ms));
      const body: k8s.V1Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace, ...(resourceVersion ? { resourceVersion } : {}) },
        spec: {
          holderIdentity: l.holder ?? undefined,
          leaseDurationSeconds: l.leaseDurationSeconds,
          acquireTime: micro(l.acquireTime),
          renewTime: micro(l.renewTime),
          leaseTransitions: l.transitions,
        },
      };
      try {
        if (resourceVersion === null) await coordination.createNamespacedLease({ namespace, body }, bounded());
        else await coordination.replaceNamespacedLease({ namespace, name, body }, bounded());
        return true;
      } catch (e) {
        // 409: another candidate created or renewed it first (optimistic concurrency on resourceVersion).
        if (e instanceof k8s.ApiException && e.code === 409) return false;
        throw kubeError(
          e,
          e instanceof k8s.ApiException ? e.code : undefined,
          resourceVersion === null ? 'create' : 'update',
          'leases.coordination.k8s.io',
          { namespace, name },
        );
      }
    },
  };
}

/** client-node's discovery takes no per-request options: bound it from outside. */
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('discovery: no answer in time'), { name: 'TimeoutError' })), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function kubeError(
  e: unknown,
  status: number | undefined,
  verb: string,
  resource: string,
  where: { namespace?: string; name?: string },
): ClusterError {
  const at = `${where.namespace ? ` in namespace ${where.namespace}` : ''}`;
  const obj = where.name ? ` ${where.name}` : '';
  const data = { verb, resource, ...where, status };
  if (status === 401)
    return new ClusterError(
      'KUBE_UNAUTHORIZED',
      `kubernetes: ${verb} ${resource}${obj}${at}: unauthorized (the credentials were refused)`,
      data,
    );
  if (status === 403)
    return new ClusterError(
      'KUBE_FORBIDDEN',
      `kubernetes: forbidden to ${verb} ${resource}${at}: grant verb "${verb}" on "${resource}" to gitscale's service account (see config/rbac/)`,
      data,
    );
  if (status === 404) return new ClusterError('KUBE_NOT_FOUND', `kubernetes: ${verb} ${resource}${obj}${at}: not found`, data);
  if (status !== undefined)
    return new ClusterError('KUBE_FAILED', `kubernetes: ${verb} ${resource}${obj}${at}: HTTP ${status}: ${statusMessage(e)}`, data);
  const timedOut = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError' || /aborted|timeout/i.test(errorMessage(e)));
  return new ClusterError(
    timedOut ? 'KUBE_TIMEOUT' : 'KUBE_UNREACHABLE',
    `kubernetes: ${verb} ${resource}${obj}${at}: ${timedOut ? 'no answer in time' : errorMessage(e)}`,
    data,
  );
}

/** The API server's own Status message, when the body is one. */
function statusMessage(e: unknown): string {
  const body = e instanceof k8s.ApiException ? e.body : undefined;
  try {
    const parsed = typeof body === 'string' ? JSON.parse(body) : body;
    if (parsed && typeof parsed.message === 'string') return parsed.message.slice(0, 500);
  } catch {
    /* not JSON */
  }
  return typeof body === 'string' ? body.slice(0, 500) : errorMessage(e);
}
