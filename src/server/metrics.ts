// Prometheus metrics with prom-client: KEDA's names and labels where KEDA has the metric (so
// existing dashboards work: keda_scaler_metrics_value, keda_scaler_active,
// keda_scaler_detail_errors_total and its older name keda_scaler_errors_total,
// keda_scaled_object_errors_total, keda_scaled_object_paused, keda_scaler_metrics_latency_seconds),
// gitscale's own for what KEDA does not do, and the Node process metrics. One registry per
// instance (no global state).
import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ObjectRef, PatchResult, MetricsSink } from '../reconciler/observability/metrics-sink.js';

const KEDA_LABELS = ['namespace', 'metric', 'scaledObject', 'scaler', 'triggerIndex', 'type'] as const;
const DURATIONS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface Metrics extends MetricsSink {
  registry: Registry;
  /** Leader election: whether this replica holds `shard`'s Lease. */
  leader(shard: number, held: boolean): void;
  render(): Promise<string>;
  contentType: string;
}

export function createMetrics(opts: { version: string; defaults?: boolean }): Metrics {
  const registry = new Registry();
  if (opts.defaults !== false) collectDefaultMetrics({ register: registry });
  const g = (name: string, help: string, labelNames: readonly string[]) => new Gauge({ name, help, labelNames, registers: [registry] });
  const c = (name: string, help: string, labelNames: readonly string[]) => new Counter({ name, help, labelNames, registers: [registry] });
  const h = (name: string, help: string, labelNames: readonly string[]) =>
    new Histogram({ name, help, labelNames, buckets: DURATIONS, registers: [registry] });

  g('gitscale_build_info', 'gitscale version, as an info metric.', ['version']).set({ version: opts.version }, 1);
  const value = g(
    'keda_scaler_metrics_value',
    "The current value for each scaler's metric (gitscale: the trigger's raw sample).",
    KEDA_LABELS,
  );
  const latency = g(
    'keda_scaler_metrics_latency_seconds',
    'The latency of retrieving the current metric from each scaler, in seconds.',
    KEDA_LABELS,
  );
  const active = g('keda_scaler_active', 'Indicates whether a scaler is active (1), or not (0).', KEDA_LABELS);
  const detailErrors = c('keda_scaler_detail_errors_total', 'The total number of errors encountered for each scaler.', KEDA_LABELS);
  const errors = c(
    'keda_scaler_errors_total',
    'The total number of errors encountered for each scaler (KEDA < 2.16 name of keda_scaler_detail_errors_total).',
    KEDA_LABELS,
  );
  const objectErrors = c('keda_scaled_object_errors_total', 'The number of errors that have occurred for each ScaledObject.', [
    'namespace',
    'scaledObject',
  ]);
  const paused = g('keda_scaled_object_paused', 'Indicates whether a ScaledObject is paused (1), or not (0).', [
    'namespace',
    'scaledObject',
  ]);
  const commits = c('gitscale_commits_total', 'Commits gitscale pushed (or made, for a local repository).', ['repository']);
  const retries = c('gitscale_push_retries_total', 'Pushes that lost a race and were retried on the new head.', ['repository']);
  const prs = g('gitscale_pull_requests', 'Pull requests gitscale has open now.', ['repository']);
  const patches = c('gitscale_direct_patches_total', 'Scale-subresource patches for a scale from zero, by result.', ['result']);
  const ticks = h('gitscale_tick_duration_seconds', "One repository's tick: sync, evaluate, decide, write, patch.", ['repository']);
  const syncs = h('gitscale_git_sync_duration_seconds', "Bringing a repository's workspace up to date (fetch), failed ones too.", [
    'repository',
    'result',
  ]);
  const leader = g('gitscale_leader', 'Whether this replica holds the Lease of a shard (1) or not (0).', ['shard']);
  const openPrs = new Map<string, Set<string>>();
  /** The trigger label sets recorded per object, so its series can be dropped when it goes. */
  const series = new Map<string, Map<string, Record<string, string>>>();

  const labels = (o: ObjectRef, index: number, t: { type: string; name: string }) => ({
    namespace: o.namespace,
    metric: `s${index}-${t.name}`,
    scaledObject: o.name,
    scaler: t.type,
    triggerIndex: String(index),
    type: 'scaledobject',
  });
  const objectLabels = (o: ObjectRef) => ({ namespace: o.namespace, scaledObject: o.name });

  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    triggerTimer() {
      // Timed here, not with the gauge's own timer (which would also write an unlabelled series).
      const start = performance.now();
      return () => (performance.now() - start) / 1000;
    },
    triggerSample(o, index, t, s, seconds) {
      const l = labels(o, index, t);
      const mine = series.get(`${o.namespace}/${o.name}`) ?? new Map<string, Record<string, string>>();
      series.set(`${o.namespace}/${o.name}`, mine.set(JSON.stringify(l), l));
      latency.set(l, seconds);
      active.set(l, s.active ? 1 : 0);
      if (s.value !== null) value.set(l, s.value);
      if (s.error) {
        detailErrors.inc(l);
        errors.inc(l);
      } else {
        // KEDA initialises the counters at 0 so a rate() has a series to start from.
        detailErrors.inc(l, 0);
        errors.inc(l, 0);
      }
    },
    objectError: (o) => objectErrors.inc(objectLabels(o)),
    paused: (o, p) => paused.set(objectLabels(o), p ? 1 : 0),
    commit(repository, attempts) {
      commits.inc({ repository });
      if (attempts > 1) retries.inc({ repository }, attempts - 1);
      else retries.inc({ repository }, 0);
    },
    pullRequest(repository, key, open) {
      const set = openPrs.get(repository) ?? new Set<string>();
      openPrs.set(repository, set);
      if (open) set.add(key);
      else set.delete(key);
      prs.set({ repository }, set.size);
    },
    patch: (result: PatchResult) => patches.inc({ result }),
    tickTimer: (repository) => {
      const end = ticks.startTimer({ repository });
      return () => void end();
    },
    syncTimer: (repository) => {
      const end = syncs.startTimer({ repository });
      return (ok = true) => void end({ result: ok ? 'ok' : 'error' });
    },
    forget(o) {
      const key = `${o.namespace}/${o.name}`;
      for (const l of series.get(key)?.values() ?? []) for (const m of [value, latency, active, detailErrors, errors]) m.remove(l);
      series.delete(key);
      objectErrors.remove(objectLabels(o));
      paused.remove(objectLabels(o));
      for (const [repository, set] of openPrs) if (set.delete(key)) prs.set({ repository }, set.size);
    },
    leader: (shard, held) => leader.set({ shard: String(shard) }, held ? 1 : 0),
  };
}
