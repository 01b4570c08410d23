// Repository URLs compared the way a person means them: `https://Git.Example.com/org/apps.git/`,
// `ssh://git@git.example.com/org/apps` and `git@git.example.com:org/apps.git` are one repository.
// Scheme, user and the default port are dropped; the host is lower-cased; `.git` and trailing
// slashes go. (Argo CD's NormalizeGitURL does the same minus the scheme: gitscale may push over
// HTTPS while Argo CD or Flux pulls over SSH, and the nudge must still reach them.)

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443', 'ssh:': '22', 'git:': '9418' };

export function repoKey(url: string): string | null {
  const raw = url.trim();
  let host: string;
  let path: string;
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/\/)(.+)$/.exec(raw);
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) && scp) {
    host = scp[1].toLowerCase();
    path = scp[2];
  } else {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      return null;
    }
    const protocol = u.protocol.toLowerCase().replace(/^git\+ssh:$/, 'ssh:');
    const port = u.port && u.port !== DEFAULT_PORTS[protocol] ? `:${u.port}` : '';
    host = `${u.hostname.toLowerCase()}${port}`;
    path = decodeURIComponent(u.pathname);
  }
  path = path
    .replace(/^\/+/, '')
    .replace(/\/+$/, '')
    .replace(/\.git$/i, '')
    .replace(/\/+$/, '');
  return path ? `${host}/${path}` : null;
}

export function sameRepository(a: string, b: string): boolean {
  const ka = repoKey(a);
  return ka !== null && ka === repoKey(b);
}

/** `apps/web/deploy.yaml` is inside `./apps/`, `apps`, `.` and `` (the root); not inside `app`. */
export function fileInside(file: string, dir: string | undefined): boolean {
  const d = (dir ?? '')
    .trim()
    .replace(/^\.\/?/, '')
    .replace(/^\/+/, '')
    .replace(/\/+$/, '');
  return d === '' || file === d || file.startsWith(`${d}/`);
}
