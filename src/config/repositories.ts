import { isAbsolute, resolve, dirname } from 'node:path';
import { isObj, str, type Problem } from './fields.js';
import { FORGE_TYPES, forgeApiDefaults, isForgeType } from './forges.js';
import { readRepositoryReview } from './review.js';
import { isSshUrl, parsePin, parseSshUrl, PIN_FORMAT } from '../ssh-spec.js';
import { MANIFEST_BYTES_CEILING } from '../yaml-limits.js';
import type { ForgeConfig, RepositoryAuth, RepositoryConfig, SigningConfig } from './types.js';

const DEFAULT_AUTHOR = { name: 'gitscale', email: 'gitscale@localhost' };

/** A path as the config file names it: relative paths are read from the config file's directory. */
const fromConfigDir = (file: string, path: string) => (isAbsolute(path) ? path : resolve(dirname(file), path));

/** A parsed http(s) URL, or the reason it is not one (`new URL` throws on a port above 65535). */
/** `url` as it may be quoted in a message: credentials in it (any userinfo of an http(s) URL, a user:password) become ***. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*):\/\/([^/@]*)@/i, (whole, scheme: string, user: string) =>
    /(^|\+)https?$/i.test(scheme) || user.includes(':') ? `${scheme}://***@` : whole,
  );
}

export function parseHttpUrl(url: string): { ok: true; url: URL } | { ok: false; message: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    const port = /^[a-z][a-z0-9+.-]*:\/\/(?:[^/@]*@)?(?:\[[^\]]*\]|[^/:?#]*):([^/?#]*)/i.exec(url)?.[1];
    if (port !== undefined && !(/^\d+$/.test(port) && Number(port) <= 65535))
      return { ok: false, message: `'${redactUrl(url)}' has an invalid port '${port}': a port is a number from 1 to 65535` };
    return { ok: false, message: `'${redactUrl(url)}' is not a valid URL` };
  }
  if (!/^https?:$/.test(u.protocol)) return { ok: false, message: `'${redactUrl(url)}' must be an https:// or http:// URL` };
  if (u.port === '0') return { ok: false, message: `'${redactUrl(url)}' has an invalid port '0': a port is a number from 1 to 65535` };
  return { ok: true, url: u };
}

/** Why `url` names a transport gitscale does not speak, or undefined for http(s), SSH and local paths. */
function unsupportedTransport(url: string): string | undefined {
  if (isSshUrl(url)) return undefined;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  const works =
    'use an https:// URL with a token (auth.tokenFromEnv), an SSH URL with a deploy key (auth.sshKeyFile), or a local directory holding a clone';
  if (scheme === 'file')
    return `file:// URLs are not supported: write the directory itself (a working tree: ${url.replace(/^file:\/\//i, '') || '/srv/manifests'}), or serve the repository over http(s) or SSH`;
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https')
    return `unsupported remote '${redactUrl(url)}' (${scheme}://): ${works}`;
  return undefined;
}

const SSH_ONLY = ['sshKeyFile', 'sshKeyFromEnv', 'sshKeyPassphraseFromEnv', 'knownHostsFile', 'sshHostKey'] as const;

/** An SSH remote's auth: one private key (file or environment variable) and one way to verify the host key. */
function readSshAuth(a: Record<string, unknown>, f: string, file: string, problems: Problem[]): Partial<RepositoryAuth> {
  const field = (k: (typeof SSH_ONLY)[number]) => str(a, k, `${f}.auth.${k}`, problems);
  const path = (k: 'sshKeyFile' | 'knownHostsFile') => {
    const v = field(k);
    return v && fromConfigDir(file, v);
  };
  const out: Partial<RepositoryAuth> = {
    sshKeyFile: path('sshKeyFile'),
    sshKeyFromEnv: field('sshKeyFromEnv'),
    sshKeyPassphraseFromEnv: field('sshKeyPassphraseFromEnv'),
    knownHostsFile: path('knownHostsFile'),
    sshHostKey: field('sshHostKey'),
  };
  for (const k of ['sshKey', 'privateKey', 'passphrase', 'sshKeyPassphrase']) {
    if (k in a)
      problems.push({
        field: `${f}.auth.${k}`,
        message:
          'secrets do not belong in the config: name a file (sshKeyFile, e.g. a mounted Secret) or an environment variable (sshKeyFromEnv, sshKeyPassphraseFromEnv)',
        code: 'CONFIG_SECRET_INLINE',
      });
  }
  if (!out.sshKeyFile === !out.sshKeyFromEnv)
    problems.push({
      field: `${f}.auth`,
      message: out.sshKeyFile
        ? 'use either sshKeyFile or sshKeyFromEnv, not both'
        : 'an SSH remote needs its private key (a deploy key): auth.sshKeyFile (a file, e.g. a mounted Secret) or auth.sshKeyFromEnv',
      code: 'CONFIG_AUTH',
    });
  if (!out.knownHostsFile === !out.sshHostKey)
    problems.push({
      field: `${f}.auth`,
      message: out.knownHostsFile
        ? 'use either knownHostsFile or sshHostKey, not both'
        : "host keys are always verified: set auth.knownHostsFile (an OpenSSH known_hosts file, e.g. from ssh-keyscan checked by hand) or auth.sshHostKey (the server's public host key, or its SHA256: fingerprint)",
      code: 'CONFIG_AUTH',
    });
  if (out.sshHostKey && !parsePin(out.sshHostKey))
    problems.push({ field: `${f}.auth.sshHostKey`, message: PIN_FORMAT, code: 'CONFIG_AUTH' });
  return out;
}

