// Git over SSH: git-upload-pack / git-receive-pack run on the server through an exec channel of
// one SSH connection (the `ssh2` library), speaking the same pkt-line protocol (v0) as smart
// HTTP, statefully. The connection is kept between the operations of a tick and closed after a
// short idle time; while idle it does not keep the process alive. The host key is always checked
// against known_hosts or a pinned key before anything is sent; the private key is read (and
// decrypted) at each connection, so a rotated Secret is picked up.
import * as net from 'node:net';
import type { Client, ClientChannel, ConnectConfig, ParsedKey } from 'ssh2';
import { DEFAULT_GIT_BOUNDS, GitTimeoutError, timedOut, type GitBounds } from './bounds.js';
import { checkHostKey, hostKeyAlgorithms, type HostKeyPolicy } from './known-hosts.js';
import { endOfFirstFlush, FLUSH, parseAdvertisement, readPktLines, type Advertisement } from './pkt-line.js';
import { pushPayload, readReportStatus } from './push.js';
import { shellQuote, type SshTarget } from '../ssh-spec.js';
import { TransportError, type GitTransport } from './transport.js';
import { DEFAULT_LIMITS, packRequest, readPackAnswer, type Limits } from './upload-pack.js';

export interface SshIdentity {
  /** The private key's text (OpenSSH or PEM; ed25519, ECDSA or RSA). */
  key: Buffer | string;
  passphrase?: string;
  /** Where the key came from, for messages (a file path, an environment variable's name). */
  source: string;
  /** Where the passphrase came from, for messages. */
  passphraseSource?: string;
  /** The setting that names the passphrase, for messages (default auth.sshKeyPassphraseFromEnv). */
  passphraseSetting?: string;
}

export interface SshOptions {
  target: SshTarget;
  identity: () => Promise<SshIdentity>;
  hostKeys: () => Promise<HostKeyPolicy>;
  /** The TCP connection and SSH handshake within this time (default: bounds.connectMs, 20 s). */
  connectTimeoutMs?: number;
  /** A push's silence and whole bounds (bounds.ts; receive-pack's keepalives break a silence). */
  bounds?: GitBounds;
  /** Close the connection after this long without an operation (default 2 s). */
  idleMs?: number;
}

type Ssh2 = typeof import('ssh2');
// Loaded at the first SSH connection: a run over HTTPS never loads it (import() answers the loaded module after the first time).
const loadSsh2 = async () => {
  const m = await import('ssh2');
  return (m as { default?: Ssh2 }).default ?? m;
};

/** The private key, decrypted; a clear TransportError when it cannot be. */
export async function readIdentity(id: SshIdentity): Promise<ParsedKey> {
  const { utils } = await loadSsh2();
  const parsed = utils.parseKey(id.key, id.passphrase);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (key instanceof Error || !key) {
    const msg = key instanceof Error ? key.message : 'no key found';
    if (/encrypted/i.test(msg) && /no passphrase/i.test(msg))
      throw new TransportError(
        'GIT_SSH_KEY',
        `the SSH key in ${id.source} is encrypted and no passphrase was given (set ${id.passphraseSetting ?? 'auth.sshKeyPassphraseFromEnv'})`,
      );
    if (/decrypt|passphrase|bad (auth|key)|integrity/i.test(msg))
      throw new TransportError(
        'GIT_SSH_KEY',
        `the SSH key in ${id.source} cannot be decrypted: the passphrase${id.passphraseSource ? ` in ${id.passphraseSource}` : ''} is wrong`,
      );
    throw new TransportError(
      'GIT_SSH_KEY',
      `the SSH key in ${id.source} is not a private key gitscale can read (OpenSSH or PEM; ed25519, ECDSA or RSA): ${msg}`,
    );
  }
  if (!key.isPrivateKey())
    throw new TransportError('GIT_SSH_KEY', `${id.source} holds a public key; auth.sshKeyFile must name the private key`);
  return key;
}

/** One exec channel: its output gathered, its end awaited, within the operation's limits. */
class Exec {
  private out: Buffer[] = [];
  private size = 0;
  private stderr = '';
  private closed = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private readonly timer: NodeJS.Timeout;
  private idle: NodeJS.Timeout | undefined;
  code: number | null = null;

