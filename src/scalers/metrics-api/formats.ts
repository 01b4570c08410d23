// Where metrics-api finds its number in an answer, per `format` (KEDA: GetValueFromResponse):
// json — a GJSON-style path (dots, `\.`, array indexes, `#` for a length); yaml and xml — KEDA's
// GetValueByPath (dot-separated keys, list elements by index, the value must be a scalar);
// prometheus — a metric selector `name{label="v",…}` over the text exposition format, the first
// untyped, counter or gauge sample whose labels match. Strings are Kubernetes quantities. Pure.
import { parse as parseYaml } from 'yaml';
import { FormatError } from './format-error.js';
import { fromPrometheusText } from './prometheus-text.js';
import { xmlDocument } from './xml.js';

export type Format = 'json' | 'yaml' | 'xml' | 'prometheus';

/** Splits a GJSON-style path on unescaped dots (`\.` is a literal dot). */
export function parsePath(path: string): string[] | undefined {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < path.length; i++) {
    if (path[i] === '\\' && i + 1 < path.length) cur += path[++i];
    else if (path[i] === '.') {
      parts.push(cur);
      cur = '';
    } else cur += path[i];
  }
  parts.push(cur);
  return parts.some((p) => p === '') ? undefined : parts;
}

export type Lookup = { found: true; value: unknown } | { found: false; at: string };

/** Follows a path: object keys, array indexes, and `#` for an array's length. */
export function lookupPath(doc: unknown, path: string[]): Lookup {
  let cur = doc;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (Array.isArray(cur)) {
      if (seg === '#') cur = cur.length;
      else if (/^\d+$/.test(seg) && Number(seg) < cur.length) cur = cur[Number(seg)];
      else return { found: false, at: path.slice(0, i + 1).join('.') };
    } else if (cur !== null && typeof cur === 'object' && Object.prototype.hasOwnProperty.call(cur, seg)) {
      cur = (cur as Record<string, unknown>)[seg];
    } else return { found: false, at: path.slice(0, i + 1).join('.') };
  }
  return { found: true, value: cur };
}

const SUFFIX: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** Parses a Kubernetes quantity ("1.5k", "250m", "2Gi", "1e3") to a number, or undefined. */
export function parseQuantity(text: string): number | undefined {
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(text.trim());
  if (!m) return undefined;
  const n = m[2] !== undefined ? Number(m[1] + m[2]) : Number(m[1]) * SUFFIX[m[3] ?? ''];
  return Number.isFinite(n) ? n : undefined;
}

const describe = (v: unknown): string =>
  typeof v === 'string'
    ? `the string ${JSON.stringify(v.slice(0, 40))}`
    : v === null
      ? 'null'
      : Array.isArray(v)
        ? 'an array'
        : typeof v === 'object'
          ? 'an object'
          : `a ${typeof v}`;

export function numberOf(v: unknown, valueLocation: string): number {
  const value = typeof v === 'number' ? v : typeof v === 'string' ? parseQuantity(v) : undefined;
  if (value === undefined) throw new FormatError('SCALER_NON_NUMERIC', `'${valueLocation}' is ${describe(v)}, not a number or quantity`);
  return value;
}

/** KEDA's GetValueByPath: dot-separated keys, list elements by their index; the end must be a scalar. */
function valueByPath(doc: unknown, valueLocation: string): unknown {
  let cur = doc;
  for (const key of valueLocation.split('.')) {
    const here = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>) : undefined;
    if (!here || !Object.prototype.hasOwnProperty.call(here, key))
      throw new FormatError('SCALER_VALUE_NOT_FOUND', `key '${key}' not found in path '${valueLocation}'`);
    cur = here[key];
    if (cur === null || typeof cur !== 'object') return cur;
  }
  throw new FormatError('SCALER_NON_NUMERIC', `path '${valueLocation}' does not lead to a value (it ends at ${describe(cur)})`);
}

function fromJson(body: string, valueLocation: string): number {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    throw new FormatError('SCALER_INVALID_RESPONSE', 'the answer is not JSON');
  }
  const found = lookupPath(doc, parsePath(valueLocation)!);
  if (!found.found) throw new FormatError('SCALER_VALUE_NOT_FOUND', `no value at '${found.at}' (valueLocation '${valueLocation}')`);
  return numberOf(found.value, valueLocation);
}

function fromYaml(body: string, valueLocation: string): number {
  let doc: unknown;
  try {
    doc = parseYaml(body, { logLevel: 'error', maxAliasCount: 100 });
  } catch (e) {
    throw new FormatError('SCALER_INVALID_RESPONSE', `the answer is not YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  return numberOf(valueByPath(doc, valueLocation), valueLocation);
}

/** The number `valueLocation` designates in `body`, read as `format`. Throws FormatError. */
export function valueFrom(body: string, valueLocation: string, format: Format): number {
  if (format === 'json') return fromJson(body, valueLocation);
  if (format === 'yaml') return fromYaml(body, valueLocation);
  if (format === 'xml') return numberOf(valueByPath(xmlDocument(body), valueLocation), valueLocation);
  return fromPrometheusText(body, valueLocation);
}
