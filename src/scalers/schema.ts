// Typed metadata schemas for scalers (docs/architecture.md §5), after KEDA's `typed_config.go`: each field lists its
// sources in priority order, a default or `optional`, and a type with an optional range. `parseSchema`
// collects every problem as data; unknown metadata keys become warnings.
// The errors scalers share are in errors.ts.
import type { FieldProblem, ParseResult, ScalerInput, Source } from './types.js';

type Decoded<T> = { ok: true; value: T } | { ok: false; message: string };

export interface Field<T> {
  readonly kind: 'int' | 'float' | 'bool' | 'string' | 'enum';
  /** Sources in priority order. `resolvedEnv` means `<key>FromEnv` names a variable in `input.env`. */
  readonly from: readonly Source[];
  /** Other spellings accepted for the key (e.g. `awsAccessKeyId`). */
  readonly aliases: readonly string[];
  readonly required: boolean;
  readonly default: T | undefined;
  /** Secret values are never echoed in messages. */
  readonly secret: boolean;
  readonly decode: (raw: string) => Decoded<T>;
  /** For docs: type, range, enum values. */
  readonly describe: string;
  /**
   * A number the engine uses as the trigger's target (must be > 0: the metric is divided by it) or
   * activation threshold (a warning below 0). `target()` reads only fields with a role (registry test).
   */
  readonly role?: Role;
}

export type Role = 'target' | 'activation';

// `Field<any>` so that a `Field<number | undefined>` is assignable (decode is contravariant-ish).
export type Schema = Record<string, Field<any>>;
export type Infer<S extends Schema> = { [K in keyof S]: S[K] extends Field<infer T> ? T : never };

interface Common {
  /** Default `['triggerMetadata']`. */
  from?: readonly Source[];
  aliases?: readonly string[];
  default?: unknown;
  optional?: boolean;
}
/** `default` or `optional: true` decide whether the inferred type admits `undefined`. */
type Made<T, O> = O extends { default: unknown } ? Field<T> : O extends { optional: true } ? Field<T | undefined> : Field<T>;

function make<T>(
  kind: Field<T>['kind'],
  o: Common & { secret?: boolean; role?: Role },
  decode: (raw: string) => Decoded<T>,
  describe: string,
): Field<T> {
  return {
    role: o.role,
    kind,
    from: o.from ?? ['triggerMetadata'],
    aliases: o.aliases ?? [],
    required: o.default === undefined && o.optional !== true,
    default: o.default as T | undefined,
    secret: o.secret === true,
    decode,
    describe,
  };
}

const range = (n: number, min?: number, max?: number, role?: Role): string | undefined =>
  min !== undefined && n < min
    ? `must be >= ${min}`
    : max !== undefined && n > max
      ? `must be <= ${max}`
      : role === 'target' && n <= 0
        ? 'must be > 0 (the target divides the metric, as KEDA and the HPA require)'
        : undefined;
const rangeText = (min?: number, max?: number, role?: Role): string =>
  role === 'target' && (min === undefined || min <= 0)
    ? ` > 0${max === undefined ? '' : `, <= ${max}`}`
    : min === undefined && max === undefined
      ? ''
      : ` in [${min ?? '-inf'}, ${max ?? 'inf'}]`;

const INT = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

type NumberOptions = Common & { default?: number; min?: number; max?: number; role?: Role };

export function int<const O extends NumberOptions>(o: O): Made<number, O> {
  return make<number>(
    'int',
    o,
    (raw) => {
      if (!INT.test(raw)) return { ok: false, message: `${quote(raw)} is not an integer` };
      const n = Number(raw);
      if (!Number.isSafeInteger(n)) return { ok: false, message: `${quote(raw)} is out of range` };
      const bad = range(n, o.min, o.max, o.role);
      return bad ? { ok: false, message: `${n} ${bad}` } : { ok: true, value: n };
    },
    `integer${rangeText(o.min, o.max, o.role)}`,
  ) as Made<number, O>;
}