  /** `silence`: at most this long without a byte from the server (a push's bound; keepalives count), as said for `where`. */
  constructor(
    readonly ch: ClientChannel,
    limits: Limits,
    silence?: { ms: number; where: string },
  ) {
    // The whole exchange within the limit: past it the session fails (a hung server never hangs the caller).
    this.timer = setTimeout(
      () =>
        this.fail(
          silence ? timedOut('totalMs', limits.timeoutMs, silence.where) : new Error(`no whole answer within ${limits.timeoutMs} ms`),
        ),
      limits.timeoutMs,
    );
    this.timer.unref();
    const heard = () => {
      if (!silence || this.closed || this.failure) return;
      clearTimeout(this.idle);
      this.idle = setTimeout(() => this.fail(timedOut('idleMs', silence.ms, silence.where)), silence.ms);
      this.idle.unref();
    };
    heard();
    ch.stderr.on('data', heard);
    ch.on('data', (d: Buffer) => {
      heard();
      this.out.push(d);
      this.size += d.length;
      if (this.size > limits.maxBytes) this.fail(new Error(`the answer is larger than ${limits.maxBytes} bytes`));
      this.wake?.();
    });
    ch.stderr.on('data', (d: Buffer) => {
      if (this.stderr.length < 4096) this.stderr += d.toString('utf8');
    });
    ch.on('exit', (code: number | null) => {
      this.code = code;
    });
    ch.on('close', () => {
      this.closed = true;
      clearTimeout(this.timer);
      clearTimeout(this.idle);
      this.wake?.();
    });
  }

  fail(e: Error): void {
    this.failure ??= e;
    clearTimeout(this.timer);
    clearTimeout(this.idle);
    try {
      this.ch.close();
    } catch {
      // the connection is already gone
    }
    this.wake?.();
  }

  get output(): Buffer {
    if (this.out.length > 1) this.out = [Buffer.concat(this.out)];
    return this.out[0] ?? Buffer.alloc(0);
  }

  /** What the server said on stderr, as one line. */
  get said(): string {
    return this.stderr.trim().replace(/\s*\n\s*/g, ' ');
  }

  /** Waits until `ready(output)` or the channel closes; an error past the time or size limit. */
  async until(ready: (b: Buffer) => boolean): Promise<void> {
    while (!this.failure && !this.closed && !ready(this.output)) {
      await new Promise<void>((r) => {
        this.wake = r;
      });
      this.wake = undefined;
    }
    if (this.failure) throw this.failure;
  }

  /** Reads the advertisement (up to its flush); the bytes after it stay in `output`. */
  async advertisement(service: string): Promise<string[]> {
    await this.until((b) => endOfFirstFlush(b) >= 0);
    const end = endOfFirstFlush(this.output);
    if (end < 0)
      throw new Error(
        `${service} on the server ended without an advertisement${this.said ? `: ${this.said}` : this.code ? ` (exit ${this.code})` : ''}`,
      );
    const lines = readPktLines(this.output.subarray(0, end));
    const rest = this.output.subarray(end);
    this.out = rest.length ? [rest] : [];
    const err = lines.find((l) => l.startsWith('ERR '));
    if (err) throw new Error(`the server refused: ${err.slice(4)}`);
    return lines;
  }

  /** Sends `data`, ends our side, and waits for the server to finish. */
  async finish(data: Buffer | string): Promise<Buffer> {
    this.ch.end(data);
    await this.until(() => false);
    return this.output;
  }

  /** Ends a session that will not be used (an advertisement read alone). */
  abandon(): void {
    if (!this.closed) this.ch.end(FLUSH);
  }
}

interface Connection {
  client: Client;
  sock: net.Socket;
  gone: boolean;
  /** Sessions in flight: failed at once when the connection drops, rather than at their deadline. */
  open: Set<Exec>;
}

