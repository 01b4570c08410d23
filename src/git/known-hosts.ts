// Which host keys an SSH server may present: the entries of an OpenSSH known_hosts file for the
// host (plain or hashed names, `[host]:port` for other ports, patterns with * ? and !, @revoked),
// or a key pinned in the config ("<type> <base64>" or an "SHA256:…" fingerprint). Pure.
import { createHash, createHmac } from 'node:crypto';
import { blobType, parsePin, PIN_FORMAT } from '../ssh-spec.js';

export interface HostKey {
  /** The key's type as written (ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa …). */
  type: string;
  /** The public key blob (SSH wire format). */
  blob: Buffer;
}

/** A host's acceptable keys, or a fingerprint any key must match; revoked keys are refused even when listed. */
export interface HostKeyPolicy {
  keys: HostKey[];
  fingerprints: string[];
  revoked: Buffer[];
  /** Where the policy came from, for errors (a file path, or the config field). */
  source: string;
}

/** OpenSSH's SHA256 fingerprint of a key blob: SHA256:<base64 without padding>. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The name known_hosts stores for host:port: the host itself on port 22, else `[host]:port`. */
export const hostName = (host: string, port: number) => (port === 22 ? host : `[${host}]:${port}`);

function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return re.test(name);
}

/** Whether a comma-separated host list names `name` (a negated pattern that matches excludes it). */
function listMatches(list: string, name: string): boolean {
  let hit = false;
  for (const p of list.split(',')) {
    if (p.startsWith('!')) {
      if (patternMatches(p.slice(1), name)) return false;
    } else if (patternMatches(p, name)) hit = true;
  }
  return hit;
}

/** The keys a known_hosts text lists for host:port. */
export function knownHostsPolicy(text: string, host: string, port: number, source: string): HostKeyPolicy {
  const name = hostName(host, port);
  const policy: HostKeyPolicy = { keys: [], fingerprints: [], revoked: [], source };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    const marker = fields[0].startsWith('@') ? fields.shift() : undefined;
    const [hosts, type, b64] = fields;
    if (!hosts || !type || !b64 || !listMatches(hosts, name)) continue;
    const blob = Buffer.from(b64, 'base64');
    if (marker === '@revoked') policy.revoked.push(blob);
    // @cert-authority lines vouch for host certificates, which gitscale does not check: not a key of this host.
    else if (marker === undefined) policy.keys.push({ type, blob });
  }
  return policy;
}

/**
 * A pinned host key: "<type> <base64>" (as in known_hosts or a .pub file, comment allowed) or an
 * OpenSSH fingerprint "SHA256:<base64>". Throws a plain Error saying what is wrong.
 */
export function pinnedPolicy(pin: string, source: string): HostKeyPolicy {
  const p = parsePin(pin);
  if (!p) throw new Error(PIN_FORMAT);
  return 'fingerprint' in p
    ? { keys: [], fingerprints: [p.fingerprint], revoked: [], source }
    : { keys: [p], fingerprints: [], revoked: [], source };
}

/** Whether the policy accepts `blob`; otherwise why not. */
export function checkHostKey(policy: HostKeyPolicy, blob: Buffer): { ok: true } | { ok: false; reason: string } {
  const fp = fingerprint(blob);
  if (policy.revoked.some((r) => r.equals(blob)))
    return { ok: false, reason: `the server's host key ${blobType(blob)} ${fp} is marked @revoked in ${policy.source}` };
  if (policy.keys.some((k) => k.blob.equals(blob)) || policy.fingerprints.includes(fp)) return { ok: true };
  if (policy.keys.length === 0 && policy.fingerprints.length === 0)
    return {
      ok: false,
      reason: `the host is not in ${policy.source} (its key is ${blobType(blob)} ${fp}); add it there after checking the fingerprint`,
    };
  return {
    ok: false,
    reason: `the server's host key ${blobType(blob)} ${fp} does not match ${policy.source}: it changed, or this is not the server you think (a man-in-the-middle); nothing was sent`,
  };
}

/** The host key algorithms to offer, most preferred first: those the policy can verify (all when it pins a fingerprint). */
export function hostKeyAlgorithms(policy: HostKeyPolicy): string[] | undefined {
  if (policy.fingerprints.length > 0 || policy.keys.length === 0) return undefined;
  const out: string[] = [];
  for (const { type } of policy.keys) {
    const algs = type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type];
    for (const a of algs) if (!out.includes(a)) out.push(a);
  }
  return out;
}
