import type { Queryable, StatementChange } from '../../db/database.js';
import type { AuditEvent } from '../audit-event.js';

export interface AuditRow {
  id: number;
  occurred_at: Date;
  type: string;
  outcome: 'success' | 'failure';
  actor_type: string;
  actor_id: string | null;
  subject_id: string | null;
  client_id: string | null;
  address: string | null;
  details: Record<string, unknown>;
}

export interface AuditInsert {
  type: string;
  outcome: 'success' | 'failure';
  actorType: string;
  actorId: string | null;
  subjectId: string | null;
  clientId: string | null;
  address: string | null;
  details: Record<string, unknown>;
}

export async function insertAuditEvent(db: Queryable, event: AuditInsert): Promise<void> {
  await db.query(
    `INSERT INTO audit_events (type, outcome, actor_type, actor_id, subject_id, client_id, address, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)`,
    [event.type, event.outcome, event.actorType, event.actorId, event.subjectId, event.clientId, event.address, JSON.stringify(event.details)],
  );
}

export type { StatementChange } from '../../db/database.js';

/**
 * Runs `changes` and inserts their event in ONE statement (each change a data-modifying WITH, which Postgres
 * always runs to completion): atomic like a transaction, in one round trip instead of four, for hot paths.
 * Each change numbers its parameters from `$1`, as a repository writes it; here they are renumbered to follow
 * the changes before (repository statements hold no `$` but their placeholders).
 */
export async function insertAuditEventWith(db: Queryable, changes: readonly StatementChange[], event: AuditInsert): Promise<void> {
  const params: unknown[] = [];
  const ctes = changes.map((change, i) => {
    const offset = params.length;
    params.push(...change.params);
    const sql = offset === 0 ? change.sql : change.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
    return `${i === 0 ? 'change' : `change_${i + 1}`} AS (${sql})`;
  });
  const n = params.length;
  await db.query(
    `WITH ${ctes.join(', ')}
     INSERT INTO audit_events (type, outcome, actor_type, actor_id, subject_id, client_id, address, details)
     VALUES ($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}, $${n + 6}, $${n + 7}, $${n + 8}::jsonb)`,
    [...params, event.type, event.outcome, event.actorType, event.actorId, event.subjectId, event.clientId, event.address, JSON.stringify(event.details)],
  );
}

/** Many events in one statement (ids and times in array order). */
export async function insertAuditEvents(db: Queryable, events: readonly AuditInsert[]): Promise<void> {
  const column = <T>(pick: (event: AuditInsert) => T) => events.map(pick);
  await db.query(
    `INSERT INTO audit_events (type, outcome, actor_type, actor_id, subject_id, client_id, address, details)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::text[], $7::text[], $8::jsonb[])`,
    [column((e) => e.type), column((e) => e.outcome), column((e) => e.actorType), column((e) => e.actorId), column((e) => e.subjectId),
      column((e) => e.clientId), column((e) => e.address), column((e) => JSON.stringify(e.details))],
  );
}

export interface AuditFilter {
  subjectId?: string | undefined;
  /** Exact type, or a prefix ending in `.` (`password.`). */
  type?: string | undefined;
  outcome?: 'success' | 'failure' | undefined;
  actorId?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
  /** Newest first: events with a smaller id than this (the cursor). */
  beforeId?: number | undefined;
  /** Oldest first: events with a larger id than this (following the log). */
  afterId?: number | undefined;
  limit: number;
}

/** Events by filter; newest first unless following (`afterId`), with every condition a parameter. */
export async function findAuditEvents(db: Queryable, filter: AuditFilter): Promise<AuditRow[]> {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    conditions.push(sql(`$${params.length}`));
  };
  if (filter.subjectId !== undefined) add((p) => `subject_id = ${p}::uuid`, filter.subjectId);
  if (filter.type !== undefined) {
    if (filter.type.endsWith('.')) add((p) => `starts_with(type, ${p})`, filter.type);
    else add((p) => `type = ${p}`, filter.type);
  }
  if (filter.outcome !== undefined) add((p) => `outcome = ${p}`, filter.outcome);
  if (filter.actorId !== undefined) add((p) => `actor_id = ${p}`, filter.actorId);
  if (filter.since !== undefined) add((p) => `occurred_at >= ${p}`, filter.since);
  if (filter.until !== undefined) add((p) => `occurred_at < ${p}`, filter.until);
  if (filter.beforeId !== undefined) add((p) => `id < ${p}`, filter.beforeId);
  if (filter.afterId !== undefined) add((p) => `id > ${p}`, filter.afterId);
  params.push(filter.limit);
  const order = filter.afterId !== undefined ? 'ASC' : 'DESC';
  const { rows } = await db.query<AuditRow>(
    `SELECT id, occurred_at, type, outcome, actor_type, actor_id, subject_id, client_id, address, details
       FROM audit_events ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
      ORDER BY id ${order} LIMIT $${params.length}`,
    params,
  );
  return rows;
}

/** Deletes up to `batch` events older than `before`; returns how many. */
export async function deleteAuditEventsBefore(db: Queryable, before: Date, batch: number): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE occurred_at < $1 ORDER BY id LIMIT $2)`,
    [before, batch],
  );
  return rowCount;
}

/** Sign-in outcomes per hour since `since`, for the console's chart. */
export async function countSignInsByHour(db: Queryable, since: Date): Promise<{ hour: Date; outcome: 'success' | 'failure'; count: number }[]> {
  const { rows } = await db.query<{ hour: Date; outcome: 'success' | 'failure'; count: number }>(
    `SELECT date_trunc('hour', occurred_at) AS hour, outcome, count(*)::int AS count
       FROM audit_events WHERE starts_with(type, 'sign_in.') AND occurred_at >= $1
      GROUP BY 1, 2 ORDER BY 1`,
    [since],
  );
  return rows;
}

export function rowToAuditEvent(row: AuditRow): AuditEvent {
  return {
    id: row.id,
    occurredAt: row.occurred_at,
    type: row.type,
    outcome: row.outcome,
    actor: { kind: row.actor_type, id: row.actor_id },
    subjectId: row.subject_id,
    clientId: row.client_id,
    address: row.address,
    details: row.details,
  };
}

export async function latestAuditEventId(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ id: number | null }>('SELECT max(id) AS id FROM audit_events');
  return rows[0]?.id ?? 0;
}
