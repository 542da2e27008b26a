import { createServices, type Services } from '../services.js';
import { loadConfig, type Config } from '../config/load-config.js';
import type { Database } from '../db/database.js';
import { defaultMigrationsDir, migrate, readMigrations, type MigrationReport } from '../db/migrate.js';
import { openDatabase } from '../db/open-database.js';
import { createLogger, type Logger } from '../lib/logger.js';
import { resolveSecrets } from '../config/resolve-secrets.js';

/** What a CLI command gets: config, a migrated database, the services, and an output channel. */
export interface CliContext {
  config: Config;
  db: Database;
  services: Services;
  logger: Logger;
  migrationReport: MigrationReport;
}

/**
 * Opens the database the way the server does. On the embedded database this connects to a running
 * server's socket when there is one, so the CLI works whether or not `serve` holds the data directory.
 * Pending migrations are applied first (idempotent, under the migration lock).
 */
export async function withCliContext<T>(env: NodeJS.ProcessEnv, work: (ctx: CliContext) => Promise<T>): Promise<T> {
  const config = loadConfig(env);
  const logger = createLogger(env.LOG_LEVEL ?? 'warn', process.stderr);
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, maxConnections: 2 });
  try {
    const migrationReport = await migrate(db, readMigrations(defaultMigrationsDir()));
    const secrets = resolveSecrets(config, logger);
    const services = createServices({ config, db, secrets, logger });
    return await work({ config, db, services, logger, migrationReport });
  } finally {
    await db.close();
  }
}
