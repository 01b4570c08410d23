// Starts every real server the tests use, once per run, and hands their addresses to the tests
// through vitest's provide/inject. A server that cannot start fails the run: nothing is skipped.
import type { TestProject } from 'vitest/node';
import { servers, type Started } from './support/servers/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    servers: Record<string, string>;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started: Started[] = [];
  const env: Record<string, string> = {};
  const settled = await Promise.allSettled(Object.entries(servers).map(async ([name, start]) => {
    try {
      return await start();
    } catch (e) {
      throw new Error(`test server '${name}' failed to start: ${(e as Error).message}`);
    }
  }));
  for (const s of settled) {
    if (s.status === 'fulfilled') {
      started.push(s.value);
      Object.assign(env, s.value.env);
    }
  }
  const failures = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failures.length > 0) {
    await Promise.allSettled(started.map((s) => s.stop()));
    throw new Error(failures.map((f) => (f.reason as Error).message).join('\n'));
  }
  project.provide('servers', env);
  return async () => {
    await Promise.allSettled(started.map((s) => s.stop()));
  };
}
