import { defineConfig } from 'vitest/config';

// The reliability suite (test/reliability/, docs/reliability.md): load, faults, hostile input
// and security against the real PostgreSQL server. Its files run one at a time: they measure
// throughput and time leases on a shared machine, and each starts several worker processes.
if (!process.env.TEST_DATABASE_URL) {
  throw new Error(
    'the reliability suite runs against PostgreSQL: set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres',
  );
}

export default defineConfig({
  test: {
    include: ['test/reliability/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    // Fails a test that leaves an in-process Worker running.
    setupFiles: ['test/helpers/setup.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
