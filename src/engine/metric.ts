// Per-trigger replica proposals with the HPA's milli-unit arithmetic (docs/semantics.md §4).

export const DEFAULT_TOLERANCE = 0.1;

/** KEDA's GenerateMetricInMili: `%.3f`, NaN/±Inf/negative → 0. Returns milli-units. */
export function toMilli(value: number): number {
  if (!Number.isFinite(value) || value < 0) return 0;
  return Math.round(Number(value.toFixed(3)) * 1000);
}

function within(ratio: number, tolerance: { up: number; down: number }): boolean {
  return 1 - tolerance.down <= ratio && ratio <= 1 + tolerance.up;
}

export interface ProposalInput {
  value: number;
  target: number;
  metricType: 'AverageValue' | 'Value';
  specReplicas: number;
  statusReplicas: number;
  readyReplicas: number;
  tolerance: { up: number; down: number };
}

export interface Proposal {
  replicas: number;
  /** e.g. `ceil(20 / 5) = 4` or `20 / (5 × 4) = 1.00 within tolerance → 4`. */
  explain: string;
}

const fmt = (n: number): string => String(Number(n.toFixed(3)));

export function proposeReplicas(p: ProposalInput): Proposal {
  const usage = toMilli(p.value);
  const target = toMilli(p.target);
  if (target <= 0) return { replicas: p.specReplicas, explain: `target ${fmt(p.target)} is not positive: keep ${p.specReplicas}` };
  const v = fmt(usage / 1000);
  const t = fmt(target / 1000);
  if (p.metricType === 'AverageValue') {
    const ratio = usage / (target * p.statusReplicas);
    if (within(ratio, p.tolerance)) {
      return {
        replicas: p.statusReplicas,
        explain: `${v} / (${t} × ${p.statusReplicas}) = ${ratio.toFixed(2)} within tolerance → ${p.statusReplicas}`,
      };
    }
    const replicas = Math.min(Math.ceil(usage / target), 2 ** 31 - 1);
    return { replicas, explain: `ceil(${v} / ${t}) = ${replicas}` };
  }
  const ratio = usage / target;
  if (p.specReplicas === 0) {
    const replicas = Math.ceil(ratio);
    return { replicas, explain: `ceil(${v} / ${t}) = ${replicas}` };
  }
  if (within(ratio, p.tolerance)) {
    return { replicas: p.specReplicas, explain: `${v} / ${t} = ${ratio.toFixed(2)} within tolerance → ${p.specReplicas}` };
  }
  const replicas = Math.min(Math.ceil(ratio * p.readyReplicas), 2 ** 31 - 1);
  return { replicas, explain: `ceil(${v} / ${t} × ${p.readyReplicas} ready) = ${replicas}` };
}
