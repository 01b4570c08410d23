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
  try {
    const results = await Promise.all(Object.entries(servers).map(async ([name, start]) => {
      try {
        return await start();
      } catch (e) {
        throw new Error(`test server '${name}' failed to start: ${(e as Error).message}`);
      }
    }));
    for (const s of results) {
      started.push(s);
      Object.assign(env, s.env);
    }
  } catch (e) {
    await Promise.allSettled(started.map((s) => s.stop()));
    throw e;
  }
  project.provide('servers', env);
  return async () => {
    await Promise.allSettled(started.map((s) => s.stop()));
  };
}
