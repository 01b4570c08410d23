// Debian's Prometheus (the server, not a fake) scraping a tiny exporter every second, twice: one
// plain (PROMETHEUS_URL), one behind Prometheus's own web config, TLS with a required client
// certificate and basic auth (PROMETHEUS_TLS_URL, PROMETHEUS_TLS_* files, PROMETHEUS_BASIC_*).
// The exporter's gauges are set by tests:
//   POST {PROMETHEUS_EXPORTER_URL}/__set?name=queue_depth&labels=queue="a"&value=7   (value=absent removes it)
// and both servers see a change at their next scrape (≤ 1 s, plus the time to store it).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCerts } from './certs.js';
import { freePort, requireBinary, spawnUntil, type Running } from './spawn.js';
import type { Started } from './types.js';

const BIN = '/usr/bin/prometheus';
const BASIC_USER = 'gitscale';
const BASIC_PASSWORD = 'prometheus-test-password';
// bcrypt of BASIC_PASSWORD (cost 10), as Prometheus's web config wants it; made once with golang.org/x/crypto/bcrypt.
const BASIC_HASH = '$2a$10$qb2XoYaczHjsjgsP7cE.9eDNwDDHt20o41hha4Wbo7qTx8ueAxdBO';

async function startOne(dir: string, name: string, exporter: string, webConfig?: string): Promise<{ port: number; running: Running }> {
  writeFileSync(
    join(dir, `${name}.yml`),
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: exporter\n    static_configs:\n      - targets: ['${exporter}']\n`,
  );
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const args = [
      `--config.file=${join(dir, `${name}.yml`)}`,
      `--storage.tsdb.path=${join(dir, `${name}-data`)}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=info',
      ...(webConfig ? [`--web.config.file=${webConfig}`] : []),
    ];
    try {
      return { port, running: await spawnUntil(BIN, args, /Server is ready to receive web requests/) };
    } catch (e) {
      if (attempt >= 3) throw e;
    }
  }
}

export async function startPrometheus(): Promise<Started> {
  requireBinary(BIN, 'prometheus (Debian package prometheus) is needed for the prometheus scaler tests');
  const dir = mkdtempSync(join(tmpdir(), 'gitscale-prometheus-'));
  const gauges = new Map<string, string>();
  const exporter = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/__set' && req.method === 'POST') {
      const series = `${url.searchParams.get('name')}${url.searchParams.get('labels') ? `{${url.searchParams.get('labels')}}` : ''}`;
      if (url.searchParams.get('value') === 'absent') gauges.delete(series);
      else gauges.set(series, url.searchParams.get('value') ?? '0');
      return void res.writeHead(204).end();
    }
    const names = new Set([...gauges.keys()].map((s) => s.split('{')[0]));
    const text = [...names]
      .map(
        (n) =>
          `# TYPE ${n} gauge\n${[...gauges]
            .filter(([s]) => s.split('{')[0] === n)
            .map(([s, v]) => `${s} ${v}`)
            .join('\n')}\n`,
      )
      .join('');
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(text);
  });
  await new Promise<void>((r) => exporter.listen(0, '127.0.0.1', r));
  const exporterAddress = `127.0.0.1:${(exporter.address() as { port: number }).port}`;
  const started: Running[] = [];
  try {
    const certs = await makeCerts(dir);
    const web = join(dir, 'web.yml');
    writeFileSync(
      web,
      `tls_server_config:\n  cert_file: ${certs.serverCert}\n  key_file: ${certs.serverKey}\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ${certs.ca}\nbasic_auth_users:\n  ${BASIC_USER}: '${BASIC_HASH}'\n`,
    );
    const [plain, secured] = await Promise.all([startOne(dir, 'plain', exporterAddress), startOne(dir, 'secured', exporterAddress, web)]);
    started.push(plain.running, secured.running);
    return {
      env: {
        PROMETHEUS_URL: `http://127.0.0.1:${plain.port}`,
        PROMETHEUS_TLS_URL: `https://127.0.0.1:${secured.port}`,
        PROMETHEUS_TLS_CA_FILE: certs.ca,
        PROMETHEUS_TLS_CERT_FILE: certs.clientCert,
        PROMETHEUS_TLS_KEY_FILE: certs.clientKey,
        PROMETHEUS_BASIC_USER: BASIC_USER,
        PROMETHEUS_BASIC_PASSWORD: BASIC_PASSWORD,
        PROMETHEUS_EXPORTER_URL: `http://${exporterAddress}`,
      },
      stop: async () => {
        await Promise.all(started.map((r) => r.stop()));
        exporter.closeAllConnections();
        await new Promise((r) => exporter.close(r));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await Promise.all(started.map((r) => r.stop()));
    exporter.close();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
