// KEDA's pause annotations (docs/semantics.md §11; upstream: docs/keda-reference.md §3), read as KEDA reads them.
import type { Problem } from './fields.js';
import type { Pause } from './types.js';

export const PAUSED = 'autoscaling.keda.sh/paused';
export const PAUSED_REPLICAS = 'autoscaling.keda.sh/paused-replicas';
export const PAUSED_SCALE_IN = 'autoscaling.keda.sh/paused-scale-in';
export const PAUSED_SCALE_OUT = 'autoscaling.keda.sh/paused-scale-out';
export const FORCE_ACTIVATION = 'autoscaling.keda.sh/force-activation';

/** Go's strconv.ParseBool, which KEDA uses; undefined for anything else. */
function parseBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

export function readPause(annotations: Record<string, string>, problems: Problem[]): Pause | undefined {
  const has = (k: string) => Object.prototype.hasOwnProperty.call(annotations, k);
  if (![PAUSED, PAUSED_REPLICAS, PAUSED_SCALE_IN, PAUSED_SCALE_OUT, FORCE_ACTIVATION].some(has)) return undefined;
  const field = (k: string) => `metadata.annotations["${k}"]`;
  const flag = (k: string): boolean => {
    if (!has(k)) return false;
    const b = parseBool(annotations[k]);
    if (b === undefined)
      problems.push({ field: field(k), message: `must be "true" or "false", got '${annotations[k]}'`, code: 'CONFIG_ANNOTATION' });
    return b === true;
  };
  let replicas: number | undefined;
  if (has(PAUSED_REPLICAS)) {
    const v = annotations[PAUSED_REPLICAS];
    if (/^\d+$/.test(v) && Number(v) <= 2 ** 31 - 1) replicas = Number(v);
    else
      problems.push({
        field: field(PAUSED_REPLICAS),
        message: `must be a whole number of replicas, got '${v}'`,
        code: 'CONFIG_ANNOTATION',
      });
  }
  return {
    replicas,
    paused: has(PAUSED) && parseBool(annotations[PAUSED]) !== false,
    scaleIn: flag(PAUSED_SCALE_IN),
    scaleOut: flag(PAUSED_SCALE_OUT),
    forceActivation: flag(FORCE_ACTIVATION),
  };
}

/** Frozen by KEDA's pause annotations (`paused`, or `paused-replicas`): KEDA's ScaledObject Paused condition. */
export function isPaused(p: Pause | undefined): boolean {
  return !!p && (p.paused || p.replicas !== undefined);
}
