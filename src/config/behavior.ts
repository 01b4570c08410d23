// The HPA API's defaulting of `behavior` (K8S-DEF: pkg/apis/autoscaling/v2/defaults.go).
import { isObj, type Problem } from './fields.js';
import type { Behavior, ScalingPolicy, ScalingRules } from './types.js';

const DEFAULT_UP: ScalingRules = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
};
const DEFAULT_DOWN: ScalingRules = {
  stabilizationWindowSeconds: 300,
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
};

function rules(raw: unknown, defaults: ScalingRules, field: string, problems: Problem[]): ScalingRules {
  if (raw === undefined || raw === null) return defaults;
  if (!isObj(raw)) {
    problems.push({ field, message: 'must be a map' });
    return defaults;
  }
  const out: ScalingRules = { ...defaults };
  const w = raw.stabilizationWindowSeconds;
  if (w !== undefined) {
    if (!Number.isInteger(w) || (w as number) < 0 || (w as number) > 3600)
      problems.push({ field: `${field}.stabilizationWindowSeconds`, message: 'must be an integer from 0 to 3600' });
    else out.stabilizationWindowSeconds = w as number;
  }
  const sp = raw.selectPolicy;
  if (sp !== undefined) {
    if (sp !== 'Max' && sp !== 'Min' && sp !== 'Disabled')
      problems.push({ field: `${field}.selectPolicy`, message: 'must be one of: Max, Min, Disabled' });
    else out.selectPolicy = sp;
  }
  if (raw.policies !== undefined) {
    if (!Array.isArray(raw.policies)) problems.push({ field: `${field}.policies`, message: 'must be a list' });
    else {
      const policies: ScalingPolicy[] = [];
      raw.policies.forEach((p, i) => {
        const f = `${field}.policies[${i}]`;
        if (!isObj(p)) return problems.push({ field: f, message: 'must be a map' });
        if (p.type !== 'Pods' && p.type !== 'Percent') return problems.push({ field: `${f}.type`, message: 'must be Pods or Percent' });
        if (!Number.isInteger(p.value) || (p.value as number) <= 0)
          return problems.push({ field: `${f}.value`, message: 'must be an integer > 0' });
        const period = p.periodSeconds;
        if (!Number.isInteger(period) || (period as number) <= 0 || (period as number) > 1800)
          return problems.push({ field: `${f}.periodSeconds`, message: 'must be an integer from 1 to 1800' });
        policies.push({ type: p.type, value: p.value as number, periodSeconds: period as number });
      });
      if (policies.length > 0) out.policies = policies;
    }
  }
  if (raw.tolerance !== undefined) {
    const t = typeof raw.tolerance === 'string' ? Number(raw.tolerance) : raw.tolerance;
    if (typeof t !== 'number' || !Number.isFinite(t) || t < 0)
      problems.push({ field: `${field}.tolerance`, message: 'must be a number ≥ 0' });
    else out.tolerance = t;
  }
  return out;
}

/** Returns the defaulted behavior, or undefined when none is set (the HPA's legacy path). */
export function defaultBehavior(raw: unknown, field: string, problems: Problem[]): Behavior | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObj(raw)) {
    problems.push({ field, message: 'must be a map' });
    return undefined;
  }
  return {
    scaleUp: rules(raw.scaleUp, DEFAULT_UP, `${field}.scaleUp`, problems),
    scaleDown: rules(raw.scaleDown, DEFAULT_DOWN, `${field}.scaleDown`, problems),
  };
}
