// How a config writes SSH, shared by config/ (validation) and git/ (the transport); pure.
// Remote URLs by git's rules (git-clone(1) "GIT URLS"): ssh://[user@]host[:port]/path (also
// git+ssh:// and ssh+git://, `/~user/…` for a home directory) and scp-style [user@]host:path,
// which git recognises by a colon before any slash. Pinned host keys: "<type> <base64>" or an
// OpenSSH fingerprint "SHA256:<base64>".

export interface SshTarget {
  /** Login name; `git` when the URL names none (GitHub, GitLab, Gitea, Bitbucket all use it). */
  user: string;
  host: string;
  port: number;
  /** The repository path as the server's git-upload-pack receives it. */
  path: string;
}

export const DEFAULT_SSH_USER = 'git';

/** Whether `url` names an SSH remote (valid or not). */
export function isSshUrl(url: string): boolean {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme !== undefined) return /(^|\+)ssh(\+|$)/.test(scheme);
  return /^[^/]+:/.test(url) && !/^[a-z]:[\\/]/i.test(url);
}

/** The parts of an SSH URL, or a message saying what is wrong with it. */
export function parseSshUrl(raw: string): { ok: true; target: SshTarget } | { ok: false; message: string } {
  return parseSsh(raw, raw.replace(/^([a-z+]+:\/\/)[^@/]*:[^@/]*@/i, '$1***@'));
}

function parseSsh(url: string, shown: string): { ok: true; target: SshTarget } | { ok: false; message: string } {
  const full = /^(?:ssh|git\+ssh|ssh\+git):\/\/(?:([^@/]+)@)?(\[[^\]]+\]|[^/:]+)(?::([^/]*))?(\/.*)$/i.exec(url);
  if (full) {
    const [, user, rawHost, portText, rawPath] = full;
    const port = portText === undefined || portText === '' ? 22 : /^\d+$/.test(portText) ? Number(portText) : NaN;
    if (!(port >= 1 && port <= 65535))
      return { ok: false, message: `'${shown}' has an invalid port '${portText}': a port is a number from 1 to 65535` };
    const path = rawPath.startsWith('/~') ? rawPath.slice(1) : rawPath;
    return check(shown, { user: user ?? DEFAULT_SSH_USER, host: rawHost.replace(/^\[|\]$/g, ''), port, path });
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url))
    return { ok: false, message: `'${shown}' is not a valid SSH URL: use ssh://[user@]host[:port]/path or [user@]host:path` };
  const scp = /^(?:([^@/:]+)@)?([^/:]+):(.*)$/.exec(url);
  if (!scp) return { ok: false, message: `'${shown}' is not a valid SSH URL: use ssh://[user@]host[:port]/path or [user@]host:path` };
  return check(shown, { user: scp[1] ?? DEFAULT_SSH_USER, host: scp[2], port: 22, path: scp[3] });
}

function check(url: string, t: SshTarget): { ok: true; target: SshTarget } | { ok: false; message: string } {
  if (!/^(?:[A-Za-z0-9_](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$/.test(t.host))
    return { ok: false, message: `'${url}' names no valid host` };
  if (t.user.startsWith('-')) return { ok: false, message: `'${url}' names no valid user` };
  if (!t.path || t.path === '/') return { ok: false, message: `'${url}' names no repository path` };
  return { ok: true, target: t };
}

/** `s` quoted for a POSIX shell the way git quotes the path it sends (sq_quote): '…' with ' and ! escaped. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`).replace(/!/g, `'\\!'`)}'`;
}

/** The key type a public key blob announces (its first SSH string). */
export function blobType(blob: Buffer): string {
  if (blob.length < 4) return '?';
  const n = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + n).toString('latin1');
}

export const PIN_FORMAT = `must be "<type> <base64 key>" (e.g. the server's /etc/ssh/ssh_host_ed25519_key.pub) or a fingerprint "SHA256:…" (ssh-keygen -lf)`;

/** A pinned host key as written: a fingerprint, or a key (type and blob); null when malformed. */
export function parsePin(pin: string): { fingerprint: string } | { type: string; blob: Buffer } | null {
  const text = pin.trim();
  if (/^SHA256:[A-Za-z0-9+/]{43}=?$/.test(text)) return { fingerprint: text.replace(/=$/, '') };
  const [type, b64] = text.split(/\s+/);
  const blob = b64 && /^[A-Za-z0-9+/]+={0,2}$/.test(b64) ? Buffer.from(b64, 'base64') : undefined;
  return type && blob && blobType(blob) === type ? { type, blob } : null;
}
