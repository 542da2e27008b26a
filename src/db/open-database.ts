import { createPoolDatabase, type Database } from './database.js';
import { openEmbeddedDatabase } from './embedded.js';
import { databaseUnreachable } from '../errors/startup-error.js';

/** Opens Postgres at `databaseUrl`, or the embedded database in `dataDir` when it is null. */
export async function openDatabase(options: { databaseUrl: string | null; dataDir: string; maxConnections?: number; preparedStatements?: boolean; role?: 'server' | 'client'; mayCreate?: boolean; onCreate?: (dataDir: string) => void }): Promise<Database> {
  if (options.databaseUrl) {
    const db = createPoolDatabase({ connectionString: options.databaseUrl, max: options.maxConnections ?? 10 }, 'postgres', { preparedStatements: options.preparedStatements ?? true });
    try {
      await db.query('SELECT 1');
    } catch (error) {
      // The first query is where a wrong host, port, password or database name shows: say which setting.
      await db.close().catch(() => {});
      throw databaseUnreachable(options.databaseUrl, error);
    }
    return db;
  }
  return openEmbeddedDatabase({
    dataDir: options.dataDir, role: options.role ?? 'client',
    ...(options.maxConnections ? { maxConnections: options.maxConnections } : {}),
    ...(options.mayCreate !== undefined ? { mayCreate: options.mayCreate } : {}),
    ...(options.onCreate ? { onCreate: options.onCreate } : {}),
  });
}
