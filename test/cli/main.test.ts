// What main() does with an error nobody expected: one line asking for a bug report, exit 1, and the
// stack only at --log-level debug. (The failure is a stdout that throws: a real fault of the host.)
import { describe, expect, it } from 'vitest';
import { main, type Io } from '../../src/cli/main.js';
import { deployment, writeConfig } from '../support/config.js';
import { makeLocalRepo } from '../support/git.js';
import { tempDir } from '../support/temp.js';

async function withBrokenStdout(extra: string[]): Promise<{ code: number; stderr: string[] }> {
  const dir = await makeLocalRepo({ 'a.yaml': deployment('a', 1) });
  const config = await writeConfig({ repositories: [{ name: 'manifests', url: dir }], scaledObjects: [] });
  const stderr: string[] = [];
  const io: Io = {
    stdout: () => {
      throw new TypeError('stdout is gone');
    },
    stderr: (s) => void stderr.push(...s.split('\n')),
    env: {},
    waitForStop: () => new Promise(() => {}),
  };
  const code = await main(['validate', '-c', config, '--data-dir', await tempDir('data'), ...extra], io);
  return { code, stderr };
}

describe('main: unexpected errors', () => {
  it('prints one line and asks for a bug report; no stack by default', async () => {
    const r = await withBrokenStdout([]);
    expect(r.code).toBe(1);
    expect(r.stderr[0]).toBe('gitscale: internal error: stdout is gone');
    expect(r.stderr[1]).toMatch(/This is a bug in gitscale: please report it/);
    expect(r.stderr.join('\n')).not.toMatch(/^\s+at /m);
  });

  it('--log-level debug adds the stack', async () => {
    const r = await withBrokenStdout(['--log-level', 'debug']);
    expect(r.code).toBe(1);
    expect(r.stderr.join('\n')).toMatch(/TypeError: stdout is gone\n\s+at /);
  });
});
