import type { Database } from '../db/database.js';
import type { AuditEvent, AuditEventInput } from './audit-event.js';
import { recordAudit } from './record-audit.js';
import { countSignInsByHour, latestAuditEventId, deleteAuditEventsBefore, findAuditEvents, rowToAuditEvent, type AuditFilter } from './repositories/audit.repository.js';

/** Only the replica holding this lock purges expired events (arbitrary, fixed). */
const RETENTION_LOCK_ID = 7_256_019;
const PURGE_BATCH = 5000;
const MAX_PURGE_BATCHES = 40;
/** How long an id skipped by a follower is looked for again: a transaction that took an id may commit later. */
const GAP_PATIENCE_MS = 60_000;

export type AuditQuery = Omit<AuditFilter, 'afterId'>;

export interface AuditPage {
  events: AuditEvent[];
  /** Pass as `beforeId` for the next page; null at the end. */
  nextCursor: number | null;
}

export interface AuditService {
  /** Records an event that belongs to no other change (a refused sign-in): its own statement. */
  record(event: AuditEventInput): Promise<void>;
  /** Events newest first, a page at a time (`beforeId` is the cursor: stable while new events arrive). */
  query(filter: AuditQuery): Promise<AuditPage>;
  /** Deletes events older than the retention period (one replica at a time); null when another replica did. */
  purgeExpired(retentionDays: number, now?: Date): Promise<number | null>;
  /**
   * Follows the log: calls `onEvent` for each committed event after `afterId`, oldest first, polling every
   * `intervalMs` until `signal` aborts. Ids are taken at insert and transactions commit in any order, so an id
   * skipped by a read is looked for again for a minute: a slow transaction's event is delivered, once.
   */
  follow(options: { afterId: number; intervalMs?: number; signal: AbortSignal; onEvent: (event: AuditEvent) => void }): Promise<void>;
  /** Sign-ins per hour and outcome since `since` (the console's chart). */
  signInsByHour(since: Date): Promise<{ hour: Date; outcome: 'success' | 'failure'; count: number }[]>;
  /** The newest event's id (where a follower starts), 0 when the log is empty. */
  latestId(): Promise<number>;
}

export function createAuditService(deps: { db: Database }): AuditService {
  const { db } = deps;
  return {
    record: (event) => recordAudit(db, event),

    async query(filter) {
      const rows = await findAuditEvents(db, { ...filter, limit: filter.limit + 1 });
      const events = rows.slice(0, filter.limit).map(rowToAuditEvent);
      return { events, nextCursor: rows.length > filter.limit ? events[events.length - 1]!.id : null };
    },

    async purgeExpired(retentionDays, now = new Date()) {
      const before = new Date(now.getTime() - retentionDays * 86_400_000);
      let total = 0;
      for (let i = 0; i < MAX_PURGE_BATCHES; i += 1) {
        const deleted = await db.transaction(async (tx) => {
          const { rows } = await tx.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [RETENTION_LOCK_ID]);
          if (!rows[0]?.locked) return null;
          return deleteAuditEventsBefore(tx, before, PURGE_BATCH);
        });
        if (deleted === null) return i === 0 ? null : total;
        total += deleted;
        if (deleted < PURGE_BATCH) break;
      }
      return total;
    },

    async follow({ afterId, intervalMs = 1000, signal, onEvent }) {
      let last = afterId;
      // Ids below `last` not yet seen, with when they were first missed.
      const gaps = new Map<number, number>();
      while (!signal.aborted) {
        const rows = await findAuditEvents(db, { afterId: gaps.size ? Math.min(...gaps.keys()) - 1 : last, limit: 1000 });
        const now = Date.now();
        const before = last;
        for (const row of rows) {
          if (row.id <= last && !gaps.has(row.id)) continue;
          gaps.delete(row.id);
          if (row.id > last) {
            for (let missing = last + 1; missing < row.id && gaps.size < 10_000; missing += 1) gaps.set(missing, now);
            last = row.id;
          }
          onEvent(rowToAuditEvent(row));
        }
        for (const [id, since] of gaps) if (now - since > GAP_PATIENCE_MS) gaps.delete(id);
        if (rows.length === 1000 && last > before) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, intervalMs);
          signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
        });
      }
    },

    signInsByHour: (since) => countSignInsByHour(db, since),

    latestId: () => latestAuditEventId(db),
  };
}
