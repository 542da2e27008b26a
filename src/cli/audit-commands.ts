import type { Command } from 'commander';
import { AUDIT_EVENT_TYPES, presentAuditEvent, type AuditEvent } from '../audit/audit-event.js';
import type { AuditService } from '../audit/audit-service.js';
import { parseSince } from '../audit/parse-since.js';
import { InvalidRequestError } from '../errors/app-error.js';
import { isUuid } from '../lib/uuid.js';
import { withCliContext } from './cli-context.js';
import { table } from './output.js';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 1000;
const TIME_FORMS = 'a duration back from now (90s, 30m, 1h, 2d, 2w) or an ISO 8601 time (2026-01-31 or 2026-01-31T12:00:00Z)';

interface AuditOptions {
  user?: string;
  type?: string;
  since?: string;
  until?: string;
  outcome?: string;
  limit?: string;
  after?: string;
  follow: boolean;
}

/** The filters, checked before the database is opened: a typo is told at once, never answered with no events. */
interface AuditFilters {
  type: string | undefined;
  outcome: 'success' | 'failure' | undefined;
  since: Date | undefined;
  until: Date | undefined;
  limit: number;
  after: number | undefined;
}

function timeOption(name: string, text: string | undefined, now: Date): Date | undefined {
  if (text === undefined) return undefined;
  const time = parseSince(text, now);
  if (!time) throw new InvalidRequestError(`--${name} "${text.slice(0, 64)}" is not a time: use ${TIME_FORMS}`, [{ path: name, message: `expected ${TIME_FORMS}` }]);
  return time;
}

function wholeNumber(name: string, text: string, min: number, max: number): number {
  const value = /^\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new InvalidRequestError(`--${name} must be a whole number from ${min} to ${max}, not "${text.slice(0, 32)}"`);
  return value;
}

function readFilters(o: AuditOptions, now: Date): AuditFilters {
  if (o.type !== undefined && !AUDIT_EVENT_TYPES.some((type) => type === o.type || (o.type!.endsWith('.') && type.startsWith(o.type!)))) {
    throw new InvalidRequestError(`--type "${o.type.slice(0, 64)}" is not an event type; use one (sign_in.password) or a prefix ending in a dot (sign_in.): ${[...new Set(AUDIT_EVENT_TYPES.map((t) => `${t.split('.')[0]}.`))].join(' ')}`);
  }
  if (o.outcome !== undefined && o.outcome !== 'success' && o.outcome !== 'failure') throw new InvalidRequestError(`--outcome must be success or failure, not "${o.outcome.slice(0, 32)}"`);
  if (o.follow && (o.since !== undefined || o.until !== undefined || o.limit !== undefined)) {
    throw new InvalidRequestError('--follow streams events as they are committed: combine it with --user, --type, --outcome and --after, not with --since, --until or --limit');
  }
  if (!o.follow && o.after !== undefined) throw new InvalidRequestError('--after resumes a --follow stream: use it with --follow');
  const since = timeOption('since', o.since, now);
  const until = timeOption('until', o.until, now);
  if (since && until && since >= until) throw new InvalidRequestError('--since must be before --until');
  return {
    type: o.type,
    outcome: o.outcome,
    since,
    until,
    limit: o.limit === undefined ? DEFAULT_LIMIT : wholeNumber('limit', o.limit, 1, MAX_LIMIT),
    after: o.after === undefined ? undefined : wholeNumber('after', o.after, 0, Number.MAX_SAFE_INTEGER),
  };
}

/** An event's details as `key=value` pairs for the table (lists comma-separated). */
function detailText(details: Record<string, unknown>): string {
  return Object.entries(details).map(([key, value]) => `${key}=${Array.isArray(value) ? value.join(',') : String(value)}`).join(' ');
}

