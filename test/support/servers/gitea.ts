// A real Gitea (built once from the Go module proxy by scripts/servers/build-gitea.sh, cached by
// version), headless: installer locked, SQLite, 127.0.0.1 only, an admin user and an API token.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { spawnGroup } from './groups.js';
import { freePort } from './spawn.js';
import type { Started } from './types.js';

const run = promisify(execFile);
const SCRIPT = join(import.meta.dirname, '../../../scripts/servers/build-gitea.sh');

export async function startGitea(): Promise<Started> {
  const { stdout } = await run('bash', [SCRIPT], { maxBuffer: 1 << 24, timeout: 30 * 60_000 }).catch((e: Error & { stderr?: string }) => {
    throw new Error(`building Gitea failed (scripts/servers/build-gitea.sh): ${e.stderr?.slice(-2000) ?? e.message}`);
  });
  const [bin, workPath] = stdout.trim().split('\n');
  const dir = mkdtempSync(join(tmpdir(), 'gitscale-gitea-'));
  const port = await freePort();
  const ini = join(dir, 'app.ini');
  writeFileSync(
    ini,
    `APP_NAME = gitscale-test
RUN_USER = ${process.env.USER ?? 'root'}
I_AM_BEING_UNSAFE_RUNNING_AS_ROOT = true
WORK_PATH = ${workPath}
[server]
HTTP_ADDR = 127.0.0.1
HTTP_PORT = ${port}
ROOT_URL = http://127.0.0.1:${port}/
APP_DATA_PATH = ${dir}/data
DISABLE_SSH = true
OFFLINE_MODE = true
[database]
DB_TYPE = sqlite3
PATH = ${dir}/data/gitea.db
[repository]
ROOT = ${dir}/repos
[security]
INSTALL_LOCK = true
SECRET_KEY = gitscale-test-secret
[log]
ROOT_PATH = ${dir}/log
MODE = console
LEVEL = warn
[service]
DISABLE_REGISTRATION = true
[mailer]
ENABLED = false
[indexer]
ISSUE_INDEXER_TYPE = db
[queue]
TYPE = level
DATADIR = ${dir}/queues
[actions]
ENABLED = false
`,
  );
  const gitea = (...args: string[]) =>
    run(bin, [...args, '--config', ini, '--work-path', workPath], {
      env: { ...process.env, GITEA_WORK_DIR: workPath },
      maxBuffer: 1 << 24,
    });
  await gitea('migrate');
  const password = `Pw-${Math.random().toString(36).slice(2)}-9`;
  await gitea(
    'admin',
    'user',
    'create',
    '--admin',
    '--username',
    'gitscale',
    '--password',
    password,
    '--email',
    'gitscale@example.com',
    '--must-change-password=false',
  );
  const token = (
    await gitea('admin', 'user', 'generate-access-token', '--username', 'gitscale', '--token-name', 'tests', '--scopes', 'all', '--raw')
  ).stdout
    .trim()
    .split('\n')
    .pop()!;
  // Ready when the API answers (the log level hides Gitea's own start line).
  const web = spawnGroup(bin, ['web', '--config', ini, '--work-path', workPath], {
    env: { ...process.env, GITEA_WORK_DIR: workPath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const child = web.child;
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (
    !(await fetch(`${url}/api/v1/version`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`gitea web did not come up on ${url}:\n${output.split('\n').slice(-15).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    env: { GITEA_URL: url, GITEA_TOKEN: token, GITEA_USER: 'gitscale', GITEA_PASSWORD: password },
    stop: async () => {
      await web.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
