import { defineConfig } from 'vitest/config';

/**
 * The unit project: tests that start no server, need no root and no Go (pure code, local git
 * repositories, servers of their own in-process). `npm run test:unit` runs only these, on a fresh
 * clone right after `npm ci`. A file here that asks for a test server fails (it has none), so the
 * list cannot silently grow a dependency; one left out only runs later, with the servers.
 */
export const UNIT = [
  'test/config/**/*.test.ts',
  'test/engine/**/*.test.ts',
  'test/manifests/**/*.test.ts',
  'test/meta/**/*.test.ts',
  'test/server/**/*.test.ts',
  'test/errors.test.ts',
  'test/log.test.ts',
  'test/cli/{args,credentials,kube,limit,main,scaler-clients,usage}.test.ts',
  'test/cluster/{repo-url,status}.test.ts',
  'test/git/{auth,http,known-hosts,local,message,pack,store}.test.ts',
  'test/forges/lazy.test.ts',
  'test/forges/gitea/schema.test.ts',
  'test/reconciler/{auth,check,current,discover,execute,outcome,plan,route,runnable,runner,schedule,target}.test.ts',
  'test/reconciler/sources/*.test.ts',
  'test/scalers/{errors,registry,schema,cron}.test.ts',
  'test/scalers/{aws,cron,metrics-api}/*.test.ts',
  'test/support/servers/{missing,spawn}.test.ts',
];

const CHAOS = ['test/chaos/**/*.test.ts'];

export default defineConfig({
  test: {
    setupFiles: ['test/setup/fast-check.ts', 'test/setup/temp.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT } },
      // Every real server, started once (test/global-setup.ts) for both projects below.
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: [...UNIT, ...CHAOS],
          globalSetup: ['test/global-setup.ts'],
          setupFiles: ['test/setup/servers.ts'],
        },
      },
      // Push storms, kill -9 and fuzzing saturate the CPU: after the rest, one file at a time, so
      // neither their timings nor the other suites' are measured on a loaded machine.
      {
        extends: true,
        test: {
          name: 'chaos',
          include: CHAOS,
          globalSetup: ['test/global-setup.ts'],
          setupFiles: ['test/setup/servers.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
