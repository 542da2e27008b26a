import pg from 'pg';

/** What `work` added to a database, per unit of work (a session); see `measureDatabaseGrowth`. */
export interface DatabaseGrowth {
  /** Growth of the compacted database: live rows, their indexes and TOAST. */
  compactedPerUnit: number;
  /** The compacted growth once the rows that expire soon after the work (`expireTransient`) are gone. */
  heldPerUnit?: number;
  /** Growth of the database as it stands: also the dead rows and free space that autovacuum has not reused yet. */
  rawPerUnit: number;
  /** The compacted growth per unit by table (its indexes and TOAST included), largest first. */
  byTable: { table: string; perUnit: number }[];
}

/**
 * Runs `work` (which creates `units` sessions) and measures the database's growth. The raw growth of
 * `pg_database_size` counts the dead rows that the flow's own updates leave (a code consumed, an interaction
 * ended, a login recorded) until autovacuum reuses their space, so it varies with autovacuum's timing from one
 * run to the next. The compacted figure (`VACUUM FULL` before and after, which rewrites every table with its
 * live rows only) is what the sessions occupy once that space is reused: the steady-state cost.
 */
export async function measureDatabaseGrowth(
  databaseUrl: string, units: number, work: () => Promise<void>,
  /**
   * Deletes what the work left that the target's own periodic cleanup removes minutes later (spent codes,
   * throttle windows), given the database clock's time before the work started.
   */
  expireTransient?: (client: pg.Client, startedAt: Date) => Promise<void>,
): Promise<DatabaseGrowth> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const databaseSize = async () => Number((await client.query<{ bytes: string }>('SELECT pg_database_size(current_database())::text AS bytes')).rows[0]!.bytes);
    const compact = async () => {
      await client.query('VACUUM FULL');
      await client.query('CHECKPOINT');
      return { total: await databaseSize(), tables: await tableSizes(client) };
    };
    const before = await compact();
    const startedAt = (await client.query<{ now: Date }>('SELECT now()')).rows[0]!.now;
    await work();
    await client.query('CHECKPOINT');
    const raw = await databaseSize();
    const after = await compact();
    const byTable = [...after.tables]
      .map(([table, bytes]) => ({ table, perUnit: (bytes - (before.tables.get(table) ?? 0)) / units }))
      .filter((t) => t.perUnit !== 0)
      .sort((a, b) => b.perUnit - a.perUnit);
    const growth: DatabaseGrowth = { compactedPerUnit: (after.total - before.total) / units, rawPerUnit: (raw - before.total) / units, byTable };
    if (expireTransient) {
      await expireTransient(client, startedAt);
      growth.heldPerUnit = ((await compact()).total - before.total) / units;
    }
    return growth;
  } finally {
    await client.end();
  }
}

/** Each user table's size with its indexes and TOAST. */
async function tableSizes(client: pg.Client): Promise<Map<string, number>> {
  const { rows } = await client.query<{ name: string; bytes: string }>(`
    SELECT c.relname AS name, pg_total_relation_size(c.oid)::text AS bytes
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`);
  return new Map(rows.map((r) => [r.name, Number(r.bytes)]));
}

/** "oidc_models 1,234 B, audit_events 567 B, …": the largest `count` tables of a growth, per unit. */
export function describeByTable(growth: DatabaseGrowth, count = 4): string {
  return growth.byTable.slice(0, count).map((t) => `${t.table} ${Math.round(t.perUnit).toLocaleString('en-US')} B`).join(', ');
}
