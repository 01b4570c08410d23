// Signed commits: the commit's bytes (without the signature) signed with an SSH key in OpenSSH's
// SSHSIG format (what `git -c gpg.format=ssh commit -S` makes and `git verify-commit` checks
// against an allowed-signers file), or with an OpenPGP key as a detached binary signature (what
// gpg makes for git). The signature goes into the commit's `gpgsig` header, as git writes it.
import { createHash, sign as cryptoSign } from 'node:crypto';
import { GitError, errorMessage } from '../errors.js';
import { hashObject } from './objects.js';
import type { Created } from './tree.js';
import { readIdentity } from './ssh.js';

/** Signs a commit's payload; answers the armored signature. */
export type Signer = (payload: Buffer) => Promise<string>;

export interface SigningKey {
  format: 'ssh' | 'openpgp';
  /** The private key's text. */
  key: Buffer | string;
  passphrase?: string;
  /** Where the key and the passphrase came from, for messages. */
  source: string;
  passphraseSource?: string;
}

const sshString = (b: Buffer | string) => {
  const body = typeof b === 'string' ? Buffer.from(b) : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
};

/** An SSH mpint from an unsigned big-endian integer (a leading zero byte when the top bit is set). */
function mpint(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const v = b.subarray(i);
  return sshString(v[0] & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
}

const wrap = (s: string, width: number) => s.match(new RegExp(`.{1,${width}}`, 'g'))!.join('\n');

/** The SSH signature blob (algorithm name, signature) of `data` by a private key in PEM. */
function sshSignature(type: string, pem: string, data: Buffer): Buffer {
  if (type === 'ssh-ed25519') return Buffer.concat([sshString(type), sshString(cryptoSign(null, data, pem))]);
  if (type === 'ssh-rsa') return Buffer.concat([sshString('rsa-sha2-512'), sshString(cryptoSign('sha512', data, pem))]);
  const curve = /^ecdsa-sha2-nistp(256|384|521)$/.exec(type)?.[1];
  if (curve) {
    const hash = curve === '256' ? 'sha256' : curve === '384' ? 'sha384' : 'sha512';
    const raw = cryptoSign(hash, data, { key: pem, dsaEncoding: 'ieee-p1363' });
    const half = raw.length / 2;
    return Buffer.concat([sshString(type), sshString(Buffer.concat([mpint(raw.subarray(0, half)), mpint(raw.subarray(half))]))]);
  }
  throw new Error(`SSH keys of type ${type} cannot sign commits (use ed25519, ECDSA or RSA)`);
}

/** An SSHSIG signer (namespace "git", SHA-512), as `ssh-keygen -Y sign -n git` makes. */
async function sshSigner(k: SigningKey): Promise<Signer> {
  const key = await readIdentity({
    key: k.key,
    passphrase: k.passphrase,
    source: k.source,
    passphraseSource: k.passphraseSource,
    passphraseSetting: 'signing.passphraseFromEnv',
  });
  const pem = key.getPrivatePEM();
  const publicKey = key.getPublicSSH();
  return async (payload) => {
    const hash = createHash('sha512').update(payload).digest();
    const signed = Buffer.concat([Buffer.from('SSHSIG'), sshString('git'), sshString(''), sshString('sha512'), sshString(hash)]);
    const version = Buffer.alloc(4);
    version.writeUInt32BE(1);
    const blob = Buffer.concat([
      Buffer.from('SSHSIG'),
      version,
      sshString(publicKey),
      sshString('git'),
      sshString(''),
      sshString('sha512'),
      sshString(sshSignature(key.type, pem, signed)),
    ]);
    return `-----BEGIN SSH SIGNATURE-----\n${wrap(blob.toString('base64'), 70)}\n-----END SSH SIGNATURE-----`;
  };
}

/** A detached binary OpenPGP signer (openpgp.js, loaded only when a repository signs this way). */
async function openpgpSigner(k: SigningKey): Promise<Signer> {
  const openpgp = await import('openpgp');
  let privateKey: Awaited<ReturnType<typeof openpgp.readPrivateKey>>;
  try {
    privateKey = await openpgp.readPrivateKey({ armoredKey: k.key.toString() });
  } catch (e) {
    throw new Error(`${k.source} is not an armored OpenPGP private key (gpg --export-secret-keys --armor): ${errorMessage(e)}`);
  }
  if (!privateKey.isDecrypted()) {
    if (!k.passphrase)
      throw new Error(`the OpenPGP key in ${k.source} is encrypted and no passphrase was given (set signing.passphraseFromEnv)`);
    try {
      privateKey = await openpgp.decryptKey({ privateKey, passphrase: k.passphrase });
    } catch {
      throw new Error(
        `the OpenPGP key in ${k.source} cannot be decrypted: the passphrase${k.passphraseSource ? ` in ${k.passphraseSource}` : ''} is wrong`,
      );
    }
  }
  return async (payload) => {
    const message = await openpgp.createMessage({ binary: payload });
    const signature = await openpgp.sign({ message, signingKeys: privateKey, detached: true, format: 'armored' });
    return String(signature).trim();
  };
}

/** The signer for a key; an error saying what is wrong with it. */
export function makeSigner(k: SigningKey): Promise<Signer> {
  return k.format === 'ssh' ? sshSigner(k) : openpgpSigner(k);
}

/** The commit `body` with `signature` in its gpgsig header (continuation lines start with a space), as git writes it. */
export function withSignature(body: Buffer, signature: string): Buffer {
  const text = body.toString('utf8');
  const end = text.indexOf('\n\n');
  const header = `gpgsig ${signature.replace(/\r/g, '').split('\n').join('\n ')}`;
  return Buffer.from(`${text.slice(0, end)}\n${header}${text.slice(end)}`, 'utf8');
}

/** `built` with its commit signed: the commit object replaced by the signed one (a new id). */
export async function signBuilt(
  built: { commit: string; created: Created[] },
  signer: Signer,
): Promise<{ commit: string; created: Created[] }> {
  const at = built.created.findIndex((c) => c.oid === built.commit);
  const body = withSignature(built.created[at].object.body, await signer(built.created[at].object.body));
  const commit = hashObject('commit', body);
  return { commit, created: built.created.map((c, i) => (i === at ? { oid: commit, object: { type: 'commit', body } } : c)) };
}

/** `built` signed when the repository signs; a commit that cannot be signed is a GIT_SIGNING error (never made or pushed unsigned). */
export async function signIfAsked(
  repository: string,
  signer: (() => Promise<Signer>) | undefined,
  built: { commit: string; created: Created[] },
): Promise<{ commit: string; created: Created[] }> {
  if (!signer) return built;
  try {
    return await signBuilt(built, await signer());
  } catch (e) {
    throw new GitError(
      'GIT_SIGNING',
      `repository '${repository}': cannot sign the commit, so it is neither made nor pushed: ${errorMessage(e)}`,
      { repository },
    );
  }
}