export function float<const O extends NumberOptions>(o: O): Made<number, O> {
  return make<number>(
    'float',
    o,
    (raw) => {
      if (!FLOAT.test(raw)) return { ok: false, message: `${quote(raw)} is not a number` };
      const n = Number(raw);
      if (!Number.isFinite(n)) return { ok: false, message: `${quote(raw)} is out of range` };
      const bad = range(n, o.min, o.max, o.role);
      return bad ? { ok: false, message: `${n} ${bad}` } : { ok: true, value: n };
    },
    `number${rangeText(o.min, o.max, o.role)}`,
  ) as Made<number, O>;
}

// Go's strconv.ParseBool, which KEDA uses.
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

export function bool<const O extends Common & { default?: boolean }>(o: O): Made<boolean, O> {
  return make<boolean>(
    'bool',
    o,
    (raw) =>
      TRUE.has(raw)
        ? { ok: true, value: true }
        : FALSE.has(raw)
          ? { ok: true, value: false }
          : { ok: false, message: `${quote(raw)} is not a boolean (true/false)` },
    'boolean',
  ) as Made<boolean, O>;
}

export function string<const O extends Common & { default?: string; secret?: boolean }>(o: O): Made<string, O> {
  return make<string>('string', o, (raw) => ({ ok: true, value: raw }), o.secret ? 'string (secret)' : 'string') as Made<string, O>;
}

export function oneOf<const V extends string, const O extends Common & { default?: V }>(values: readonly V[], o: O): Made<V, O> {
  return make<V>(
    'enum',
    o,
    (raw) =>
      (values as readonly string[]).includes(raw)
        ? { ok: true, value: raw as V }
        : { ok: false, message: `${quote(raw)} must be one of: ${values.join(', ')}` },
    `one of ${values.join(', ')}`,
  ) as Made<V, O>;
}

function quote(raw: string): string {
  return JSON.stringify(raw.length > 60 ? `${raw.slice(0, 60)}…` : raw);
}

const SOURCE_TEXT: Record<Source, string> = {
  triggerMetadata: 'trigger metadata',
  authParams: 'authentication parameters',
  resolvedEnv: 'an environment variable (<key>FromEnv)',
};

type Found = { value: string; where: string } | { value: undefined; notes: string[] };

/** Looks a key up in its sources, in order. Empty or whitespace-only values count as missing (KEDA). */
function lookup(key: string, field: Field<unknown>, input: ScalerInput): Found {
  const notes: string[] = [];
  const present = (v: string | undefined): v is string => v !== undefined && v.trim() !== '';
  for (const source of field.from) {
    for (const name of [key, ...field.aliases]) {
      if (source === 'triggerMetadata' && present(input.metadata[name]))
        return { value: input.metadata[name], where: `metadata '${name}'` };
      if (source === 'authParams' && present(input.authParams[name]))
        return { value: input.authParams[name], where: `authentication parameter '${name}'` };
      if (source === 'resolvedEnv') {
        const envName = input.metadata[`${name}FromEnv`]?.trim();
        if (!envName) continue;
        const v = input.env[envName];
        if (present(v)) return { value: v, where: `environment variable '${envName}' (from ${name}FromEnv)` };
        notes.push(`${name}FromEnv names environment variable '${envName}', which is not set or empty`);
      }
    }
  }
  return { value: undefined, notes };
}

/**
 * Parses `input` against `schema`, then runs `validate` on a complete result.
 * Every problem is returned, each naming its metadata key.
 */
export function parseSchema<S extends Schema>(
  schema: S,
  input: ScalerInput,
  validate?: (meta: Infer<S>) => FieldProblem[],
): ParseResult<Infer<S>> {
  const errors: FieldProblem[] = unsetEnv(input);
  const warnings: string[] = [];
  const meta: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(schema)) {
    const found = lookup(key, field, input);
    if (found.value === undefined) {
      // An unset `<key>FromEnv` variable is already reported, on that key.
      if (field.required && found.notes.length === 0) {
        const where = field.from.map((s) => SOURCE_TEXT[s]).join(', ');
        const notes = found.notes.length ? ` (${found.notes.join('; ')})` : '';
        errors.push({ field: key, message: `'${key}' is required; looked in ${where}${notes}` });
      }
      meta[key] = field.default;
      continue;
    }
    const raw = field.kind === 'string' ? found.value : found.value.trim();
    const decoded = field.decode(raw);
    if (decoded.ok) meta[key] = decoded.value;
    if (decoded.ok && field.role === 'activation' && (decoded.value as number) < 0) {
      warnings.push(
        `'${key}' is ${String(decoded.value)}: below 0 the trigger is active whenever its value is 0 or more (allowed, as in KEDA, for metrics that can go negative)`,
      );
    }
    if (!decoded.ok)
      errors.push({ field: key, message: `'${key}' from ${found.where}: ${field.secret ? 'invalid value' : decoded.message}` });
  }
  if (errors.length === 0 && validate) errors.push(...validate(meta as Infer<S>));
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    meta: meta as Infer<S>,
    warnings: [...warnings, ...unknownKeys(schema, input.metadata), ...unknownAuthParams(schema, input.authParams)],
  };
}