/** `signing: { format: ssh | openpgp, keyFile | keyFromEnv, passphraseFromEnv? }`. */
const BYTE_UNITS: Record<string, number> = { '': 1, Ki: 1024, Mi: 1024 * 1024 };

/** `maxManifestBytes`: a byte count, as a number or a Kubernetes-style `512Ki` / `4Mi`, from 1Ki to the ceiling. */
function readByteSize(raw: unknown, field: string, problems: Problem[]): number | undefined {
  if (raw === undefined) return undefined;
  const m = typeof raw === 'number' ? [String(raw), String(raw), ''] : typeof raw === 'string' ? /^(\d+)(Ki|Mi)?$/.exec(raw.trim()) : null;
  const bytes = m && Number.isSafeInteger(Number(m[1])) ? Number(m[1]) * BYTE_UNITS[m[2] ?? ''] : NaN;
  if (Number.isInteger(bytes) && bytes >= 1024 && bytes <= MANIFEST_BYTES_CEILING) return bytes;
  problems.push({
    field,
    message: `must be a size from 1Ki to ${MANIFEST_BYTES_CEILING / 1024 / 1024}Mi (a byte count, or a number with Ki or Mi), got ${JSON.stringify(raw)}`,
    code: 'CONFIG_RANGE',
  });
  return undefined;
}

function readSigning(raw: unknown, f: string, file: string, problems: Problem[]): SigningConfig | undefined {
  const field = `${f}.signing`;
  if (!isObj(raw)) {
    problems.push({
      field,
      message: 'must be a map { format: ssh | openpgp, keyFile | keyFromEnv, passphraseFromEnv? }',
      code: 'CONFIG_TYPE',
    });
    return undefined;
  }
  const before = problems.length;
  if (raw.format !== 'ssh' && raw.format !== 'openpgp')
    problems.push({
      field: `${field}.format`,
      message: `must be one of: ssh, openpgp (got ${JSON.stringify(raw.format)})`,
      code: 'CONFIG_SIGNING',
    });
  for (const k of ['key', 'privateKey', 'passphrase']) {
    if (k in raw)
      problems.push({
        field: `${field}.${k}`,
        message:
          'secrets do not belong in the config: name a file (keyFile, e.g. a mounted Secret) or an environment variable (keyFromEnv, passphraseFromEnv)',
        code: 'CONFIG_SECRET_INLINE',
      });
  }
  const keyFileRaw = str(raw, 'keyFile', `${field}.keyFile`, problems);
  const keyFile = keyFileRaw && fromConfigDir(file, keyFileRaw);
  const keyFromEnv = str(raw, 'keyFromEnv', `${field}.keyFromEnv`, problems);
  const passphraseFromEnv = str(raw, 'passphraseFromEnv', `${field}.passphraseFromEnv`, problems);
  if (!keyFile === !keyFromEnv)
    problems.push({
      field,
      message: keyFile
        ? 'use either keyFile or keyFromEnv, not both'
        : 'names no key: set keyFile (a file, e.g. a mounted Secret) or keyFromEnv',
      code: 'CONFIG_SIGNING',
    });
  if (problems.length > before) return undefined;
  return {
    format: raw.format as SigningConfig['format'],
    ...(keyFile ? { keyFile } : {}),
    ...(keyFromEnv ? { keyFromEnv } : {}),
    ...(passphraseFromEnv ? { passphraseFromEnv } : {}),
  };
}

