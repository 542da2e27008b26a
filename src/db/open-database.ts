import { createPoolDatabase, type Database } from './database.js';
import { openEmbeddedDatabase } from './embedded.js';

/** Opens Postgres at `databaseUrl`, or the embedded database in `dataDir` when it is null. */
export async function openDatabase(options: { databaseUrl: string | null; dataDir: string; maxConnections?: number; role?: 'server' | 'client' }): Promise<Database> {
  if (options.databaseUrl) {
    const db = createPoolDatabase({ connectionString: options.databaseUrl, max: options.maxConnections ?? 10 }, 'postgres');
    await db.query('SELECT 1');
    return db;
  }
  return openEmbeddedDatabase({ dataDir: options.dataDir, role: options.role ?? 'client', ...(options.maxConnections ? { maxConnections: options.maxConnections } : {}) });
}
