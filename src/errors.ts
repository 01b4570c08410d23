// Typed errors with stable codes. Code branches on `instanceof`/`code`, never on message text;
// only cli/ maps them to exit codes. Each family takes its codes from the one catalogue
// (errors/codes.ts), so a misspelled code fails to compile.
import type { ClusterCode, ConfigCode, ErrorCode, GitCode, ManifestCode, ScalerCode } from './errors/codes.js';

export type {
  CheckCode,
  ClusterCode,
  ConfigCode,
  ErrorCode,
  ForgeCode,
  GitCode,
  ManifestCode,
  ObjectCode,
  ScalerCode,
} from './errors/codes.js';

export class GitscaleError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly data: Record<string, unknown>;
  constructor(code: C, message: string, data: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.data = data;
  }
  toJSON(): { name: string; code: string; message: string; data: Record<string, unknown> } {
    return { name: this.name, code: this.code, message: this.message, data: this.data };
  }
}

/** Bad config: names the object (namespace/name or repository), the file and the field. */
export class ConfigError extends GitscaleError<ConfigCode> {
  constructor(code: ConfigCode, message: string, data: { object?: string; file?: string; field?: string } = {}) {
    super(code, message, data);
  }
}

/** A trigger could not produce a value. Never turns into a scale to zero. */
export class ScalerError extends GitscaleError<ScalerCode> {
  constructor(code: ScalerCode, message: string, data: { trigger?: string; field?: string } = {}) {
    super(code, message, data);
  }
}

/** A manifest could not be read or edited. `file` is repo-relative, `field` the YAML path. */
export class ManifestError extends GitscaleError<ManifestCode> {
  constructor(code: ManifestCode, message: string, data: { file: string; field?: string; line?: number; object?: string }) {
    super(code, message, data);
  }
}

/** Git transport or repository problem (unreachable remote, missing branch, dirty worktree …). */
export class GitError extends GitscaleError<GitCode> {
  constructor(code: GitCode, message: string, data: { repository?: string; file?: string } = {}) {
    super(code, message, data);
  }
}

/** A push lost a race. `reason` uses isomorphic-git's spelling ('not-fast-forward'). */
export class PushRejectedError extends GitscaleError<'PUSH_REJECTED'> {
  constructor(message: string, data: { repository?: string; reason: string }) {
    super('PUSH_REJECTED', message, data);
  }
}

/** A Kubernetes API call failed. A permission error names the verb and the resource (`patch deployments/scale`). */
export class ClusterError extends GitscaleError<ClusterCode> {
  constructor(
    code: ClusterCode,
    message: string,
    data: { verb?: string; resource?: string; namespace?: string; name?: string; status?: number } = {},
  ) {
    super(code, message, data);
  }
}

export class InternalError extends GitscaleError<'INTERNAL'> {
  constructor(message: string, data: Record<string, unknown> = {}) {
    super('INTERNAL', message, data);
  }
}

/**
 * Message of any thrown value, for logs and plan output, with what its `cause` chain adds: Node's
 * fetch throws a bare "fetch failed" whose cause says `connect ECONNREFUSED 127.0.0.1:8080`.
 * An AggregateError without a message (both addresses of `localhost` refused) speaks through
 * its errors.
 */
export function errorMessage(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 5; depth++) {
    const own = ownMessage(cur);
    if (own && !parts.some((p) => p.includes(own))) parts.push(own);
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  return parts.join(': ') || String(e);
}

function ownMessage(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  if (e.message) return e.message;
  const inner = e instanceof AggregateError ? [...new Set(e.errors.map(ownMessage).filter(Boolean))] : [];
  if (inner.length) return inner.join('; ');
  const { code, address, port } = e as { code?: unknown; address?: unknown; port?: unknown };
  return [code, address === undefined ? undefined : port === undefined ? address : `${address}:${port}`]
    .filter((x) => typeof x === 'string' || typeof x === 'number')
    .join(' ');
}
