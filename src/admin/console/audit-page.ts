import type { Context } from 'koa';
import { AUDIT_EVENT_TYPES } from '../../audit/audit-event.js';
import { NotFoundError } from '../../errors/app-error.js';
import type { WithInput } from '../../http/validate.js';
import type { Services } from '../../services.js';
import type { WithMember } from './console-member.js';
import { presentAuditRow } from './console-presenters.js';
import type { ConsoleView } from './console-view.js';
import type { AuditSearchInput } from './console.schema.js';

const PAGE_SIZE = 50;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A date or `datetime-local` value read as UTC (the console shows every time in UTC). */
function utcTime(value: string | undefined): Date | undefined | null {
  if (value === undefined) return undefined;
  const match = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}))?$/.exec(value);
  if (!match) return null;
  const date = new Date(`${match[1]}T${match[2] ?? '00:00'}:00Z`);
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * GET /admin/audit: the log newest first, filtered by user (id, username or e-mail), type (exact or a
 * `prefix.`), outcome (success or failure) and a UTC time range, 50 events a page with a stable cursor (new events never shift a page).
 */
export function auditPage(deps: { services: Pick<Services, 'audit' | 'users'>; view: ConsoleView }) {
  const { services, view } = deps;
  return async function showAuditLog(ctx: Context & WithMember & WithInput<AuditSearchInput>): Promise<void> {
    const { user, type, outcome, since, until, before } = ctx.input;
    const fieldErrors: Record<string, string> = {};
    const sinceDate = utcTime(since);
    const untilDate = utcTime(until);
    if (sinceDate === null) fieldErrors.since = 'Enter a date as YYYY-MM-DD, with a time if you like (UTC).';
    if (untilDate === null) fieldErrors.until = 'Enter a date as YYYY-MM-DD, with a time if you like (UTC).';
    let subjectId: string | undefined;
    if (user !== undefined) {
      if (UUID.test(user)) subjectId = user.toLowerCase();
      else {
        try {
          subjectId = (await services.users.resolve(user)).id;
        } catch (error) {
          if (!(error instanceof NotFoundError)) throw error;
          fieldErrors.user = 'No user has this username or e-mail address.';
        }
      }
    }
    const failed = Object.keys(fieldErrors).length > 0;
    const page = failed ? { events: [], nextCursor: null } : await services.audit.query({
      subjectId, type, outcome, since: sinceDate ?? undefined, until: untilDate ?? undefined, beforeId: before, limit: PAGE_SIZE,
    });
    const filters = { ...(user ? { user } : {}), ...(type ? { type } : {}), ...(outcome ? { outcome } : {}), ...(since ? { since } : {}), ...(until ? { until } : {}) };
    view.render(ctx, 'audit.njk', {
      title: 'Audit log',
      section: '/admin/audit',
      ...(failed ? { error: 'Some filters are not valid; no events are shown.' } : {}),
      filters: { user: user ?? '', type: type ?? '', outcome: outcome ?? '', since: since ?? '', until: until ?? '' },
      fieldErrors,
      types: AUDIT_EVENT_TYPES,
      continued: before !== undefined,
      events: page.events.map(presentAuditRow),
      next: page.nextCursor !== null ? `/admin/audit?${new URLSearchParams({ ...filters, before: String(page.nextCursor) }).toString()}` : null,
      first: before !== undefined ? `/admin/audit?${new URLSearchParams(filters).toString()}` : null,
    }, failed ? 400 : 200);
  };
}
