import pg from 'pg';
import { createStatementNames } from './statement-names.js';
import { createNotificationChannel, type NotificationChannel, type NotificationListener } from './notification-channel.js';
export type { NotificationListener } from './notification-channel.js';

/** Something that runs parameterized SQL: the pool, or one client inside a transaction. */
export interface Queryable {
  query<Row extends object = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<QueryResult<Row>>;
}

/**
 * A change as one data-modifying statement (`INSERT …`, `UPDATE …`, `DELETE …`) and its parameters, from its
 * repository, for a caller that runs it together with its own change in one statement (recordAuditWith).
 */
export interface StatementChange {
  sql: string;
  params: readonly unknown[];
}

export interface QueryResult<Row> {
  rows: Row[];
  rowCount: number;
}

/** Connections of a pool: open ones, idle ones among them, and queries waiting for one. */
export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

/** The one database interface the rest of Latchkey sees, whichever Postgres is behind it. */
export interface Database extends Queryable {
  readonly kind: 'postgres' | 'embedded';
  /** The pool's connection counts (for `latchkey_db_pool_connections`); absent where there is no pool. */
  poolStats?(): PoolStats;
  /**
   * Runs `work` in one transaction on one checked-out client (never `pool.query('BEGIN')`, which would run
   * on a random connection). Commits on success, rolls back on any error and rethrows it.
   */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Subscribes to Postgres notifications on `channel` (see notification-channel.ts); returns the unsubscribe
   * function. Absent where other sessions' notifications cannot reach this process: a CLI command attached to
   * the embedded database's socket (the server's database thread holds its notifications, see
   * pglite-listener.ts). Subscribers then read the database each time instead.
   */
  listen?(channel: string, listener: NotificationListener): () => void;
  close(): Promise<void>;
}

/**
 * Whether an error means the database cannot be reached (as opposed to a bad query): refused or dropped
 * connections, timeouts, and Postgres' connection-exception and shutdown SQLSTATEs (classes 08 and 57P).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') {
    return error instanceof Error && /Connection terminated|timeout exceeded when trying to connect/i.test(error.message);
  }
  return ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN'].includes(code) || code.startsWith('08') || code.startsWith('57P');
}

// Postgres returns int8 (count(*), bigserial) as strings by default; every int8 Latchkey reads fits a double.
pg.types.setTypeParser(20, (value) => Number.parseInt(value, 10));

/**
 * The pool's connection settings for the listening connection (the pool's sizing left out), named so that
 * an operator can tell it apart in pg_stat_activity.
 */
function listenerConfig(config: pg.PoolConfig): pg.ClientConfig {
  const { connectionString, host, port, user, password, database, ssl } = config;
  return {
    connectionTimeoutMillis: 5000,
    application_name: 'latchkey-notifications',
    ...(connectionString === undefined ? {} : { connectionString }),
    ...(host === undefined ? {} : { host }),
    ...(port === undefined ? {} : { port }),
    ...(user === undefined ? {} : { user }),
    ...(password === undefined ? {} : { password }),
    ...(database === undefined ? {} : { database }),
    ...(ssl === undefined ? {} : { ssl }),
  };
}

export interface PoolDatabaseOptions {
  /** Runs after the pool ended (the embedded database's thread). */
  onClose?: () => Promise<void>;
  /** The notifications of the database thread this process runs (embedded); Postgres opens its own. */
  channel?: NotificationChannel;
  /**
   * Parameterized statements are prepared once per connection under a name (statement-names.ts). Postgres
   * only, on by default: the embedded database is one backend session that all its connections share, where
   * two connections preparing the same name would collide. Off for a pooler that cannot keep a session's
   * prepared statements (PgBouncer in transaction mode before 1.21, or without max_prepared_statements).
   */
  preparedStatements?: boolean;
  /** How often each connection renews its plans (statement-names.ts); default 10 s. */
  replanAfterMs?: number;
}

