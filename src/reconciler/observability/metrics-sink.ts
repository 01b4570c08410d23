// What the tick tells the outside world about itself, as numbers (server/ turns them into
// Prometheus metrics). A narrow sink the reconciler calls; it never reads clocks itself: timers
// come from the sink.
export interface ObjectRef {
  namespace: string;
  name: string;
}

export type PatchResult = 'patched' | 'conflict' | 'already' | 'missing' | 'standby' | 'failed';

export interface MetricsSink {
  /** One trigger's sample: its raw value (null on error), activity, and how long it took. */
  triggerSample(
    o: ObjectRef,
    index: number,
    trigger: { type: string; name: string },
    s: { value: number | null; active: boolean; error: boolean },
    seconds: number,
  ): void;
  /** A timer for one trigger's sample: call the result when the sample is in. */
  triggerTimer(): () => number;
  objectError(o: ObjectRef): void;
  paused(o: ObjectRef, paused: boolean): void;
  /** A commit landed after `attempts` pushes. */
  commit(repository: string, attempts: number): void;
  /** Whether `key` has a gitscale pull request open now. */
  pullRequest(repository: string, key: string, open: boolean): void;
  patch(result: PatchResult): void;
  /** Timers: call the result when the repository's tick / sync has ended (a sync says whether it worked). */
  tickTimer(repository: string): () => void;
  syncTimer(repository: string): (ok?: boolean) => void;
  /** The object is gone (removed from the config): drop its series. */
  forget(o: ObjectRef): void;
}

/** The recorder when nothing listens (plan, once, tests that do not look). */
export function nullMetrics(): MetricsSink {
  const none = () => {};
  return {
    triggerSample: none,
    triggerTimer: () => () => 0,
    objectError: none,
    paused: none,
    commit: none,
    pullRequest: none,
    patch: none,
    tickTimer: () => none,
    syncTimer: () => none,
    forget: none,
  };
}
