/**
 * A condition that turns `synchronous_commit` off for the current transaction only and is always true
 * (PostgreSQL manual §28.4, "Asynchronous Commit"): the statement's transaction then commits without waiting
 * for its WAL to reach the disk. Other sessions see the change at commit as usual; a database crash (not a
 * Latchkey crash) can lose the last few hundred milliseconds of such commits (at most three times
 * `wal_writer_delay`). The flush is most of what a small commit costs (0.3 to 5 ms on common disks, against
 * 0.1 ms without), so it is spared where losing the change is harmless or the change's durable part committed
 * before. Such a statement runs in a transaction of its own, never in one with changes that must be durable.
 */
export const ASYNC_COMMIT = `set_config('synchronous_commit', 'off', true) = 'off'`;
