import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

// Seven projects: pure unit tests, the integration suite on SQLite and again on PostgreSQL
// (same files, TEST_DB picks the engine; the files that need the PostgreSQL server to themselves
// run after the others, alone), the reliability suite (crashes, SMTP outage, full disk), the
// scaled-out deployment and the browser tests in Debian's Chromium.

/**
 * Integration tests that need no other test writing to the PostgreSQL server meanwhile: the data
 * version stays put, and a kept page is sent again, only while no transaction has committed
 * anywhere on the server (its snapshot, decision 024), and the other files commit all the time.
 */
const postgresAlone = ['test/integration/private-page-cache.test.ts', 'test/integration/data-version.test.ts'];

/** The PostgreSQL projects' own settings. */
const postgres = {
  env: { TEST_DB: 'postgres' },
  // Each file migrates a schema once and empties it between tests (test/support/test-db.ts).
  setupFiles: ['test/support/postgres-setup.ts'],
  testTimeout: 20_000,
  hookTimeout: 30_000,
};

export default defineConfig({
  esbuild: { jsx: 'transform', jsxFactory: 'h', jsxFragment: 'Fragment' },
  test: {
    // Vitest's default is one worker fewer than the CPUs: one on CI's two, leaving a CPU idle
    // while the database answers. Two there; as many as before on bigger machines.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.{ts,tsx}'] } },
      {
        extends: true,
        test: { name: 'sqlite', include: ['test/integration/**/*.test.{ts,tsx}'], env: { TEST_DB: 'sqlite' } },
      },
      {
        extends: true,
        test: { name: 'postgres', include: ['test/integration/**/*.test.{ts,tsx}'], exclude: [...configDefaults.exclude, ...postgresAlone], ...postgres },
      },
      {
        extends: true,
        test: {
          name: 'postgres-alone',
          include: postgresAlone,
          ...postgres,
          // After every other project of the run, one file at a time.
          sequence: { groupOrder: 1 },
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
      {
        extends: true,
        test: {
          // The real server as a child process, killed, starved of SMTP and of disk (test/reliability/).
          // One file at a time: each loads the machine, and the timings (leases, backoff) are real.
          name: 'reliability',
          include: ['test/reliability/**/*.test.ts'],
          testTimeout: 240_000,
          hookTimeout: 120_000,
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
      {
        extends: true,
        test: {
          // The scaled-out deployment (deploy/cluster.sh: nginx, two web processes, a worker) on
          // PostgreSQL and a local S3 server, driven by Chromium; needs the build in dist/ and nginx.
          name: 'cluster',
          include: ['test/cluster/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 240_000,
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