/**
 * Wraps a node-postgres pool; used for `DATABASE_URL` and for the embedded database's socket alike. Postgres
 * gets a listening connection of its own; the embedded database passes the channel of the database thread
 * this process runs, if it runs one.
 */
export function createPoolDatabase(config: pg.PoolConfig, kind: Database['kind'], options: PoolDatabaseOptions = {}): Database {
  const { onClose = async () => {}, channel } = options;
  const names = kind === 'postgres' && options.preparedStatements !== false ? createStatementNames(options.replanAfterMs === undefined ? {} : { replanAfterMs: options.replanAfterMs }) : null;
  // Fail fast when the database is unreachable instead of queueing requests forever.
  const pool = new pg.Pool({ connectionTimeoutMillis: 5000, idleTimeoutMillis: 30_000, ...config });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', () => {});
  /**
   * What ended each connection's session, from the moment it opens. A checked-out client has no pool
   * listener, and a new one is handed over while its first packet is still being parsed: a backend ended
   * right after start-up (Postgres stopping) sends its FATAL in the same read as ReadyForQuery, before any
   * caller could listen. Without a listener of its own from 'connect' on, that 'error' is uncaught and takes
   * the process down.
   */
  const endedBy = new WeakMap<pg.PoolClient, Error>();
  pool.on('connect', (client) => {
    client.on('error', (error: Error) => { if (!endedBy.has(client)) endedBy.set(client, error); });
  });
  const notifications = channel ?? (kind === 'postgres' ? createNotificationChannel(listenerConfig(config)) : null);
  let closed = false;
  async function run<Row extends object>(client: pg.PoolClient, text: string, params: readonly unknown[]): Promise<QueryResult<Row>> {
    const name = names?.nameFor(text, params);
    const values = params as unknown[];
    const result = name === undefined ? await client.query<Row>(text, values) : await client.query<Row>({ name, text, values });
    return { rows: result.rows, rowCount: result.rowCount ?? 0 };
  }
  /**
   * Runs `work` on one checked-out connection. A session the server ended (restart, failover,
   * pg_terminate_backend) is known by what ended it (a later statement fails with that, a 503, not "not
   * queryable"), and the client is discarded on release; a statement's own error (a constraint, a refused
   * plan) leaves the session usable, and its prepared statements with it. The connection's plans are renewed
   * when due (statement-names.ts).
   */
  async function withConnection<T>(work: (client: pg.PoolClient, broken: () => Error | undefined) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    const broken = () => endedBy.get(client);
    let failure: unknown;
    try {
      const endedBeforeUse = broken();
      if (endedBeforeUse) throw endedBeforeUse;
      if (names?.replanDue(client)) await client.query('DISCARD PLANS');
      return await work(client, broken);
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      client.release(broken() ?? (isDatabaseUnavailable(failure) ? (failure as Error) : undefined));
    }
  }
  return {
    kind,
    ...(notifications ? { listen: (channel: string, listener: NotificationListener) => notifications.listen(channel, listener) } : {}),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    async query<Row extends object>(text: string, params: readonly unknown[] = []) {
      try {
        return await withConnection((client) => run<Row>(client, text, params));
      } catch (error) {
        // Outside a transaction the statement can run again at once, unnamed.
        if (!names?.refusedPlan(text, error)) throw error;
        return withConnection((client) => run<Row>(client, text, params));
      }
    },
    transaction(work) {
      return withConnection(async (client, broken) => {
        await client.query('BEGIN');
        const tx: Queryable = {
          async query<Row extends object>(text: string, params: readonly unknown[] = []) {
            const ended = broken();
            if (ended) throw ended;
            try {
              return await run<Row>(client, text, params);
            } catch (error) {
              // The transaction is aborted: the caller sees the error, and the next run of the text is unnamed.
              names?.refusedPlan(text, error);
              throw error;
            }
          },
        };
        try {
          const value = await work(tx);
          await client.query('COMMIT');
          return value;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {});
          throw error;
        }
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      await notifications?.close();
      await pool.end();
      await onClose();
    },
  };
}