export function validateRepositories(raw: unknown, file: string, problems: Problem[], warnings: Problem[] = []): RepositoryConfig[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    problems.push({
      field: 'repositories',
      message: 'must be a non-empty list of { name, url, branch?, auth?, author? }',
      code: 'CONFIG_REQUIRED',
    });
    return [];
  }
  const out: RepositoryConfig[] = [];
  raw.forEach((r, i) => {
    const f = `repositories[${i}]`;
    if (!isObj(r)) return problems.push({ field: f, message: 'must be a map', code: 'CONFIG_TYPE' });
    const before = problems.length;
    const name = str(r, 'name', `${f}.name`, problems, { required: true });
    const url = str(r, 'url', `${f}.url`, problems, { required: true });
    const branch = str(r, 'branch', `${f}.branch`, problems, { def: 'main' })!;
    if (name && out.some((o) => o.name === name))
      problems.push({ field: `${f}.name`, message: `repository name '${name}' is used twice`, code: 'CONFIG_DUPLICATE' });
    let kind: RepositoryConfig['kind'] = 'local';
    let location = url ?? '';
    /** The https URL the forge's owner, repository and API address are read from. */
    let forgeBase = url;
    /** A valid SSH URL: its auth is checked (a broken URL is reported first, alone). */
    let ssh = false;
    if (url) {
      const transport = unsupportedTransport(url);
      if (transport) problems.push({ field: `${f}.url`, message: transport, code: 'CONFIG_TRANSPORT' });
      else if (isSshUrl(url)) {
        kind = 'remote';
        const parsed = parseSshUrl(url);
        if (!parsed.ok) problems.push({ field: `${f}.url`, message: parsed.message, code: 'CONFIG_URL' });
        else if (parsed.target.user.includes(':'))
          problems.push({
            field: `${f}.url`,
            message: 'must not contain a password: SSH remotes authenticate with a key (auth.sshKeyFile)',
            code: 'CONFIG_SECRET_IN_URL',
          });
        else {
          ssh = true;
          forgeBase = `https://${parsed.target.host}/${parsed.target.path.replace(/^\/+/, '')}`;
        }
      } else if (/^https?:\/\//i.test(url)) {
        kind = 'remote';
        const parsed = parseHttpUrl(url);
        if (!parsed.ok) problems.push({ field: `${f}.url`, message: parsed.message, code: 'CONFIG_URL' });
        else if (parsed.url.username || parsed.url.password)
          problems.push({
            field: `${f}.url`,
            message: 'must not contain credentials; name an environment variable in auth.tokenFromEnv',
            code: 'CONFIG_SECRET_IN_URL',
          });
      } else location = fromConfigDir(file, url);
    }
    let auth: RepositoryConfig['auth'];
    if (r.auth === undefined && ssh) auth = readSshAuth({}, f, file, problems);
    if (r.auth !== undefined) {
      const a = isObj(r.auth) ? r.auth : {};
      if ('token' in a || 'password' in a)
        problems.push({
          field: `${f}.auth`,
          message: 'secrets do not belong in the config: use tokenFromEnv (the name of an environment variable)',
          code: 'CONFIG_SECRET_INLINE',
        });
      auth = {
        tokenFromEnv: str(a, 'tokenFromEnv', `${f}.auth.tokenFromEnv`, problems),
        username: str(a, 'username', `${f}.auth.username`, problems),
      };
      // An SSH remote: the key serves Git; a token (or App) serves only the forge's API.
      if (ssh) Object.assign(auth, readSshAuth(a, f, file, problems));
      else if (!url || !isSshUrl(url))
        for (const k of SSH_ONLY)
          if (k in a)
            problems.push({
              field: `${f}.auth.${k}`,
              message: 'is for SSH remotes (ssh:// or user@host:path); this url is not one',
              code: 'CONFIG_AUTH',
            });
      if (a.githubApp !== undefined) {
        const g = isObj(a.githubApp) ? a.githubApp : {};
        const id = (k: string) =>
          Number.isInteger(g[k]) && (g[k] as number) > 0
            ? (g[k] as number)
            : (problems.push({ field: `${f}.auth.githubApp.${k}`, message: 'must be a whole number > 0', code: 'CONFIG_REQUIRED' }), 0);
        const appId = id('appId');
        const installationId = id('installationId');
        const privateKeyFromEnv = str(g, 'privateKeyFromEnv', `${f}.auth.githubApp.privateKeyFromEnv`, problems, { required: true });
        if ('privateKey' in g)
          problems.push({
            field: `${f}.auth.githubApp`,
            message: 'the private key does not belong in the config: name an environment variable in privateKeyFromEnv',
            code: 'CONFIG_SECRET_INLINE',
          });
        if (auth.tokenFromEnv)
          problems.push({ field: `${f}.auth`, message: 'use either tokenFromEnv or githubApp, not both', code: 'CONFIG_AUTH' });
        if (privateKeyFromEnv) auth.githubApp = { appId, installationId, privateKeyFromEnv };
      }
    }
    let author = DEFAULT_AUTHOR;
    if (r.author !== undefined) {
      const a = isObj(r.author) ? r.author : {};
      author = {
        name: str(a, 'name', `${f}.author.name`, problems, { def: DEFAULT_AUTHOR.name })!,
        email: str(a, 'email', `${f}.author.email`, problems, { def: DEFAULT_AUTHOR.email })!,
      };
    }
    const signing = r.signing === undefined ? undefined : readSigning(r.signing, f, file, problems);
    const review = readRepositoryReview(r.review, `${f}.review`, problems);
    const urlOk = problems.length === before;
    const forge =
      r.forge === undefined || !urlOk ? undefined : readForge(r.forge, kind === 'remote' ? forgeBase! : undefined, `${f}.forge`, problems);
    if (r.forge === undefined && Object.keys(review).length > 0) {
      warnings.push({
        field: `${f}.review`,
        message: `review thresholds without forge: — a decision that crosses one becomes a pull request, which cannot be opened, so it is never written; add forge: (${FORGE_TYPES.join(' or ')}) or remove review:`,
        code: 'CONFIG_REVIEW_WITHOUT_FORGE',
      });
    }
    const discover =
      r.discover === undefined
        ? false
        : r.discover === true
          ? true
          : r.discover === false
            ? false
            : (problems.push({ field: `${f}.discover`, message: 'must be true or false', code: 'CONFIG_TYPE' }), false);
    const maxManifestBytes = readByteSize(r.maxManifestBytes, `${f}.maxManifestBytes`, problems);
    if (problems.length === before && name && url)
      out.push({
        name,
        url: location,
        kind,
        branch,
        auth,
        ...(signing ? { signing } : {}),
        author,
        review,
        forge,
        discover,
        ...(maxManifestBytes === undefined ? {} : { maxManifestBytes }),
      });
  });
  return out;
}

