import { z } from 'zod';
import type { Services } from '../../../services.js';
import { presentAuditEvent } from '../../../audit/audit-event.js';
import { isUuid } from '../../../lib/uuid.js';
import { InvalidRequestError } from '../../../errors/app-error.js';
import { decodeCursor, encodeCursor, pageLimit, cursorParam } from '../common.schema.js';
import { adminRoute, type AdminRoute } from '../admin-route.js';
import { parseSince } from '../../../audit/parse-since.js';

const auditQuery = z.object({
  user: z.string().min(1).max(254).optional().describe('user id, username or e-mail (a deleted user by id)'),
  type: z.string().max(64).regex(/^[a-z][a-z0-9_.]*$/, 'an event type, or a prefix ending in "."').optional().describe('event type (`user.disabled`) or prefix (`password.`)'),
  outcome: z.enum(['success', 'failure']).optional(),
  since: z.string().max(40).optional().describe('ISO 8601 time, or a duration back from now (`30m`, `1h`, `7d`)'),
  until: z.string().max(40).optional().describe('ISO 8601 time, or a duration back from now'),
  limit: pageLimit,
  cursor: cursorParam,
});

export const auditEventSchema = z.object({
  id: z.number().int(),
  time: z.string(),
  type: z.string(),
  outcome: z.enum(['success', 'failure']),
  actor: z.object({ type: z.string(), id: z.string().nullable() }),
  subject: z.string().nullable(),
  client_id: z.string().nullable(),
  address: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});

const auditPageSchema = z.object({ events: z.array(auditEventSchema), next_cursor: z.string().nullable() });

function timeParam(value: string | undefined, field: string, now: Date): Date | undefined {
  if (value === undefined) return undefined;
  const parsed = parseSince(value, now);
  if (!parsed) throw new InvalidRequestError(`${field}: expected an ISO 8601 time or a duration such as 30m, 1h or 7d`, [{ path: `query.${field}`, message: 'expected an ISO 8601 time or a duration such as 30m, 1h or 7d' }]);
  return parsed;
}

/** Audit events, newest first: by user, type, outcome and time. */
export function auditRoutes(s: Pick<Services, 'audit' | 'users'>): AdminRoute[] {
  return [
    adminRoute({
      method: 'get', path: '/audit-events', operationId: 'listAuditEvents', tag: 'audit', access: 'read', summary: 'Query the audit log (newest first)',
      query: auditQuery, status: 200, response: auditPageSchema, errors: [404],
      async handle({ query }) {
        const now = new Date();
        const subjectId = query.user === undefined ? undefined : isUuid(query.user.toLowerCase()) ? query.user.toLowerCase() : (await s.users.resolve(query.user)).id;
        const [beforeId] = query.cursor ? decodeCursor(query.cursor, ['number']) as [number] : [];
        const page = await s.audit.query({
          subjectId, type: query.type, outcome: query.outcome,
          since: timeParam(query.since, 'since', now), until: timeParam(query.until, 'until', now),
          beforeId, limit: query.limit,
        });
        return { events: page.events.map((e) => presentAuditEvent(e) as z.input<typeof auditEventSchema>), next_cursor: page.nextCursor === null ? null : encodeCursor([page.nextCursor]) };
      },
    }),
  ];
}
