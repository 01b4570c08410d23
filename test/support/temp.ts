// Temporary directories for tests. Each is named gitscale-<what>-XXXXXX and removed when its test
// file ends (test/setup/temp.ts runs removeTempDirs after the file's own afterAll hooks), so a run
// leaves nothing behind; test/global-setup.ts fails the run if anything is left anyway.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Directories made by this test file and not yet removed (a fresh module per file). */
const made = new Set<string>();

/** A fresh directory `gitscale-<what>-XXXXXX` in the temp dir, removed after this test file. */
export async function tempDir(what: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `gitscale-${what}-`));
  made.add(dir);
  return dir;
}

/** Removes `dir` now rather than at the end of the file. */
export async function removeTempDir(dir: string): Promise<void> {
  made.delete(dir);
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** Removes every directory this file made; the end-of-file hook in test/setup/temp.ts. */
export async function removeTempDirs(): Promise<void> {
  await Promise.all([...made].map(removeTempDir));
}