/**
 * Every `<key>FromEnv` in the metadata must name a set, non-empty variable, whether or not the
 * scaler reads that key (a typo'd or unread key is warned about separately): an unset one is a
 * credential or address silently missing.
 */
function unsetEnv(input: ScalerInput): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const [key, raw] of Object.entries(input.metadata).sort(([a], [b]) => a.localeCompare(b))) {
    const name = raw.trim();
    if (!key.endsWith('FromEnv') || key === 'FromEnv' || name === '') continue;
    if ((input.env[name] ?? '').trim() === '') {
      out.push({
        field: key,
        message: `'${key}' names environment variable '${name}', which is not set (or empty) in gitscale's environment`,
        code: 'TRIGGER_ENV_MISSING',
      });
    }
  }
  return out;
}

/** Warnings for metadata keys the schema does not read from trigger metadata. */
function unknownKeys(schema: Schema, metadata: Record<string, string>): string[] {
  const warnings: string[] = [];
  for (const key of Object.keys(metadata).sort()) {
    const direct = Object.entries(schema).find(([k, f]) => k === key || f.aliases.includes(key));
    if (direct) {
      const [k, f] = direct;
      if (!f.from.includes('triggerMetadata')) {
        warnings.push(`metadata '${key}' is ignored: '${k}' is read only from ${f.from.map((s) => SOURCE_TEXT[s]).join(', ')}`);
      }
      continue;
    }
    if (key.endsWith('FromEnv')) {
      const base = key.slice(0, -'FromEnv'.length);
      const entry = Object.entries(schema).find(([k, f]) => k === base || f.aliases.includes(base));
      if (entry?.[1].from.includes('resolvedEnv')) continue;
      if (entry) {
        warnings.push(`metadata '${key}' is ignored: '${entry[0]}' cannot be read from an environment variable`);
        continue;
      }
    }
    warnings.push(`unknown metadata key '${key}' is ignored`);
  }
  return warnings;
}

/** Warnings for authentication parameters (TriggerAuthentication `parameter:` names) not read from authParams; field: the parameter. */
function unknownAuthParams(schema: Schema, authParams: Record<string, string>): FieldProblem[] {
  const readable = Object.entries(schema)
    .filter(([, f]) => f.from.includes('authParams'))
    .map(([k]) => k);
  return Object.keys(authParams)
    .sort()
    .flatMap((key): FieldProblem[] => {
      const entry = Object.entries(schema).find(([k, f]) => k === key || f.aliases.includes(key));
      if (entry?.[1].from.includes('authParams')) return [];
      const message = entry
        ? `authentication parameter '${key}' is ignored: '${entry[0]}' is read only from ${entry[1].from.map((s) => SOURCE_TEXT[s]).join(', ')}`
        : `unknown authentication parameter '${key}' is ignored (read: ${readable.join(', ') || 'none'})`;
      return [{ field: key, code: 'TRIGGER_AUTH_PARAM_UNKNOWN', message }];
    });
}

/** KEDA's TLS material from a TriggerAuthentication (PEM text) and unsafeSsl, as the brokers' triggers take them. */
export const tlsMaterial = {
  ca: string({ from: ['authParams'], optional: true }),
  cert: string({ from: ['authParams'], optional: true }),
  key: string({ from: ['authParams'], optional: true, secret: true }),
  keyPassword: string({ from: ['authParams'], optional: true, secret: true }),
  unsafeSsl: bool({ default: false }),
};

/** Shorthand for a problem in `validate`. */
export function problem(field: string, message: string): FieldProblem {
  return { field, message };
}
