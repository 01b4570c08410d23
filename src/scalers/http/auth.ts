// KEDA's HTTP authentication for the HTTP scalers (pkg/scalers/authentication/authentication_types.go):
// `authModes` (also `authMode`; comma-separated, at most one of bearer / basic / oauth) from the
// trigger's metadata or its TriggerAuthentication, each mode's parameters from the
// TriggerAuthentication, and what a request then carries: headers, a query parameter, a client
// certificate. The schema fields are spread into a scaler's own schema; pure.
import type { FieldProblem } from '../types.js';
import { oneOf, problem, string, type Infer } from '../schema.js';

const MODES = ['apiKey', 'basic', 'tls', 'bearer', 'custom', 'oauth'] as const;
export type AuthMode = (typeof MODES)[number];
const EITHER = ['triggerMetadata', 'authParams'] as const;
const AUTH = ['authParams'] as const;

export const authSchema = {
  authModes: string({ from: EITHER, aliases: ['authMode'], optional: true }),
  bearerToken: string({ from: AUTH, aliases: ['token'], optional: true, secret: true }),
  username: string({ from: AUTH, optional: true }),
  password: string({ from: AUTH, optional: true, secret: true }),
  cert: string({ from: AUTH, optional: true }),
  key: string({ from: AUTH, optional: true, secret: true }),
  ca: string({ from: AUTH, optional: true }),
  customAuthHeader: string({ from: AUTH, optional: true }),
  customAuthValue: string({ from: AUTH, optional: true, secret: true }),
  apiKey: string({ from: AUTH, optional: true, secret: true }),
  method: oneOf(['header', 'query'], { from: EITHER, default: 'header' }),
  keyParamName: string({ from: EITHER, optional: true }),
};

export type AuthMetadata = Infer<typeof authSchema>;

/** The modes `authModes` names, trimmed, in order. */
export function modesOf(meta: Pick<AuthMetadata, 'authModes'>): string[] {
  return (meta.authModes ?? '')
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
}

/** KEDA's Validate(): known modes, at most one of bearer / basic / oauth, each mode's parameters present. */
export function validateAuth(
  meta: AuthMetadata,
  supported: readonly AuthMode[] = ['apiKey', 'basic', 'tls', 'bearer', 'custom'],
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const modes = modesOf(meta);
  for (const m of modes) {
    if (!(MODES as readonly string[]).includes(m))
      problems.push(problem('authModes', `unknown auth mode '${m}': must be one of ${MODES.join(', ')}`));
    else if (!supported.includes(m as AuthMode))
      problems.push(problem('authModes', `auth mode '${m}' is not supported by gitscale; use ${supported.join(', ')}`));
  }
  const exclusive = modes.filter((m) => ['bearer', 'basic', 'oauth'].includes(m));
  if (exclusive.length > 1)
    problems.push(problem('authModes', `${exclusive.join(' and ')} cannot be combined: each sets the Authorization header`));
  const need = (mode: AuthMode, keys: (keyof AuthMetadata)[]) => {
    if (!modes.includes(mode)) return;
    const missing = keys.filter((k) => !meta[k]);
    if (missing.length)
      problems.push(
        problem(missing[0], `auth mode '${mode}' needs ${missing.map((k) => `'${k}'`).join(' and ')} in the TriggerAuthentication`),
      );
  };
  need('bearer', ['bearerToken']);
  need('basic', ['username']);
  need('tls', ['cert', 'key']);
  need('custom', ['customAuthHeader', 'customAuthValue']);
  need('apiKey', ['apiKey']);
  return problems;
}

/** What a request carries for the modes set: headers, query parameters, and the TLS material (client certificate, CA). */
export interface RequestAuth {
  headers: Record<string, string>;
  query: [string, string][];
  tls?: { cert?: string; key?: string; ca?: string };
  /** Values that must never appear in a message. */
  secrets: string[];
}

export function requestAuth(meta: AuthMetadata): RequestAuth {
  const modes = modesOf(meta);
  const out: RequestAuth = {
    headers: {},
    query: [],
    secrets: [meta.bearerToken, meta.password, meta.key, meta.customAuthValue, meta.apiKey].filter((s): s is string => !!s),
  };
  if (modes.includes('bearer')) out.headers.authorization = `Bearer ${meta.bearerToken}`;
  if (modes.includes('basic'))
    out.headers.authorization = `Basic ${Buffer.from(`${meta.username}:${meta.password ?? ''}`).toString('base64')}`;
  if (modes.includes('custom')) out.headers[meta.customAuthHeader!.toLowerCase()] = meta.customAuthValue!;
  if (modes.includes('apiKey')) {
    if (meta.method === 'query') out.query.push([meta.keyParamName ?? 'api_key', meta.apiKey!]);
    else out.headers[(meta.keyParamName ?? 'X-API-KEY').toLowerCase()] = meta.apiKey!;
  }
  // A CA alone (no tls mode) still verifies the server against it, as KEDA's transport does.
  if (modes.includes('tls') || meta.ca)
    out.tls = { ...(modes.includes('tls') ? { cert: meta.cert, key: meta.key } : {}), ...(meta.ca ? { ca: meta.ca } : {}) };
  return out;
}

/** `k=v,k2=v2` (KEDA's map fields: queryParameters, customHeaders); a malformed pair is a problem on `field`. */
export function parsePairs(text: string | undefined, field: string): { pairs: [string, string][] } | { problem: FieldProblem } {
  const pairs: [string, string][] = [];
  for (const part of (text ?? '').split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) return { problem: problem(field, `'${part.trim()}' is not key=value (write k1=v1,k2=v2)`) };
    pairs.push([part.slice(0, eq).trim(), part.slice(eq + 1).trim()]);
  }
  return { pairs };
}
