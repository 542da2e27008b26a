import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Three projects: unit tests once, and every integration, end-to-end and fuzz test twice, on a real Postgres
 * and on the embedded database, since both must run the same SQL and migrations. The CLI's argument fuzzing
 * runs once: it starts no server, parses arguments the same way on both, and each case spawns a process.
 */
const integration = ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/fuzz/**/*.test.ts'];
const cliFuzz = 'test/fuzz/cli-arguments.fuzz.test.ts';
/** Database templates made once per run, which each file's fresh database is copied from. */
const globalSetup = ['test/support/database-templates.ts'];

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 20_000 } },
      // Fault tests cut a TCP path to the database, which only the real Postgres has.
      { test: { name: 'postgres', include: [...integration, 'test/faults/**/*.test.ts'], env: { LATCHKEY_TEST_BACKEND: 'postgres' }, globalSetup, testTimeout: 60_000, hookTimeout: 120_000 } },
      // The whole docker compose stack, once: images built, containers started, a browser through the demo.
      { test: { name: 'compose', include: ['test/compose/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 1_600_000 } },
      { test: { name: 'embedded', include: integration, exclude: [...configDefaults.exclude, cliFuzz], env: { LATCHKEY_TEST_BACKEND: 'embedded' }, globalSetup, testTimeout: 60_000, hookTimeout: 120_000 } },
    ],
  },
});
