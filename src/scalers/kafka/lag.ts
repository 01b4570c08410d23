// KEDA's Kafka lag arithmetic (pkg/scalers/kafka_scaler.go getLagForPartition, getTotalLag), pure:
// a partition's lag is its latest offset minus the group's committed one; with no commit, 1
// (latest) or the whole partition (earliest), 0 either way with scaleToZeroOnInvalidOffset;
// excludePersistentLag counts a partition whose commit did not move since the last poll as 0 for
// the metric (not for activation); the total is capped at lagThreshold × the partitions (or the
// partitions with lag) unless allowIdleConsumers.

export interface LagOptions {
  lagThreshold: number;
  offsetResetPolicy: 'latest' | 'earliest';
  allowIdleConsumers: boolean;
  excludePersistentLag: boolean;
  scaleToZeroOnInvalidOffset: boolean;
  limitToPartitionsWithLag: boolean;
  ensureEvenDistributionOfPartitions: boolean;
}

export interface PartitionOffsets {
  topic: string;
  partition: number;
  /** The group's committed offset; -1 when it has none. */
  committed: number;
  /** The partition's latest offset (high watermark); undefined when the broker did not say. */
  latest: number | undefined;
}

/** topic → partition → the committed offset seen at the last poll (excludePersistentLag's memory). */
export type Previous = Map<string, Map<number, number>>;

export function partitionLag(p: PartitionOffsets, o: LagOptions, previous: Previous): { lag: number; withPersistent: number } {
  if (p.committed < 0) {
    if (o.offsetResetPolicy === 'latest') {
      const v = o.scaleToZeroOnInvalidOffset ? 0 : 1;
      return { lag: v, withPersistent: v };
    }
    if (o.scaleToZeroOnInvalidOffset) return { lag: 0, withPersistent: 0 };
  }
  if (p.latest === undefined) return { lag: 0, withPersistent: 0 };
  if (p.committed < 0) return { lag: p.latest, withPersistent: p.latest };
  const lag = p.latest - p.committed;
  if (o.excludePersistentLag) {
    const seen = previous.get(p.topic) ?? new Map<number, number>();
    previous.set(p.topic, seen);
    const before = seen.get(p.partition);
    seen.set(p.partition, p.committed);
    if (before === p.committed) return { lag: 0, withPersistent: lag };
  }
  return { lag, withPersistent: lag };
}

/** The factors of n, ascending. */
export function factors(n: number): number[] {
  const out: number[] = [];
  for (let i = 1; i <= n; i++) if (n % i === 0) out.push(i);
  return out;
}

export function totalLag(
  parts: PartitionOffsets[],
  o: LagOptions,
  previous: Previous,
): { lag: number; withPersistent: number; partitions: number; withLag: number } {
  let lag = 0;
  let withPersistent = 0;
  let withLag = 0;
  for (const p of parts) {
    const l = partitionLag(p, o, previous);
    lag += l.lag;
    withPersistent += l.withPersistent;
    if (l.lag > 0) withLag++;
  }
  const partitions = parts.length;
  if (!o.allowIdleConsumers || o.limitToPartitionsWithLag || o.ensureEvenDistributionOfPartitions) {
    let upper = partitions;
    if (o.ensureEvenDistributionOfPartitions)
      lag = (factors(partitions).find((f) => f * o.lagThreshold >= lag) ?? partitions) * o.lagThreshold;
    if (o.limitToPartitionsWithLag) upper = withLag;
    if (Math.trunc(lag / o.lagThreshold) > upper) lag = upper * o.lagThreshold;
  }
  return { lag, withPersistent, partitions, withLag };
}

/** KEDA's partitionLimitation: "1,2,5-7" → [1, 2, 5, 6, 7]; a string says what is wrong. */
export function parsePartitions(text: string): number[] | string {
  const out: number[] = [];
  for (const part of text
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)) {
    const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(part); // KEDA trims both ends of a range: ' 1 - 4 ' is 1,2,3,4
    if (!m) return `'${part}' is not a partition number or a range a-b`;
    const [a, b] = [Number(m[1]), Number(m[2] ?? m[1])];
    if (a > b) return `the range ${part} runs backwards`;
    for (let i = a; i <= b; i++) out.push(i);
  }
  return out;
}
