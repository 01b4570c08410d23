// spec.fallback and spec.advanced.scalingModifiers, validated as KEDA's webhook does.
import { isObj, type Problem } from './fields.js';
import { FormulaError, formulaNames, parseFormula } from './formula.js';
import type { Fallback, FallbackBehavior, ScalingModifiers } from './types.js';

const BEHAVIORS: FallbackBehavior[] = [
  'static',
  'currentReplicas',
  'currentReplicasIfHigher',
  'currentReplicasIfLower',
  'scalingModifiers',
];

function number(v: unknown): number | undefined {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

export function readFallback(raw: unknown, problems: Problem[]): Fallback | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObj(raw)) {
    problems.push({ field: 'spec.fallback', message: 'must be a map', code: 'CONFIG_TYPE' });
    return undefined;
  }
  const intField = (key: 'failureThreshold' | 'replicas'): number | undefined => {
    const v = raw[key];
    if (v === undefined || v === null)
      problems.push({ field: `spec.fallback.${key}`, message: 'is required when fallback is set', code: 'CONFIG_REQUIRED' });
    else if (!Number.isInteger(v) || (v as number) < 0)
      problems.push({ field: `spec.fallback.${key}`, message: `must be an integer ≥ 0, got ${JSON.stringify(v)}`, code: 'CONFIG_RANGE' });
    else return v as number;
    return undefined;
  };
  const failureThreshold = intField('failureThreshold');
  const replicas = intField('replicas');
  const behavior = (raw.behavior ?? 'static') as FallbackBehavior;
  if (!BEHAVIORS.includes(behavior))
    problems.push({ field: 'spec.fallback.behavior', message: `must be one of: ${BEHAVIORS.join(', ')}`, code: 'CONFIG_ENUM' });
  if (failureThreshold === undefined || replicas === undefined || !BEHAVIORS.includes(behavior)) return undefined;
  return { failureThreshold, replicas, behavior };
}

export function readModifiers(raw: unknown, rawTriggers: unknown, problems: Problem[]): ScalingModifiers | undefined {
  if (raw === undefined || raw === null) return undefined;
  const f = 'spec.advanced.scalingModifiers';
  if (!isObj(raw)) {
    problems.push({ field: f, message: 'must be a map', code: 'CONFIG_TYPE' });
    return undefined;
  }
  const before = problems.length;
  const names = (Array.isArray(rawTriggers) ? rawTriggers : []).map((t) => (isObj(t) && typeof t.name === 'string' ? t.name : undefined));
  names.forEach((n, i) => {
    if (n === undefined)
      problems.push({
        field: `spec.triggers[${i}].name`,
        message: 'is required when scalingModifiers is set (the formula refers to triggers by name)',
        code: 'CONFIG_REQUIRED',
      });
  });
  const formula = typeof raw.formula === 'string' ? raw.formula : '';
  let expr;
  if (!formula.trim()) problems.push({ field: `${f}.formula`, message: 'is required', code: 'CONFIG_REQUIRED' });
  else {
    try {
      expr = parseFormula(formula);
      for (const ref of formulaNames(expr)) {
        if (!names.includes(ref.name)) {
          problems.push({
            field: `${f}.formula`,
            message: `unknown name '${ref.name}' at column ${ref.pos} (triggers: ${names.filter(Boolean).join(', ') || 'none named'})`,
            code: 'CONFIG_FORMULA',
          });
        }
      }
    } catch (e) {
      if (!(e instanceof FormulaError)) throw e;
      problems.push({ field: `${f}.formula`, message: `${e.message}: ${formula}`, code: 'CONFIG_FORMULA' });
    }
  }
  const target = number(raw.target);
  if (raw.target === undefined) problems.push({ field: `${f}.target`, message: 'is required', code: 'CONFIG_REQUIRED' });
  else if (target === undefined || target <= 0)
    problems.push({ field: `${f}.target`, message: `must be a number > 0, got ${JSON.stringify(raw.target)}`, code: 'CONFIG_RANGE' });
  const activationTarget = raw.activationTarget === undefined ? 0 : number(raw.activationTarget);
  if (activationTarget === undefined)
    problems.push({
      field: `${f}.activationTarget`,
      message: `must be a number, got ${JSON.stringify(raw.activationTarget)}`,
      code: 'CONFIG_TYPE',
    });
  const metricType = raw.metricType ?? 'AverageValue';
  if (metricType !== 'AverageValue' && metricType !== 'Value')
    problems.push({
      field: `${f}.metricType`,
      message:
        metricType === 'Utilization'
          ? 'Utilization is not allowed for a composite metric; use AverageValue or Value'
          : 'must be AverageValue or Value',
      code: 'CONFIG_METRIC_TYPE',
    });
  if (problems.length > before || !expr) return undefined;
  return { formula, expr, target: target!, activationTarget: activationTarget!, metricType: metricType as ScalingModifiers['metricType'] };
}
