// Runs the gitscale command in-process, with its own data directory, capturing what it prints.
import type { Redis } from 'ioredis';
import { main, type Io } from '../../src/cli/main.js';
import { removeTempDir, tempDir } from './temp.js';

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** `gitscale <argv> --data-dir <fresh>` (removed when it returns); `stop` resolves to stop `run`. */
export async function runGitscale(argv: string[], env: Record<string, string | undefined> = {}, stop?: Promise<void>): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: (s) => void (stdout += s + '\n'),
    stderr: (s) => void (stderr += s + '\n'),
    env,
    waitForStop: () => stop ?? new Promise(() => {}),
  };
  const dataDir = await tempDir('data');
  try {
    // `run` serves on a port of the system's choosing unless told otherwise (tests run side by side).
    const listen = argv[0] === 'run' && !argv.includes('--listen') ? ['--listen', '127.0.0.1:0'] : [];
    const code = await main([...argv, ...listen, '--data-dir', dataDir], io);
    return { code, stdout, stderr };
  } finally {
    await removeTempDir(dataDir);
  }
}

/** A fresh Redis list holding `n` items. */
export async function newList(redis: Redis, n: number, prefix = 'jobs'): Promise<string> {
  const name = `${prefix}-${Math.random().toString(36).slice(2)}`;
  if (n > 0) await redis.rpush(name, ...Array.from({ length: n }, (_, i) => `j${i}`));
  return name;
}
