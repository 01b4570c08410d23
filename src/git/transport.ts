// How a remote workspace talks to its server: upload-pack (advertise, fetch) and receive-pack
// (refs, push), over smart HTTP here or over SSH (ssh.ts). The protocol bytes are the same
// (pkt-line.ts, upload-pack.ts, push.ts); only the carrier differs.
import { GitTimeoutError } from './bounds.js';
import type { HttpClient } from 'isomorphic-git';
import type { Advertisement } from './pkt-line.js';
import { pushCommit, receivePackAdvertisement, type PushOutcome } from './push.js';
import { advertise, DEFAULT_LIMITS, HttpStatusError, uploadPack, type Limits, type PackAnswer, type PackRequest } from './upload-pack.js';

export interface RefUpdate {
  ref: string;
  oldOid: string;
  newOid: string;
  pack?: Buffer;
}

export interface GitTransport {
  readonly kind: 'http' | 'ssh';
  /** upload-pack's refs and capabilities. */
  advertise(limits?: Limits): Promise<Advertisement>;
  /** One fetch (`req.caps` from the advertisement). */
  fetch(req: PackRequest, limits?: Limits): Promise<PackAnswer>;
  /** receive-pack's refs. */
  pushRefs(): Promise<Map<string, string>>;
  /** One compare-and-swap update of a ref: the server refuses it when the ref is no longer at oldOid. */
  push(u: RefUpdate): Promise<PushOutcome>;
  /** Lets go of any connection held between operations. */
  close(): void;
}

/**
 * A refusal of the credentials or of the server's identity, with the error code the workspace
 * reports: GIT_AUTH (token or key refused), GIT_HOST_KEY (host key unknown or changed),
 * GIT_SSH_KEY (the private key cannot be read or decrypted).
 */
export class TransportError extends Error {
  constructor(
    readonly code: 'GIT_AUTH' | 'GIT_HOST_KEY' | 'GIT_SSH_KEY',
    message: string,
  ) {
    super(message);
  }
}

const authFailed = (e: unknown) =>
  e instanceof HttpStatusError && (e.status === 401 || e.status === 403)
    ? new TransportError('GIT_AUTH', `authentication failed (check the token named in auth.tokenFromEnv): ${e.message}`)
    : e;

/**
 * Smart HTTP through `http` (gitHttp: bounded requests); `headers` is asked before each request (a
 * provider's token may have been renewed). receive-pack's capabilities are read once, at the
 * first push or listing, to know whether the server can send keepalives (side-band-64k).
 */
export function httpTransport(url: string, headers: () => Promise<Record<string, string>>, http: HttpClient): GitTransport {
  let sideband: boolean | undefined;
  const receivePack = async () => {
    const ad = await receivePackAdvertisement(http, url, await headers());
    sideband = ad.caps.has('side-band-64k');
    return ad;
  };
  return {
    kind: 'http',
    advertise: async (limits = DEFAULT_LIMITS) => advertise(http, url, await headers(), limits).catch((e) => Promise.reject(authFailed(e))),
    fetch: async (req, limits = DEFAULT_LIMITS) =>
      uploadPack(http, url, await headers(), req, limits).catch((e) => Promise.reject(authFailed(e))),
    pushRefs: async () => (await receivePack()).refs,
    push: async (u) => {
      // A bound passed before anything is sent is no unanswered push (it cannot have landed).
      if (sideband === undefined)
        await receivePack().catch((e: unknown) =>
          Promise.reject(e instanceof GitTimeoutError ? new Error(`reading what the server accepts, before pushing: ${e.message}`) : e),
        );
      return pushCommit({ http, url, headers: await headers(), ...u, sideband });
    },
    close: () => {},
  };
}
