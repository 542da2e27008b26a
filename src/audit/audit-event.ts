/**
 * The catalogue of audit event types. Stable: log shippers, the console's filters and alert rules key on
 * them. A type is `<what>.<happened>`; failures of the same action share its type with outcome `failure`.
 */
export const AUDIT_EVENT_TYPES = [
  // Sign-in and self-service (the hosted pages, the account page, the Cognito API)
  'sign_in.password', 'sign_in.passkey', 'sign_in.federated', 'sign_in.second_factor',
  'sign_up.created', 'email.verified', 'email.changed',
  'password.changed', 'password.reset', 'password.set', 'password.reset_required',
  'mfa.enrolled', 'mfa.disabled', 'mfa.reset', 'mfa.recovery_codes_regenerated',
  'passkey.added', 'passkey.removed',
  'federation.linked', 'federation.unlinked',
  // The directory
  'user.created', 'user.updated', 'user.enabled', 'user.disabled', 'user.deleted', 'user.signed_out', 'user.imported',
  'group.created', 'group.updated', 'group.deleted', 'group.member_added', 'group.member_removed',
  'attribute.added', 'attribute.changed', 'attribute.removed',
  'pool.settings_changed', 'admin.granted', 'admin.revoked',
  // The hosted pages' theme and the mail templates stored by the declarative configuration
  'theme.updated', 'mail_template.updated', 'mail_template.removed',
  // The admin API: reads (changes are recorded as the events above, with an admin or client actor) and refusals
  'admin.read', 'admin.denied',
  // Clients, keys, upstream providers
  'client.created', 'client.updated', 'client.deleted', 'client.secret_rotated', 'client.aws_key_issued',
  'key.rotated', 'provider.added', 'provider.updated', 'provider.removed', 'provider.rule_changed',
  // The identity pool
  'role.created', 'role.updated', 'role.deleted', 'role.rules_changed',
  'credentials.issued', 'credentials.revoked',
  // App sessions ended by the user (the account page) or an administrator
  'grant.revoked',
  // A declarative configuration file applied (its changes are recorded as the events above, in its transaction)
  'config.applied',
] as const;

export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/** A detail value: short, non-secret facts only (a name, a count, a reason code). */
export type AuditDetail = string | number | boolean | null | readonly string[];

/** One event as the domain records it; actor, client and address come from the audit context. */
export interface AuditEventInput {
  type: AuditEventType;
  outcome?: 'success' | 'failure';
  /** The user the event is about. */
  subjectId?: string | null;
  /** Overrides the context's client (a token issued to this client, an event about this client). */
  clientId?: string | null;
  details?: Readonly<Record<string, AuditDetail>>;
}

/** One event as stored and as it leaves the server (admin API, CLI, console, the JSON-lines stream). */
export interface AuditEvent {
  id: number;
  occurredAt: Date;
  type: string;
  outcome: 'success' | 'failure';
  actor: { kind: string; id: string | null };
  subjectId: string | null;
  clientId: string | null;
  address: string | null;
  details: Record<string, unknown>;
}

/** The event in its published JSON form (snake_case, ISO time): one line of `latchkey audit --json`. */
export function presentAuditEvent(event: AuditEvent): Record<string, unknown> {
  return {
    id: event.id,
    time: event.occurredAt.toISOString(),
    type: event.type,
    outcome: event.outcome,
    actor: { type: event.actor.kind, id: event.actor.id },
    subject: event.subjectId,
    client_id: event.clientId,
    address: event.address,
    details: event.details,
  };
}
