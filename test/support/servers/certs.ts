// Throwaway TLS material for the test servers, made with the openssl CLI (node:crypto cannot issue
// X.509 certificates): a CA, a server certificate for 127.0.0.1 / localhost, and a client
// certificate with its key in the clear and encrypted (for mutual TLS and keyPassword). EC P-256,
// valid 2 days.
import { execFile, type SpawnOptions } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const OPENSSL = '/usr/bin/openssl';

/** Runs `cmd` to completion without blocking the other servers' start (they share this event loop). */
export function run(what: string, cmd: string, args: string[], opts: SpawnOptions, input?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { ...opts, encoding: 'utf8' }, (e, stdout, stderr) => {
      if (e) reject(new Error(`${what} failed: ${stderr || stdout || e.message}`));
      else resolve();
    });
    // A command that exits without reading stdin must not fail the start with EPIPE.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
  });
}

export interface Certs {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** The client key encrypted with `clientKeyPassword` (PKCS#8). */
  clientKeyEncrypted: string;
  clientKeyPassword: string;
}

/** Writes the files into `dir` (opts.cwd is set to it) and returns their paths; the client certificate's CN is `clientCn`. */
export async function makeCerts(
  dir: string,
  opts: SpawnOptions = {},
  clientKeyPassword = 'client-key-pass',
  clientCn = 'gitscale',
): Promise<Certs> {
  const o = { ...opts, cwd: dir };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  writeFileSync(
    join(dir, 'server-ext.cnf'),
    'basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n',
  );
  writeFileSync(join(dir, 'client-ext.cnf'), 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n');
  await run(
    'openssl (CA)',
    OPENSSL,
    ['req', '-x509', '-new', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=gitscale test CA'],
    o,
  );
  for (const who of ['server', 'client']) {
    await run(
      `openssl (${who} key)`,
      OPENSSL,
      [
        'req',
        '-new',
        ...ec,
        '-keyout',
        `${who}.key`,
        '-out',
        `${who}.csr`,
        '-subj',
        who === 'server' ? '/CN=127.0.0.1' : `/CN=${clientCn}`,
      ],
      o,
    );
    await run(
      `openssl (${who} cert)`,
      OPENSSL,
      [
        'x509',
        '-req',
        '-in',
        `${who}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${who}.crt`,
        '-days',
        '2',
        '-extfile',
        `${who}-ext.cnf`,
      ],
      o,
    );
  }
  await run(
    'openssl (encrypted client key)',
    OPENSSL,
    ['pkcs8', '-topk8', '-in', 'client.key', '-out', 'client-enc.key', '-v2', 'aes-256-cbc', '-passout', `pass:${clientKeyPassword}`],
    o,
  );
  const p = (f: string) => join(dir, f);
  return {
    ca: p('ca.crt'),
    serverCert: p('server.crt'),
    serverKey: p('server.key'),
    clientCert: p('client.crt'),
    clientKey: p('client.key'),
    clientKeyEncrypted: p('client-enc.key'),
    clientKeyPassword,
  };
}
