import { createServices, type Services } from '../services.js';
import { loadConfig, type Config } from '../config/load-config.js';
import type { Database } from '../db/database.js';
import { defaultMigrationsDir, migrate, migrationStatus, readMigrations, type MigrationReport } from '../db/migrate.js';
import { openDatabase } from '../db/open-database.js';
import { MigrationsPendingError } from '../errors/migrations-pending-error.js';
import { createLogger, type Logger } from '../lib/logger.js';
import { resolveSecrets } from '../config/resolve-secrets.js';
import { userInfo } from 'node:os';
import { withAuditContext } from '../audit/audit-context.js';

/** What a CLI command gets: config, a database at least as new as this build needs, the services, a logger. */
export interface CliContext {
  config: Config;
  db: Database;
  services: Services;
  /** The secrets the services were built with (LATCHKEY_SECRET, or the data directory's), for building more over a transaction. */
  secrets: readonly string[];
  logger: Logger;
  /** What `migrate` applied; for every other command `applied` is empty (they never change the schema). */
  migrationReport: MigrationReport;
}

export interface CliContextOptions {
  /** Apply pending migrations first: `latchkey migrate` only. Every other command refuses to run instead. */
  applyMigrations?: boolean;
}

/**
 * Opens the database the way the server does. On the embedded database this connects to a running
 * server's socket when there is one, so the CLI works whether or not `serve` holds the data directory.
 * Only `migrate` (with `applyMigrations`) changes the schema; any other command on a database that lacks
 * one of this build's migrations stops with MigrationsPendingError and leaves the database untouched.
 * A newer schema (a newer Latchkey migrated it) is fine: migrations are additive.
 */
export async function withCliContext<T>(env: NodeJS.ProcessEnv, work: (ctx: CliContext) => Promise<T>, options: CliContextOptions = {}): Promise<T> {
  const config = loadConfig(env);
  const logger = createLogger(env.LOG_LEVEL ?? 'warn', process.stderr);
  // Only `migrate` may create the embedded database, and it says where: a command run from the wrong folder
  // (or with the wrong LATCHKEY_DATA_DIR) stops instead of working on a new, empty database.
  const db = await openDatabase({
    databaseUrl: config.databaseUrl, dataDir: config.dataDir, preparedStatements: config.dbPreparedStatements, maxConnections: 2, mayCreate: options.applyMigrations === true,
    onCreate: (dir) => process.stderr.write(`latchkey: creating a new embedded database in ${dir}\n`),
  });
  try {
    const migrations = readMigrations(defaultMigrationsDir());
    let migrationReport: MigrationReport;
    if (options.applyMigrations) {
      migrationReport = await migrate(db, migrations);
    } else {
      const status = await migrationStatus(db, migrations);
      if (status.pending.length > 0) throw new MigrationsPendingError(status.pending.map((m) => `${m.version}_${m.name}`));
      migrationReport = { applied: [], alreadyApplied: migrations.length + status.newer.length, newer: status.newer };
    }
    if (migrationReport.newer.length > 0) logger.info({ newer: migrationReport.newer }, 'the database holds migrations from a newer Latchkey');
    const secrets = resolveSecrets(config, logger);
    const services = createServices({ config, db, secrets, logger });
    // Every change a command makes is audited as the command line's, under the operating-system account.
    return await withAuditContext({ actor: { kind: 'cli', id: cliOperator() }, clientId: null, address: null }, () => work({ config, db, services, secrets, logger, migrationReport }));
  } finally {
    await db.close();
  }
}

/** The operating-system account running the command, for the audit log (null when it cannot be read). */
function cliOperator(): string | null {
  try {
    return userInfo().username;
  } catch {
    return null;
  }
}
