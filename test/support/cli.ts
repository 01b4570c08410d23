// Runs the gitscale command in-process, with its own data directory, capturing what it prints.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { main, type Io } from '../../src/cli/main.js';

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** `gitscale <argv> --data-dir <fresh>`; `stop` resolves to stop `run`. */
export async function runGitscale(argv: string[], env: Record<string, string | undefined> = {}, stop?: Promise<void>): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const io: Io = { stdout: (s) => void (stdout += s + '\n'), stderr: (s) => void (stderr += s + '\n'), env, waitForStop: () => stop ?? new Promise(() => {}) };
  const code = await main([...argv, '--data-dir', await mkdtemp(join(tmpdir(), 'gitscale-data-'))], io);
  return { code, stdout, stderr };
}

/** A fresh Redis list holding `n` items. */
export async function newList(redis: Redis, n: number, prefix = 'jobs'): Promise<string> {
  const name = `${prefix}-${Math.random().toString(36).slice(2)}`;
  if (n > 0) await redis.rpush(name, ...Array.from({ length: n }, (_, i) => `j${i}`));
  return name;
}
