// The package as a user (or the image) gets it: `npm pack` of the built tree, installed with
// production dependencies only into a scratch directory, then `gitscale demo` from there. The
// demo imports fauxqs, so this fails if it ever slips back into devDependencies.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';

const root = join(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; devDependencies: Record<string, string> };

interface Exited {
  code: number | null;
  stdout: string;
  stderr: string;
}

function exec(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<Exited> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], timeout: opts.timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * The environment without what an outer `npm test` or vitest puts there (npm_config_*, NODE_PATH…;
 * npm's cache kept), plus `extra`: a TMPDIR in scratch, for npm's node-compile-cache and the demo's repository.
 */
function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) && !/^npm_config_(cache|registry)$/i.test(k)) continue;
    if (['NODE_PATH', 'NODE_OPTIONS', 'NODE_ENV', 'VITEST', 'VITEST_MODE', 'TEST'].includes(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/** Every package.json under a node_modules directory, nested ones included. */
function manifests(nodeModules: string): string[] {
  if (!existsSync(nodeModules)) return [];
  const one = (dir: string): string[] => {
    const file = join(dir, 'package.json');
    return [...(existsSync(file) ? [file] : []), ...manifests(join(dir, 'node_modules'))];
  };
  return readdirSync(nodeModules).flatMap((n) => {
    if (n.startsWith('.')) return [];
    if (n.startsWith('@')) return readdirSync(join(nodeModules, n)).flatMap((m) => one(join(nodeModules, n, m)));
    return one(join(nodeModules, n));
  });
}

describe('the packed package with production dependencies only', () => {
  it('installs with --omit=dev into a scratch directory and plays `gitscale demo` from there', async () => {
    expect(existsSync(join(root, 'dist/cli.js')), 'dist/cli.js is missing: run `npm test` (it builds) or `npm run build`').toBe(true);
    const scratch = await tempDir('package');
    const tmp = join(scratch, 'tmp');
    mkdirSync(tmp);
    const env = cleanEnv({ TMPDIR: tmp });

    const packed = await exec('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: root, env, timeoutMs: 120_000 });
    expect(packed.code, packed.stderr).toBe(0);
    const [{ filename, files }] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    const paths = files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['package.json', 'dist/cli.js', 'dist/demo/demo.js']));

    const app = join(scratch, 'app');
    mkdirSync(app);
    const installed = await exec('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefix', app, join(scratch, filename)], {
      cwd: app,
      env,
      timeoutMs: 240_000,
    });
    expect(installed.code, installed.stderr).toBe(0);
    const nodeModules = join(app, 'node_modules');
    const home = join(nodeModules, pkg.name);
    expect(existsSync(join(home, 'dist/cli.js'))).toBe(true);

    // Nothing above the scratch directory could supply a module: what resolves, resolves from it.
    for (let d = dirname(app); d !== dirname(d); d = dirname(d))
      expect(existsSync(join(d, 'node_modules')), `${d}/node_modules`).toBe(false);
    const resolved = await exec(process.execPath, ['--input-type=module', '-e', "process.stdout.write(import.meta.resolve('fauxqs'))"], {
      cwd: join(home, 'dist/demo'),
      env,
      timeoutMs: 30_000,
    });
    expect(resolved.code, resolved.stderr).toBe(0);
    expect(resolved.stdout.startsWith(pathToFileURL(join(nodeModules, 'fauxqs')).href + '/'), resolved.stdout).toBe(true);

    // No devDependency came along: vitest and tsx are absent, and any other one present is there
    // because an installed production package depends on it (ajv, say, through fauxqs's fastify).
    const all = manifests(nodeModules);
    const here = (name: string) => existsSync(join(nodeModules, name, 'package.json'));
    expect(here('vitest')).toBe(false);
    expect(here('tsx')).toBe(false);
    const needed = new Set(
      all
        .filter((f) => f !== join(home, 'package.json'))
        .flatMap((f) => {
          const m = JSON.parse(readFileSync(f, 'utf8')) as Record<string, Record<string, string> | undefined>;
          return [m.dependencies, m.optionalDependencies, m.peerDependencies].flatMap((d) => Object.keys(d ?? {}));
        }),
    );
    for (const dev of Object.keys(pkg.devDependencies)) {
      if (here(dev)) expect(needed.has(dev), `devDependency ${dev} is installed but no production package needs it`).toBe(true);
    }

    // The demo on the Node running this suite (24), as the image runs it; its repository goes to scratch.
    const demo = await exec(process.execPath, [join(home, 'dist/cli.js'), 'demo'], {
      cwd: app,
      env: { ...env, NODE_ENV: 'production' },
      timeoutMs: 120_000,
    });
    const out = demo.stdout + demo.stderr;
    expect(demo.code, out).toBe(0);
    expect(out).toContain('producer: sent 20 messages');
    expect(out).toMatch(/scale default\/consumer 0→4 \(aws-sqs-queue: 20 msgs \/ 5\)/);
    expect(out).toMatch(/scale default\/consumer \d→0 \(no activity for cooldownPeriod 5 s\)/);
    expect(out).toContain('The queue is empty and the consumer is back at 0.');
    expect(out).toContain('Gitscale-Replicas: 0 -> 4');
    expect(out).toContain(`manifests in ${tmp}/gitscale-demo-`);
  }, 420_000);
});
