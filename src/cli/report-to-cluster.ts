// `run` with `watch:` and a cluster: a ScaledObject refused by validation says why on its own status
// (Ready=False, where `kubectl get gso` shows it) and in an Event, through the status executor's
// writer. The objects that run get theirs from their ticks (reconciler/executors/status.ts).
import type { KubeObject } from '../cluster/index.js';
import type { ConfigProblem } from '../config/types.js';
import type { Logger } from '../log.js';
import { clusterReporter, newReportMemo, refusal, type ReportMemo } from '../reconciler/executors/status.js';
import type { ClusterAccess } from './kube.js';

export function refusalReporter(cluster: ClusterAccess, log: Logger): (o: KubeObject, p: ConfigProblem) => void {
  const reporter = clusterReporter({ kube: cluster.kube, clock: cluster.clock, log, after: (ms, fn) => void setTimeout(fn, ms).unref() });
  /** Per refused object: its status and Events as last written (rate limit, deduplication). */
  const memos = new Map<string, ReportMemo>();
  return (o, p) => {
    const origin = {
      apiVersion: o.apiVersion ?? 'gitscale.dev/v1alpha1',
      namespace: o.metadata.namespace ?? 'default',
      name: o.metadata.name,
      uid: o.metadata.uid,
    };
    const key = `${origin.apiVersion}/${origin.namespace}/${origin.name}`;
    const memo = memos.get(key) ?? newReportMemo();
    memos.set(key, memo);
    const { observed, happened } = refusal(p);
    void reporter.status(memo, origin, observed);
    void reporter.events(memo, origin, happened);
  };
}