export function sshTransport(o: SshOptions): GitTransport {
  const { target } = o;
  const idleMs = o.idleMs ?? 2000;
  let conn: Promise<Connection> | undefined;
  let busy = 0;
  let idle: NodeJS.Timeout | undefined;
  /** An upload-pack session whose advertisement was read, kept for the fetch that usually follows. */
  let parked: Exec | undefined;

  async function connect(): Promise<Connection> {
    const [{ Client }, identity, policy] = await Promise.all([loadSsh2(), o.identity(), o.hostKeys()]);
    await readIdentity(identity);
    const timeout = o.connectTimeoutMs ?? o.bounds?.connectMs ?? DEFAULT_GIT_BOUNDS.connectMs;
    const sock = net.connect({ host: target.host, port: target.port, noDelay: true });
    const client = new Client();
    const c: Connection = { client, sock, gone: false, open: new Set() };
    const drop = (why: string) => {
      c.gone = true;
      for (const x of c.open) x.fail(new Error(`the SSH connection to ${target.host}:${target.port} ${why}`));
    };
    let hostKeyProblem: string | undefined;
    const config: ConnectConfig = {
      sock,
      username: target.user,
      privateKey: identity.key,
      ...(identity.passphrase ? { passphrase: identity.passphrase } : {}),
      readyTimeout: timeout,
      keepaliveInterval: 15_000,
      hostVerifier: (blob: Buffer) => {
        const r = checkHostKey(policy, blob);
        if (!r.ok) hostKeyProblem = r.reason;
        return r.ok;
      },
    };
    const algs = hostKeyAlgorithms(policy);
    if (algs) config.algorithms = { serverHostKey: algs as never };
    return new Promise<Connection>((resolve, reject) => {
      const where = `${target.host}:${target.port}`;
      let timer: NodeJS.Timeout | undefined = setTimeout(() => {
        client.end();
        sock.destroy();
        reject(new Error(`no SSH connection to ${where} within ${timeout} ms`));
      }, timeout);
      sock.once('error', () => {}); // reported through the client's 'error'
      client.once('ready', () => {
        clearTimeout(timer);
        timer = undefined;
        resolve(c);
      });
      client.on('error', (e: Error & { level?: string }) => {
        drop(`failed: ${e.message}`);
        if (!timer) return; // after the handshake: the operation in flight has failed above
        clearTimeout(timer);
        timer = undefined;
        sock.destroy();
        if (hostKeyProblem) reject(new TransportError('GIT_HOST_KEY', `SSH server ${where}: ${hostKeyProblem}`));
        else if (e.level === 'client-authentication')
          reject(
            new TransportError(
              'GIT_AUTH',
              `SSH server ${where} refused the key in ${identity.source} for user '${target.user}' (is it a deploy key of this repository, with write access?)`,
            ),
          );
        else reject(new Error(`SSH connection to ${where} failed: ${e.message}`));
      });
      client.on('close', () => drop('closed'));
      client.connect(config);
    });
  }

  function release(): void {
    if (--busy > 0) return;
    void conn?.then(
      (c) => c.sock.unref(),
      () => {},
    );
    clearTimeout(idle);
    idle = setTimeout(close, idleMs);
    idle.unref();
  }

  /** Runs `f` on the connection (made or re-made as needed); the connection stays referenced meanwhile. */
  async function use<T>(f: (c: Connection) => Promise<T>): Promise<T> {
    busy++;
    clearTimeout(idle);
    try {
      let c = conn ? await conn.catch(() => undefined) : undefined;
      if (!c || c.gone) {
        conn = connect();
        conn.catch(() => {
          conn = undefined;
        });
        c = await conn;
      }
      c.sock.ref();
      return await f(c);
    } finally {
      release();
    }
  }

  const pushBounds = o.bounds ?? DEFAULT_GIT_BOUNDS;
  const pushLimits: Limits = { ...DEFAULT_LIMITS, timeoutMs: pushBounds.totalMs };
  async function exec(c: Connection, service: 'git-upload-pack' | 'git-receive-pack', limits: Limits, silenceMs?: number): Promise<Exec> {
    const ch = await new Promise<ClientChannel>((resolve, reject) => {
      c.client.exec(`${service} ${shellQuote(target.path)}`, (err, stream) =>
        err ? reject(new Error(`the server would not run ${service}: ${err.message}`)) : resolve(stream),
      );
    });
    const x = new Exec(ch, limits, silenceMs === undefined ? undefined : { ms: silenceMs, where: `${target.host}:${target.port}` });
    c.open.add(x);
    ch.on('close', () => c.open.delete(x));
    return x;
  }

  const unpark = () => {
    parked?.abandon();
    parked = undefined;
  };

  function close(): void {
    unpark();
    clearTimeout(idle);
    const c = conn;
    conn = undefined;
    void c?.then(
      (x) => {
        x.client.end();
        x.sock.destroy();
      },
      () => {},
    );
  }

  return {
    kind: 'ssh',
    advertise: (limits = DEFAULT_LIMITS) =>
      use(async (c) => {
        unpark();
        const session = await exec(c, 'git-upload-pack', limits);
        const ad = parseAdvertisement(await session.advertisement('git-upload-pack'));
        parked = session;
        return ad;
      }),
    fetch: (req, limits = DEFAULT_LIMITS) =>
      use(async (c) => {
        let session = parked;
        parked = undefined;
        if (!session) {
          session = await exec(c, 'git-upload-pack', limits);
          await session.advertisement('git-upload-pack');
        }
        const body = await session.finish(packRequest(req));
        if (body.length === 0 && session.said) throw new Error(`git-upload-pack on the server failed: ${session.said}`);
        return readPackAnswer(body, req.caps);
      }),
    pushRefs: () =>
      use(async (c) => {
        unpark();
        const session = await exec(c, 'git-receive-pack', DEFAULT_LIMITS);
        const { refs } = parseAdvertisement(await session.advertisement('git-receive-pack'));
        session.abandon();
        return refs;
      }),
    push: (u) =>
      use(async (c) => {
        unpark();
        const session = await exec(c, 'git-receive-pack', pushLimits, pushBounds.idleMs);
        const { caps } = parseAdvertisement(await session.advertisement('git-receive-pack'));
        const sideband = caps.has('side-band-64k');
        let body: Buffer;
        try {
          body = await session.finish(pushPayload({ ...u, sideband }));
        } catch (e) {
          if (e instanceof GitTimeoutError) throw e;
          return { ok: false as const, rejected: false as const, reason: (e as Error).message };
        }
        const out = readReportStatus(body, u.ref, sideband);
        return !out.ok && !out.rejected && session.said ? { ...out, reason: `${out.reason} (${session.said})` } : out;
      }),
    close,
  };
}

export type { Advertisement };
