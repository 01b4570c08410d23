// GitHub's official OpenAPI description (@octokit/openapi) as the judge of the emulator: every
// request body it receives and every response it sends is validated against the operation's schema.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import AjvModule, { type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

type Json = Record<string, any>;

const require = createRequire(import.meta.url);
const spec: Json = JSON.parse(readFileSync(require.resolve('@octokit/openapi/generated/api.github.com.json'), 'utf8'));

/** OpenAPI 3.0 `nullable` as JSON Schema: a type list with null, or anyOf with null when there is no type. */
function denull(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(denull);
  if (typeof x !== 'object' || x === null) return x;
  const o: Json = {};
  for (const [k, v] of Object.entries(x)) o[k] = denull(v);
  if (o.nullable === true) {
    delete o.nullable;
    if (typeof o.type === 'string') return { ...o, type: [o.type, 'null'], ...(o.enum ? { enum: [...o.enum, null] } : {}) };
    return { anyOf: [o, { type: 'null' }] };
  }
  if (o.nullable === false) delete o.nullable;
  return o;
}
spec.components = denull(spec.components);
for (const item of Object.values(spec.paths as Json))
  for (const op of Object.values(item as Json)) {
    if ((op as Json).requestBody) (op as Json).requestBody = denull((op as Json).requestBody);
    if ((op as Json).responses) (op as Json).responses = denull((op as Json).responses);
  }
// CommonJS packages under NodeNext: the class and the function are the default export's default.
const Ajv = (AjvModule as unknown as { default: typeof AjvModule }).default ?? AjvModule;
const addFormats = (addFormatsModule as unknown as { default: typeof addFormatsModule }).default ?? addFormatsModule;
const ajv = new (Ajv as unknown as new (o: object) => InstanceType<typeof AjvModule.default>)({ strict: false, allErrors: true });
(addFormats as unknown as (a: unknown) => void)(ajv);
ajv.addSchema({
  $id: 'gh',
  ...JSON.parse(JSON.stringify({ components: spec.components }).replaceAll('"#/components/', '"gh#/components/')),
});
const compiled = new Map<string, ValidateFunction>();

function compile(schema: Json): ValidateFunction {
  const key = JSON.stringify(schema);
  if (!compiled.has(key)) compiled.set(key, ajv.compile(JSON.parse(key.replaceAll('"#/components/', '"gh#/components/'))));
  return compiled.get(key)!;
}

export interface Operation {
  id: string;
  method: string;
  /** The path template, e.g. /repos/{owner}/{repo}/pulls/{pull_number}. */
  path: string;
  regex: RegExp;
  params: string[];
  op: Json;
}

export const operations: Operation[] = Object.entries(spec.paths as Json).flatMap(([path, item]) =>
  Object.entries(item as Json)
    .filter(([, op]) => (op as Json).operationId)
    .map(([method, op]) => {
      const params = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      return {
        id: (op as Json).operationId,
        method: method.toUpperCase(),
        path,
        params,
        op: op as Json,
        regex: new RegExp(`^${path.replace(/\{[^}]+\}/g, '([^/]+)')}$`),
      };
    }),
);

export function find(method: string, path: string): { operation: Operation; params: Record<string, string> } | null {
  for (const operation of operations) {
    if (operation.method !== method) continue;
    const m = operation.regex.exec(path);
    if (m) return { operation, params: Object.fromEntries(operation.params.map((p, i) => [p, decodeURIComponent(m[i + 1])])) };
  }
  return null;
}

function errorsOf(v: ValidateFunction): string {
  return (v.errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath || '/'} ${e.message}`)
    .join('; ');
}

/** Null when the body fits the operation's request schema, else what is wrong. */
export function checkRequest(op: Operation, body: unknown): string | null {
  const schema = op.op.requestBody?.content?.['application/json']?.schema;
  if (!schema) return body === undefined ? null : `${op.id} takes no JSON body`;
  if (body === undefined) return op.op.requestBody.required === true ? `${op.id} requires a JSON body` : null;
  const v = compile(schema);
  return v(body) ? null : `${op.id} request: ${errorsOf(v)}`;
}

/** Null when the body fits the operation's response schema for `status`, else what is wrong. */
export function checkResponse(op: Operation, status: number, body: unknown): string | null {
  const res = op.op.responses?.[String(status)];
  if (!res) return `${op.id} has no ${status} response`;
  const resolved = res.$ref ? spec.components.responses[res.$ref.split('/').pop()] : res;
  const schema = resolved?.content?.['application/json']?.schema;
  if (!schema) return body === undefined || body === '' ? null : `${op.id} ${status} has no JSON body`;
  const v = compile(schema);
  return v(body) ? null : `${op.id} ${status} response: ${errorsOf(v)}`;
}

/** An official example object (components/examples), deep-copied, to build answers on. */
export function example(name: string): Json {
  const v = spec.components.examples[name]?.value;
  if (v === undefined) throw new Error(`no example '${name}' in the OpenAPI description`);
  return structuredClone(Array.isArray(v) ? v[0] : v);
}
