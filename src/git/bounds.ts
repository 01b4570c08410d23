// How long gitscale waits for a git server, on every request over HTTP and every exec over SSH:
// the connection, the longest silence once connected, the whole exchange. A push asks the server
// for keepalives (side-band-64k: receive-pack sends one every receive.keepAlive, 5 s by default,
// while a hook runs), so a slow hook is a talking server and waits up to the whole bound; a
// server that says nothing at all for `idleMs` is taken as stuck. Reads (advertisements, fetches,
// history) have their own whole bound besides (upload-pack.ts `Limits`, 60 s).

/** Bounds on one request to a git server, in ms. */
export interface GitBounds {
  /** The connection (TCP and the TLS or SSH handshake) within this time. */
  connectMs: number;
  /** The longest time without a byte from the server once connected (a keepalive counts). */
  idleMs: number;
  /** The whole request and its answer within this time. */
  totalMs: number;
}

export const DEFAULT_GIT_BOUNDS: GitBounds = { connectMs: 20_000, idleMs: 30_000, totalMs: 120_000 };

/** A request ended by one of its bounds. A push ended so may still land; the next sync reads the branch as it is. */
export class GitTimeoutError extends Error {
  constructor(
    readonly bound: keyof GitBounds,
    readonly ms: number,
    message: string,
  ) {
    super(message);
  }
}

export const spell = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);

const WHAT: Record<keyof GitBounds, string> = {
  connectMs: 'no connection to {where} within {ms}',
  idleMs: '{where} sent nothing for {ms}',
  totalMs: 'no whole answer from {where} within {ms}',
};

/** The error for `bound` passed on a request to `where` (a host:port, never a URL with credentials). */
export function timedOut(bound: keyof GitBounds, ms: number, where: string): GitTimeoutError {
  return new GitTimeoutError(bound, ms, WHAT[bound].replace('{where}', where).replace('{ms}', spell(ms)));
}
