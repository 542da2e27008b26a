import { defineConfig } from 'vitest/config';

/**
 * Three projects: unit tests once, and every integration and end-to-end test twice, on a real Postgres
 * and on the embedded database, since both must run the same SQL and migrations.
 */
const integration = ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'];

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 20_000 } },
      // Fault tests cut a TCP path to the database, which only the real Postgres has.
      { test: { name: 'postgres', include: [...integration, 'test/faults/**/*.test.ts'], env: { LATCHKEY_TEST_BACKEND: 'postgres' }, testTimeout: 60_000, hookTimeout: 120_000 } },
      { test: { name: 'embedded', include: integration, env: { LATCHKEY_TEST_BACKEND: 'embedded' }, testTimeout: 60_000, hookTimeout: 120_000 } },
    ],
  },
});
