import type { Queryable } from '../db/database.js';
import { currentAuditContext } from './audit-context.js';
import type { AuditDetail, AuditEventInput } from './audit-event.js';
import { insertAuditEvent, insertAuditEventWith, insertAuditEvents, type AuditInsert, type StatementChange } from './repositories/audit.repository.js';

const MAX_DETAILS = 20;
const MAX_TEXT = 200;
const MAX_LIST = 50;

// eslint-disable-next-line no-control-regex -- control characters would forge lines in a shipped log
const CONTROL = /[\u0000-\u001f\u007f]/g;
const clean = (text: string) => text.replace(CONTROL, '?').slice(0, MAX_TEXT);

/** Bounded, printable details: an event row never grows with what a caller typed. */
function boundedDetails(details: Readonly<Record<string, AuditDetail>> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details ?? {}).slice(0, MAX_DETAILS)) {
    if (value === undefined) continue;
    out[clean(key)] = typeof value === 'string' ? clean(value) : Array.isArray(value) ? value.slice(0, MAX_LIST).map((v) => clean(String(v))) : value;
  }
  return out;
}

/** The row for `event` under the current audit context. */
function auditRow(event: AuditEventInput): AuditInsert {
  const context = currentAuditContext();
  return {
    type: event.type,
    outcome: event.outcome ?? 'success',
    actorType: context.actor.kind,
    actorId: context.actor.id === null ? null : clean(context.actor.id),
    subjectId: event.subjectId ?? null,
    clientId: event.clientId !== undefined ? event.clientId && clean(event.clientId) : context.clientId && clean(context.clientId),
    address: context.address && clean(context.address).slice(0, 64),
    details: boundedDetails(event.details),
  };
}

/**
 * Records one audit event on `tx`: called inside the transaction of the change it records, so the event
 * commits with the change or not at all. Actor, client and address come from the audit context the edge set
 * for the request (or the CLI for its command); `event.clientId` overrides the context's client.
 */
export async function recordAudit(tx: Queryable, event: AuditEventInput): Promise<void> {
  await insertAuditEvent(tx, auditRow(event));
}

/**
 * Makes a change (one statement, or several that belong to it) and records its event in a single statement
 * (see `insertAuditEventWith`): for hot paths where a transaction's extra round trips show (issuing storage
 * credentials, a password sign-in).
 */
export async function recordAuditWith(db: Queryable, change: StatementChange | readonly StatementChange[], event: AuditEventInput): Promise<void> {
  await insertAuditEventWith(db, 'sql' in change ? [change] : change, auditRow(event));
}

/**
 * Records many events on `tx` in one statement, as {@link recordAudit} records one: for bulk changes (a user
 * import writes hundreds of users in one transaction, one event each).
 */
export async function recordAudits(tx: Queryable, events: readonly AuditEventInput[]): Promise<void> {
  if (events.length > 0) await insertAuditEvents(tx, events.map(auditRow));
}
