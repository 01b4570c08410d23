// OpenSSH's sshd (Debian's openssh-server) on a loopback port, serving git over SSH as git hosts
// do: a client key in authorized_keys runs git-upload-pack / git-receive-pack on bare repositories
// (any absolute path; SSH_ROOT is a directory for them). Host keys, client keys (ed25519, ECDSA,
// RSA in PEM, an ed25519 key with a passphrase, and a stranger's key that is not authorized) and
// known_hosts files (plain and hashed) are generated for the run. `startSshd` also serves tests
// that need a server of their own (to stop it mid-push).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort, requireBinary, spawnUntil, stopAndRemove, type Running } from './spawn.js';
import type { Started } from './types.js';

const SSHD = '/usr/sbin/sshd';
const KEYGEN = '/usr/bin/ssh-keygen';

function keygen(file: string, type: 'ed25519' | 'ecdsa' | 'rsa', opts: { passphrase?: string; pem?: boolean } = {}): void {
  execFileSync(KEYGEN, [
    '-q',
    '-t',
    type,
    ...(type === 'rsa' ? ['-b', '2048'] : []),
    ...(opts.pem ? ['-m', 'PEM'] : []),
    '-N',
    opts.passphrase ?? '',
    '-C',
    `gitscale-test-${type}`,
    '-f',
    file,
  ]);
}

/** "<type> <base64>" of a key pair's public half (its comment dropped), as known_hosts lists it. */
const publicKeyOf = (keyFile: string) => readFileSync(`${keyFile}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');

export interface Sshd {
  port: number;
  user: string;
  /** known_hosts text naming this server's host keys. */
  knownHosts: string;
  running: Running;
}

/** An sshd with `hostKeys` (files made by keygen), accepting the public keys in `authorizedKeys`. */
export async function startSshd(dir: string, hostKeys: string[], authorizedKeys: string): Promise<Sshd> {
  requireBinary(SSHD, 'openssh-server is needed for the SSH transport tests');
  // sshd run as root needs its privilege-separation directory (the package's service would make it).
  if (process.getuid?.() === 0) {
    mkdirSync('/run/sshd', { recursive: true });
    chmodSync('/run/sshd', 0o755);
  }
  const user = userInfo().username;
  const authorized = join(dir, `authorized_keys-${randomBytes(4).toString('hex')}`);
  writeFileSync(authorized, authorizedKeys, { mode: 0o600 });
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const config = join(dir, `sshd_config-${port}`);
    writeFileSync(
      config,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        ...hostKeys.map((k) => `HostKey ${k}`),
        'PidFile none',
        `AuthorizedKeysFile ${authorized}`,
        'StrictModes no',
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'PermitRootLogin prohibit-password',
        `AllowUsers ${user}`,
        'PermitUserEnvironment no',
        'AllowTcpForwarding no',
        'X11Forwarding no',
        'PrintMotd no',
        'LogLevel VERBOSE',
        '',
      ].join('\n'),
    );
    try {
      const running = await spawnUntil(SSHD, ['-D', '-e', '-f', config], /Server listening on 127\.0\.0\.1 port/);
      const knownHosts = hostKeys.map((k) => `[127.0.0.1]:${port} ${publicKeyOf(k)}\n`).join('');
      return { port, user, knownHosts, running };
    } catch (e) {
      if (attempt >= 3) throw e; // the port may have been taken in between
    }
  }
}

export async function startSshdServer(): Promise<Started> {
  requireBinary(KEYGEN, 'openssh-client is needed for the SSH transport tests');
  const dir = mkdtempSync(join(tmpdir(), 'gitscale-sshd-'));
  let running: Running | undefined;
  try {
    const key = (name: string) => join(dir, name);
    keygen(key('host_ed25519'), 'ed25519');
    keygen(key('host_ecdsa'), 'ecdsa');
    keygen(key('other_host'), 'ed25519');
    keygen(key('id_ed25519'), 'ed25519');
    keygen(key('id_ecdsa'), 'ecdsa');
    keygen(key('id_rsa_pem'), 'rsa', { pem: true });
    const passphrase = `pp-${randomBytes(8).toString('hex')}`;
    keygen(key('id_encrypted'), 'ed25519', { passphrase });
    keygen(key('id_stranger'), 'ed25519');
    const authorized = ['id_ed25519', 'id_ecdsa', 'id_rsa_pem', 'id_encrypted'].map((k) => readFileSync(`${key(k)}.pub`, 'utf8')).join('');
    const sshd = await startSshd(dir, [key('host_ed25519'), key('host_ecdsa')], authorized);
    running = sshd.running;
    writeFileSync(key('known_hosts'), sshd.knownHosts);
    writeFileSync(key('known_hosts_hashed'), sshd.knownHosts);
    execFileSync(KEYGEN, ['-H', '-f', key('known_hosts_hashed')], { stdio: 'ignore' });
    writeFileSync(key('known_hosts_wrong'), `[127.0.0.1]:${sshd.port} ${publicKeyOf(key('other_host'))}\n`);
    writeFileSync(key('known_hosts_other'), `[127.0.0.2]:${sshd.port} ${publicKeyOf(key('host_ed25519'))}\n`);
    mkdirSync(key('repos'));
    return {
      env: {
        SSH_PORT: String(sshd.port),
        SSH_USER: sshd.user,
        SSH_ROOT: key('repos'),
        SSH_KEY_ED25519: key('id_ed25519'),
        SSH_KEY_ECDSA: key('id_ecdsa'),
        SSH_KEY_RSA_PEM: key('id_rsa_pem'),
        SSH_KEY_ENCRYPTED: key('id_encrypted'),
        SSH_KEY_PASSPHRASE: passphrase,
        SSH_KEY_STRANGER: key('id_stranger'),
        SSH_KNOWN_HOSTS: key('known_hosts'),
        SSH_KNOWN_HOSTS_HASHED: key('known_hosts_hashed'),
        SSH_KNOWN_HOSTS_WRONG: key('known_hosts_wrong'),
        SSH_KNOWN_HOSTS_OTHER_HOST: key('known_hosts_other'),
        SSH_HOST_KEY: readFileSync(`${key('host_ed25519')}.pub`, 'utf8').trim(),
        SSH_HOST_KEY_FILE: key('host_ed25519'),
        SSH_HOST_KEY_ECDSA_FILE: key('host_ecdsa'),
        SSH_OTHER_HOST_KEY: readFileSync(`${key('other_host')}.pub`, 'utf8').trim(),
        SSH_HOST_FINGERPRINT: execFileSync(KEYGEN, ['-l', '-E', 'sha256', '-f', `${key('host_ed25519')}.pub`], { encoding: 'utf8' }).split(
          /\s+/,
        )[1],
      },
      stop: () => stopAndRemove(running, dir),
    };
  } catch (e) {
    await stopAndRemove(running, dir);
    throw e;
  }
}
