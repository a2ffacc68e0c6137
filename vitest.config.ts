import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// The API suite runs a second time, unchanged, on PostgreSQL whenever a test server is named
// (CI always names one: see .ci/run). Without one, say so rather than skip silently.
const postgresUrl = process.env.LEDGER_TEST_PG_URL?.trim();
if (!postgresUrl) {
  console.warn(
    '[vitest] LEDGER_TEST_PG_URL is not set: the API suite on PostgreSQL and the PostgreSQL store tests are SKIPPED',
  );
}

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One test file per core. Vitest's own default is one fewer than the cores, which on the
    // 2-core CI machine means a single worker: the whole suite ran one file at a time, the other
    // core idle while a file waited on a server process, Chromium or PostgreSQL.
    maxWorkers: Math.max(2, availableParallelism()),
    projects: [
      {
        extends: true,
        test: { name: 'all', include: ['test/**/*.test.ts'] },
      },
      ...(postgresUrl
        ? [
            {
              extends: true,
              test: {
                name: 'api-on-postgres',
                include: ['test/http/**/*.test.ts'],
                env: { LEDGER_TEST_STORE: 'postgres' },
              },
            },
          ]
        : []),
    ],
  },
});