function readForge(raw: unknown, repoUrl: string | undefined, field: string, problems: Problem[]): ForgeConfig | undefined {
  if (!isObj(raw)) {
    problems.push({ field, message: 'must be a map { type: gitea, url?, labels? }', code: 'CONFIG_TYPE' });
    return undefined;
  }
  if (!isForgeType(raw.type)) {
    problems.push({
      field: `${field}.type`,
      message: `must be one of: ${FORGE_TYPES.join(', ')} (got ${JSON.stringify(raw.type)})`,
      code: 'CONFIG_FORGE',
    });
    return undefined;
  }
  const type = raw.type;
  if (!repoUrl) {
    problems.push({ field, message: 'pull requests need a remote repository (an http(s) or SSH url)', code: 'CONFIG_FORGE' });
    return undefined;
  }
  const base = parseHttpUrl(repoUrl);
  if (!base.ok) {
    problems.push({ field, message: `cannot tell the forge's address from ${redactUrl(repoUrl)}: set ${field}.url`, code: 'CONFIG_FORGE' });
    return undefined;
  }
  const u = base.url;
  const parts = u.pathname
    .replace(/\.git$/, '')
    .split('/')
    .filter(Boolean);
  if (typeof raw.owner === 'string' && typeof raw.repo === 'string') parts.splice(0, parts.length, raw.owner, raw.repo);
  if (parts.length < 2) {
    problems.push({ field, message: `cannot tell owner and repository from ${repoUrl}`, code: 'CONFIG_FORGE' });
    return undefined;
  }
  const before = problems.length;
  const names = (key: string): string[] => {
    const v = raw[key];
    if (v === undefined) return [];
    if (Array.isArray(v) && v.every((l) => typeof l === 'string')) return v;
    problems.push({ field: `${field}.${key}`, message: 'must be a list of strings', code: 'CONFIG_TYPE' });
    return [];
  };
  const limit = (key: string): number | undefined => {
    const v = raw[key];
    if (v === undefined) return undefined;
    if (Number.isInteger(v) && (v as number) > 0) return v as number;
    problems.push({ field: `${field}.${key}`, message: `must be a whole number > 0, got ${JSON.stringify(v)}`, code: 'CONFIG_RANGE' });
    return undefined;
  };
  if (raw.autoMerge !== undefined && typeof raw.autoMerge !== 'boolean')
    problems.push({ field: `${field}.autoMerge`, message: 'must be true or false', code: 'CONFIG_TYPE' });
  const url = str(raw, 'url', `${field}.url`, problems, { def: forgeApiDefaults[type](u) })!;
  const api = parseHttpUrl(url);
  if (!api.ok) problems.push({ field: `${field}.url`, message: api.message, code: 'CONFIG_URL' });
  const forge: ForgeConfig = {
    type,
    url,
    owner: parts[parts.length - 2],
    repo: parts[parts.length - 1],
    labels: names('labels'),
    reviewers: names('reviewers'),
    assignees: names('assignees'),
    autoMerge: raw.autoMerge === true,
    prHourlyLimit: limit('prHourlyLimit'),
    prConcurrentLimit: limit('prConcurrentLimit'),
  };
  return problems.length === before ? forge : undefined;
}
