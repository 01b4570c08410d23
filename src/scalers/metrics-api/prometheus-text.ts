// metrics-api's `format: prometheus`: `valueLocation` is a metric selector (`name`,
// `name{label="v",…}`, `{__name__="name",…}`; equality matchers only), matched against the
// samples of the text exposition format; the first untyped, counter or gauge sample carrying every
// matcher's label wins (KEDA: getValueFromPrometheusResponse). Pure; throws FormatError.
import { FormatError } from './format-error.js';

export interface Selector {
  name: string;
  labels: [string, string][];
}

const LABEL = /^[A-Za-z_][A-Za-z0-9_]*/;
const METRIC = /^[A-Za-z_:][A-Za-z0-9_:]*/;

/** Reads a quoted string at `text[i]` ("…", '…' or `…`, with backslash escapes but in backticks); returns it and the index after it. */
function quoted(text: string, i: number): [string, number] | undefined {
  const q = text[i];
  if (q !== '"' && q !== "'" && q !== '`') return undefined;
  let out = '';
  for (let j = i + 1; j < text.length; j++) {
    const c = text[j];
    if (c === q) return [out, j + 1];
    if (c === '\\' && q !== '`') {
      const n = text[++j];
      out += n === 'n' ? '\n' : n === 't' ? '\t' : n;
    } else out += c;
  }
  return undefined;
}

/** Parses `name{a="b", c="d"}` pairs between braces starting at `i` (at '{'); returns the pairs and the index after '}'. */
function labelSet(text: string, i: number, ops: boolean): { pairs: [string, string][]; next: number } | string {
  const pairs: [string, string][] = [];
  let j = i + 1;
  const ws = () => {
    while (/\s/.test(text[j] ?? '')) j++;
  };
  for (;;) {
    ws();
    if (text[j] === '}') return { pairs, next: j + 1 };
    const name = LABEL.exec(text.slice(j))?.[0];
    if (!name) return `a label name expected at '${text.slice(j, j + 20)}'`;
    j += name.length;
    ws();
    const op = /^(=~|!=|!~|=)/.exec(text.slice(j))?.[0];
    if (op !== '=') return op && ops ? `only equality matchers (label="value") are supported, not ${op}` : `'=' expected after ${name}`;
    j += 1;
    ws();
    const q = quoted(text, j);
    if (!q) return `a quoted value expected for ${name}`;
    pairs.push([name, q[0]]);
    j = q[1];
    ws();
    if (text[j] === ',') j++;
    else if (text[j] !== '}') return `',' or '}' expected after ${name}="${q[0]}"`;
  }
}

export function parseSelector(valueLocation: string): Selector | string {
  const t = valueLocation.trim();
  const name = METRIC.exec(t)?.[0] ?? '';
  if (t.length === name.length) return name ? { name, labels: [] } : 'a metric name or {…} expected';
  if (t[name.length] !== '{') return `'{' expected after ${name}`;
  const set = labelSet(t, name.length, true);
  if (typeof set === 'string') return set;
  if (t.slice(set.next).trim() !== '') return `unexpected '${t.slice(set.next).trim()}' after the selector`;
  const named = set.pairs.find(([k]) => k === '__name__')?.[1];
  if (!name && !named) return 'the selector names no metric';
  return { name: name || named!, labels: set.pairs.filter(([k]) => k !== '__name__') };
}

/** Go's ParseFloat for exposition values: decimals, exponents, NaN, ±Inf. */
function sampleValue(text: string): number | undefined {
  if (/^[+-]?inf$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(text)) return NaN;
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : undefined;
}

const READABLE = new Set(['untyped', 'counter', 'gauge']);

export function fromPrometheusText(body: string, valueLocation: string): number {
  const selector = parseSelector(valueLocation);
  if (typeof selector === 'string')
    throw new FormatError('SCALER_METADATA', `valueLocation '${valueLocation}' is not a metric selector: ${selector}`);
  const types = new Map<string, string>();
  let seen = false;
  const lines = body.replace(/\r\n/g, '\n').split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].trim();
    if (line === '') continue;
    const type = /^#\s*TYPE\s+(\S+)\s+(\S+)/.exec(line);
    if (type) types.set(type[1], type[2]);
    if (line.startsWith('#')) continue;
    const name = METRIC.exec(line)?.[0];
    if (!name) throw new FormatError('SCALER_INVALID_RESPONSE', `prometheus format parsing error at line ${n + 1}: a metric name expected`);
    let pairs: [string, string][] = [];
    let rest = line.slice(name.length);
    if (rest.startsWith('{')) {
      const set = labelSet(line, name.length, false);
      if (typeof set === 'string')
        throw new FormatError('SCALER_INVALID_RESPONSE', `prometheus format parsing error at line ${n + 1}: ${set}`);
      pairs = set.pairs;
      rest = line.slice(set.next);
    }
    const value = sampleValue(rest.trim().split(/\s+/)[0] ?? '');
    if (value === undefined)
      throw new FormatError('SCALER_INVALID_RESPONSE', `prometheus format parsing error at line ${n + 1}: '${rest.trim()}' is not a value`);
    // A histogram's or summary's samples (name_bucket, name_sum …) belong to its family, which KEDA does not read.
    const family = types.has(name)
      ? name
      : ([...types.keys()].find((f) => /^(histogram|summary|gaugehistogram)$/.test(types.get(f)!) && name.startsWith(`${f}_`)) ?? name);
    if (name !== selector.name || family !== name) continue;
    seen = true;
    if (!READABLE.has(types.get(name) ?? 'untyped')) continue;
    if (selector.labels.every(([k, v]) => pairs.some(([pk, pv]) => pk === k && pv === v))) return value;
  }
  if (!seen) throw new FormatError('SCALER_VALUE_NOT_FOUND', `metric '${selector.name}' not found`);
  throw new FormatError('SCALER_VALUE_NOT_FOUND', `value ${valueLocation} not found`);
}
