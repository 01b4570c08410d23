// The cluster as a config source (`watch:`): gitscale.dev ScaledObjects and TriggerAuthentications
// in the watched namespaces (and ClusterTriggerAuthentications), and keda.sh ones when
// `watch.kedaObjects` (ScaledObjects only when they carry gitscale.dev/repository). What they hold
// is merged into the file's config by merge.ts.
import {
  GITSCALE_SCALED_OBJECTS,
  KEDA_SCALED_OBJECTS,
  TRIGGER_AUTHENTICATIONS,
  type Kube,
  type KubeObject,
  type Resource,
  type Watching,
} from '../../cluster/index.js';
import { ANNOTATION_REPOSITORY } from '../../config/annotations.js';
import type { WatchSettings } from '../../config/types.js';
import type { Logger } from '../../log.js';
import type { ClusterObjects } from './merge.js';

const GITSCALE = GITSCALE_SCALED_OBJECTS;
const KEDA = KEDA_SCALED_OBJECTS;

export function fromCluster(objects: KubeObject[], settings: WatchSettings): KubeObject[] {
  return objects.filter(
    (o) =>
      o.apiVersion === 'gitscale.dev/v1alpha1' ||
      (settings.kedaObjects && o.apiVersion === 'keda.sh/v1alpha1' && !!o.metadata.annotations?.[ANNOTATION_REPOSITORY]),
  );
}

/** Watches what `settings` names; `onChange` gets it all (debounced) after each change. */
export function watchScaledObjects(
  kube: Pick<Kube, 'watch'>,
  settings: WatchSettings,
  log: Logger,
  onChange: (objects: ClusterObjects) => void,
): { stop(): Promise<void> } {
  const lists = new Map<string, KubeObject[]>();
  const auths = new Map<string, KubeObject[]>();
  let timer: NodeJS.Timeout | undefined;
  const changed = () => {
    clearTimeout(timer);
    // In lookup order (TRIGGER_AUTHENTICATIONS), whatever order the watches answered in.
    const order = [...auths.keys()].sort();
    timer = setTimeout(
      () =>
        onChange({
          scaledObjects: fromCluster([...lists.values()].flat(), settings),
          triggerAuthentications: order.flatMap((k) => auths.get(k)!),
        }),
      200,
    );
  };
  const scopes = settings.namespaces.includes('*') ? [undefined] : settings.namespaces;
  const watches: Watching[] = [];
  const watch = (r: Resource, ns: string | undefined, into: Map<string, KubeObject[]>, id: string, kind: string) => {
    watches.push(
      kube.watch(
        r,
        ns,
        (items) => {
          into.set(
            id,
            items.map((o) => ({ ...o, apiVersion: o.apiVersion ?? `${r.group}/${r.version}`, kind })),
          );
          changed();
        },
        (e) =>
          log.warn('watching the cluster failed: retrying', { resource: `${r.plural}.${r.group}`, namespace: ns ?? '*', error: e.message }),
      ),
    );
  };
  for (const r of settings.kedaObjects ? [GITSCALE, KEDA] : [GITSCALE])
    for (const ns of scopes) watch(r, ns, lists, `${r.group}/${ns ?? '*'}`, 'ScaledObject');
  TRIGGER_AUTHENTICATIONS.forEach(({ kind, resource: r }, i) => {
    if (r.group === 'keda.sh' && !settings.kedaObjects) return;
    for (const ns of kind === 'ClusterTriggerAuthentication' ? [undefined] : scopes) watch(r, ns, auths, `${i}/${ns ?? '*'}`, kind);
  });
  log.info('watching ScaledObjects', { namespaces: settings.namespaces, kedaObjects: settings.kedaObjects, triggerAuthentications: true });
  return {
    async stop() {
      clearTimeout(timer);
      await Promise.all(watches.map((w) => w.stop()));
    },
  };
}
