// The built command (dist/cli.js, as npm's bin.gitscale installs it) in its own process:
// `run` reconciles until SIGTERM, finishes the write in flight and exits 0.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { log, makeLocalRepo } from '../support/git.js';
import { deployment, redisList, scaledObject, writeConfig } from '../support/config.js';

const servers = inject('servers');
const cli = join(import.meta.dirname, '../../dist/cli.js');
const pkg = JSON.parse(fs.readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8'));

describe('dist/cli.js', () => {
  it('is the package bin, executable, with a shebang (built by npm run build)', () => {
    expect(pkg.bin.gitscale).toBe('dist/cli.js');
    expect(fs.existsSync(cli), 'dist/cli.js is missing: run `npm test` (it builds) or `npm run build`').toBe(true);
    expect(fs.readFileSync(cli, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(fs.statSync(cli).mode & 0o111).not.toBe(0);
  });

  it('run: commits on schedule, then SIGTERM → exit 0', async () => {
    const redis = new Redis(servers.REDIS_ADDRESS);
    const list = `bin-${Date.now()}`;
    await redis.rpush(list, ...Array.from({ length: 15 }, () => 'x'));
    await redis.quit();
    const dir = await makeLocalRepo({ 'a.yaml': deployment('a', 0) });
    const config = await writeConfig({
      repositories: [{ name: 'manifests', url: dir }],
      scaledObjects: [
        scaledObject({ name: 'a', path: 'a.yaml', spec: { pollingInterval: 1 }, triggers: [redisList(servers.REDIS_ADDRESS, list)] }),
      ],
    });
    const child = spawn(
      process.execPath,
      [cli, 'run', '--config', config, '--log-format', 'json', '--listen', '127.0.0.1:0', '--data-dir', join(dir, '.git', 'gs')],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    for (let i = 0; i < 100 && !stderr.includes('"msg":"commit"'); i++) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const lines = stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['running', 'decision', 'commit', 'stopping: finishing the write in flight', 'stopped']),
    );
    expect(lines.find((l) => l.msg === 'commit')).toMatchObject({
      repository: 'manifests',
      objects: ['default/a'],
      subject: 'scale default/a 0→3 (redis: 15 items / 5)',
    });
    expect(await log(dir)).toEqual(['scale default/a 0→3 (redis: 15 items / 5)', 'initial']);
  });
});