function humanTable(events: readonly AuditEvent[]): string {
  return table(['ID', 'TIME', 'TYPE', 'OUTCOME', 'ACTOR', 'SUBJECT', 'CLIENT', 'ADDRESS', 'DETAILS'], events.map((e) => [
    String(e.id), e.occurredAt.toISOString(), e.type, e.outcome, e.actor.id ? `${e.actor.kind}:${e.actor.id}` : e.actor.kind,
    e.subjectId ?? '', e.clientId ?? '', e.address ?? '', detailText(e.details),
  ]));
}

const jsonLine = (event: AuditEvent) => `${JSON.stringify(presentAuditEvent(event))}\n`;

/**
 * `latchkey audit`: the audit log for operators. Newest first as a table, or `--json` as JSON lines (one event
 * per line, the admin API's shape); `--follow` streams each event as a JSON line as it commits, until SIGINT or
 * SIGTERM, for a log shipper (`--after ID` resumes after the last line it stored).
 */
export function registerAuditCommands(program: Command, env: NodeJS.ProcessEnv): void {
  program.command('audit')
    .description('show the audit log, newest first: sign-ins, account and admin changes, credentials issued and revoked')
    .option('--user <user>', 'events about this user (id, username or e-mail; a deleted user by id)')
    .option('--type <type>', 'one event type (user.disabled) or a prefix ending in a dot (sign_in.)')
    .option('--since <time>', `events at or after this time: ${TIME_FORMS}`)
    .option('--until <time>', 'events before this time (same forms as --since)')
    .option('--outcome <outcome>', 'success | failure')
    .option('--limit <n>', `at most this many events (1-${MAX_LIMIT}, default ${DEFAULT_LIMIT})`)
    .option('--follow', 'print new events as JSON lines as they are committed, until interrupted (for a log shipper)', false)
    .option('--after <id>', 'with --follow: start after this event id (the last one already stored), not at the newest')
    .action(async (o: AuditOptions) => {
      const filters = readFilters(o, new Date());
      await withCliContext(env, async ({ services }) => {
        // A UUID is taken as it is, so the events of a deleted user can still be read.
        const subjectId = o.user === undefined ? undefined : isUuid(o.user.toLowerCase()) ? o.user.toLowerCase() : (await services.users.resolve(o.user)).id;
        if (o.follow) {
          await follow(services.audit, { subjectId, type: filters.type, outcome: filters.outcome, after: filters.after ?? await services.audit.latestId() });
          return;
        }
        const page = await services.audit.query({ subjectId, type: filters.type, outcome: filters.outcome, since: filters.since, until: filters.until, limit: filters.limit });
        if (program.opts().json) {
          process.stdout.write(page.events.map(jsonLine).join(''));
        } else {
          process.stdout.write(`${humanTable(page.events)}\n`);
          if (page.nextCursor !== null) process.stdout.write(`(the ${filters.limit} newest shown; narrow with --since or --type, or raise --limit)\n`);
        }
      });
    });
}

/** Streams matching events as JSON lines until SIGINT or SIGTERM, which end it cleanly (exit 0). */
async function follow(
  audit: Pick<AuditService, 'follow'>,
  filter: { subjectId: string | undefined; type: string | undefined; outcome: 'success' | 'failure' | undefined; after: number },
): Promise<void> {
  const stop = new AbortController();
  const end = () => stop.abort();
  process.once('SIGINT', end);
  process.once('SIGTERM', end);
  const matches = (event: AuditEvent) => (filter.subjectId === undefined || event.subjectId === filter.subjectId)
    && (filter.outcome === undefined || event.outcome === filter.outcome)
    && (filter.type === undefined || (filter.type.endsWith('.') ? event.type.startsWith(filter.type) : event.type === filter.type));
  try {
    await audit.follow({ afterId: filter.after, signal: stop.signal, onEvent: (event) => { if (matches(event)) process.stdout.write(jsonLine(event)); } });
  } finally {
    process.off('SIGINT', end);
    process.off('SIGTERM', end);
  }
}
