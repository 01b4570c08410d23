// Small readers that collect problems instead of throwing (docs/architecture.md §9).
import type { ConfigCode } from '../errors.js';

export type Problem = { field: string; message: string; code?: ConfigCode };

export function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(
  obj: Record<string, unknown>,
  key: string,
  field: string,
  problems: Problem[],
  opts: { required?: boolean; def?: string } = {},
): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null || v === '') {
    if (opts.required) problems.push({ field, message: 'is required', code: 'CONFIG_REQUIRED' });
    return opts.def;
  }
  if (typeof v !== 'string') {
    problems.push({ field, message: `must be a string, got ${JSON.stringify(v)}`, code: 'CONFIG_TYPE' });
    return opts.def;
  }
  return v;
}

export function int(
  obj: Record<string, unknown>,
  key: string,
  field: string,
  problems: Problem[],
  def: number | undefined,
  minimum: number,
): number | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return def;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    problems.push({ field, message: `must be an integer, got ${JSON.stringify(v)}`, code: 'CONFIG_TYPE' });
    return def;
  }
  if (v < minimum) {
    problems.push({ field, message: `must be ≥ ${minimum}, got ${v}`, code: 'CONFIG_RANGE' });
    return def;
  }
  return v;
}
