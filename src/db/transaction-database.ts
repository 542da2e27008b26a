import type { Database, Queryable } from './database.js';

/**
 * A Database whose every statement runs in the open transaction `tx`, and whose `transaction` is a savepoint
 * inside it. Services built over it (they take a Database and open their own transactions) then all commit
 * or roll back together with `tx`: declarative configuration applies a whole file this way, each change still
 * made, checked and audited by its own service.
 *
 * Nested work runs one at a time, as the services do it (each awaits its transaction); savepoint names are
 * numbered, so a savepoint opened inside another is released or rolled back before the outer one.
 */
export function transactionDatabase(tx: Queryable, kind: Database['kind']): Database {
  let opened = 0;
  const database: Database = {
    kind,
    query: (text, params) => tx.query(text, params),
    async transaction(work) {
      // The name is a constant prefix and a counter: no input ever reaches the statement.
      const savepoint = `nested_${++opened}`;
      await tx.query(`SAVEPOINT ${savepoint}`);
      try {
        const value = await work(database);
        await tx.query(`RELEASE SAVEPOINT ${savepoint}`);
        return value;
      } catch (error) {
        await tx.query(`ROLLBACK TO SAVEPOINT ${savepoint}`).catch(() => {});
        throw error;
      }
    },
    // The transaction belongs to whoever opened it: they commit and release the connection.
    close: async () => {},
  };
  return database;
}
