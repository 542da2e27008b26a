import type { AuditEvent } from '../../audit/audit-event.js';
import type { UserRow } from '../../directory/repositories/user.repository.js';

/** A time as the console shows it: minutes, UTC, no locale guessing. */
export function consoleTime(value: Date | string | null | undefined): string {
  if (value === null || value === undefined) return '';
  const date = typeof value === 'string' ? new Date(value) : value;
  return Number.isNaN(date.getTime()) ? '' : `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The user's state in a word, as the dashboard counts them. */
export function userState(user: Pick<UserRow, 'enabled' | 'status'>): string {
  if (!user.enabled) return 'disabled';
  return user.status === 'confirmed' ? 'active' : user.status === 'reset_required' ? 'password reset required' : 'unconfirmed';
}

/** A user in a result list: the fields a search shows, never hashes or attributes. */
export function presentUserSummary(user: UserRow) {
  return {
    id: user.id,
    label: user.username ?? user.email ?? user.id,
    username: user.username,
    email: user.email,
    state: userState(user),
    created: consoleTime(user.created_at),
  };
}

/** A user's detail page: profile fields by whitelist, the state, whether a password is set (never the hash). */
export function presentUserDetail(user: UserRow) {
  const { profile } = user;
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const name = text(profile.name) || [text(profile.given_name), text(profile.family_name)].filter(Boolean).join(' ');
  return {
    id: user.id,
    label: user.username ?? user.email ?? user.id,
    enabled: user.enabled,
    status: user.status,
    state: userState(user),
    rows: [
      ['User id', user.id],
      ['Username', user.username ?? ''],
      ['Name', name],
      ['E-mail', user.email ? `${user.email} (${user.email_verified ? 'verified' : 'not verified'})` : ''],
      ['Phone', user.phone_number ?? ''],
      ['State', userState(user)],
      ['Password', user.password_hash !== null ? 'set' : 'none'],
      ['Created', consoleTime(user.created_at)],
      ['Last sign-in', user.last_login_at ? consoleTime(user.last_login_at) : 'never'],
    ] as [string, string][],
  };
}

/** An audit event as a table row: its facts, with the details as `key=value` text (they hold no secrets). */
export function presentAuditRow(event: AuditEvent) {
  return {
    id: event.id,
    time: consoleTime(event.occurredAt),
    type: event.type,
    outcome: event.outcome,
    actor: event.actor.id ? `${event.actor.kind} ${event.actor.id}` : event.actor.kind,
    subjectId: event.subjectId,
    clientId: event.clientId ?? '',
    address: event.address ?? '',
    details: Object.entries(event.details).map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`).join(', '),
  };
}
