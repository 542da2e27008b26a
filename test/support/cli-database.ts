import { createTestDatabase, currentBackend, type TestDatabase } from './backend.js';
import { runCli } from './processes.js';
import { TEST_SECRET } from './test-server.js';

/** The environment a CLI process gets against `database`: its connection, quiet logs, and on Postgres the secret a server there would have. */
export function cliEnv(database: TestDatabase): Record<string, string> {
  return { ...database.env, LOG_LEVEL: 'warn', ...(currentBackend() === 'postgres' ? { LATCHKEY_SECRET: TEST_SECRET } : {}) };
}

/**
 * A new test database migrated by `latchkey migrate`, as an operator prepares one (only `migrate` and `serve`
 * change the schema; every other command needs it migrated), and the CLI's environment for it.
 */
export async function migratedCliDatabase(): Promise<{ database: TestDatabase; env: Record<string, string> }> {
  const database = await createTestDatabase();
  const env = cliEnv(database);
  const migrated = await runCli(['migrate'], env);
  if (migrated.code !== 0) {
    await database.drop();
    throw new Error(`latchkey migrate exited ${migrated.code}: ${migrated.stderr}`);
  }
  return { database, env };
}
