// HTTP auth for Git remotes: the header is built from a token read at the edge and sent up front
// (isomorphic-git's onAuth only fires after a 401). The token never reaches config, logs or errors.

export function authHeaders(token: string | undefined, username = 'x-access-token'): Record<string, string> {
  if (!token) return {};
  return { Authorization: `Basic ${Buffer.from(`${username}:${token}`).toString('base64')}` };
}

/** Removes a secret (and its Basic-auth encodings) from a message. */
export function scrub(message: string, secret: string | undefined, username?: string): string {
  if (!secret) return message;
  let out = message.split(secret).join('***');
  for (const user of new Set(['x-access-token', 'oauth2', 'git', ...(username ? [username] : [])])) {
    const b64 = Buffer.from(`${user}:${secret}`).toString('base64');
    out = out.split(b64).join('***');
  }
  return out;
}
