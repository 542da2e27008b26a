import type { Queryable } from '../../../db/database.js';
import type { UserRow } from '../../repositories/user.repository.js';
import type { TransferIdentity } from '../transfer-user.js';

// The same columns, in the same order, as user.repository.ts reads: the rows are UserRow.
const USER_COLUMNS = `id, username, email, email_verified, phone_number, phone_number_verified, status, enabled,
  password_hash, profile, custom_attributes, created_at, updated_at, last_login_at`;

/** The one savepoint an import row runs under (rows of a batch run one after the other, never nested). */
const ROW_SAVEPOINT = 'import_row';

export async function beginRowSavepoint(tx: Queryable): Promise<void> {
  await tx.query(`SAVEPOINT ${ROW_SAVEPOINT}`);
}

export async function releaseRowSavepoint(tx: Queryable): Promise<void> {
  await tx.query(`RELEASE SAVEPOINT ${ROW_SAVEPOINT}`);
}

/** Undoes everything the row wrote; the batch's transaction goes on with the next row. */
export async function rollbackRowSavepoint(tx: Queryable): Promise<void> {
  await tx.query(`ROLLBACK TO SAVEPOINT ${ROW_SAVEPOINT}`);
}

/**
 * The users that rows may name, by id, normalised username or normalised e-mail, locked until the batch's
 * transaction ends (two imports of one file then cannot both create or both update the same user).
 */
export async function lockUsersForImport(tx: Queryable, keys: { ids: readonly string[]; usernames: readonly string[]; emails: readonly string[] }): Promise<UserRow[]> {
  const { rows } = await tx.query<UserRow>(
    `SELECT ${USER_COLUMNS} FROM users
     WHERE id = ANY($1::uuid[]) OR username_normalized = ANY($2::text[]) OR email_normalized = ANY($3::text[])
     ORDER BY id FOR UPDATE`,
    [keys.ids, keys.usernames, keys.emails],
  );
  return rows;
}

/** Every stored column of a user that an import writes. */
export interface ImportedUserColumns {
  username: string | null;
  usernameNormalized: string | null;
  email: string | null;
  emailNormalized: string | null;
  emailVerified: boolean;
  phoneNumber: string | null;
  phoneNumberVerified: boolean;
  status: UserRow['status'];
  enabled: boolean;
  passwordHash: string | null;
  profile: Record<string, unknown>;
  customAttributes: Record<string, unknown>;
}

/** Inserts imported users in one statement (ids chosen by the caller: kept ones, or new random ones). */
export async function insertImportedUsers(tx: Queryable, users: readonly (ImportedUserColumns & { id: string })[]): Promise<void> {
  if (users.length === 0) return;
  const column = <T>(pick: (user: ImportedUserColumns & { id: string }) => T) => users.map(pick);
  await tx.query(
    `INSERT INTO users (id, username, username_normalized, email, email_normalized, email_verified, phone_number,
       phone_number_verified, status, enabled, password_hash, profile, custom_attributes)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[], $7::text[],
       $8::boolean[], $9::text[], $10::boolean[], $11::text[], $12::jsonb[], $13::jsonb[])`,
    [column((u) => u.id), column((u) => u.username), column((u) => u.usernameNormalized), column((u) => u.email), column((u) => u.emailNormalized),
      column((u) => u.emailVerified), column((u) => u.phoneNumber), column((u) => u.phoneNumberVerified), column((u) => u.status), column((u) => u.enabled),
      column((u) => u.passwordHash), column((u) => JSON.stringify(u.profile)), column((u) => JSON.stringify(u.customAttributes))],
  );
}

/** Writes every imported column of an existing user (the caller decided that something differs). */
export async function updateImportedUserById(tx: Queryable, id: string, user: ImportedUserColumns): Promise<void> {
  await tx.query(
    `UPDATE users SET username = $2, username_normalized = $3, email = $4, email_normalized = $5, email_verified = $6,
       phone_number = $7, phone_number_verified = $8, status = $9, enabled = $10, password_hash = $11,
       profile = $12::jsonb, custom_attributes = $13::jsonb, updated_at = now()
     WHERE id = $1`,
    [id, user.username, user.usernameNormalized, user.email, user.emailNormalized, user.emailVerified, user.phoneNumber,
      user.phoneNumberVerified, user.status, user.enabled, user.passwordHash, JSON.stringify(user.profile), JSON.stringify(user.customAttributes)],
  );
}

/** Group ids by name, for the names that exist. */
export async function findGroupIdsByNames(tx: Queryable, names: readonly string[]): Promise<Map<string, string>> {
  const { rows } = await tx.query<{ id: string; name: string }>('SELECT id, name FROM groups WHERE name = ANY($1::text[])', [names]);
  return new Map(rows.map((row) => [row.name, row.id]));
}

/** Creates the groups that do not exist (defaults: no description, precedence 0, no role); returns those it created. */
export async function insertGroupsIfAbsent(tx: Queryable, names: readonly string[]): Promise<Map<string, string>> {
  const { rows } = await tx.query<{ id: string; name: string }>(
    'INSERT INTO groups (name) SELECT unnest($1::text[]) ON CONFLICT (name) DO NOTHING RETURNING id, name',
    [names],
  );
  return new Map(rows.map((row) => [row.name, row.id]));
}

/** Memberships of the given users, with whether a federation rule granted them. */
export async function listMembershipsByUserIds(tx: Queryable, userIds: readonly string[]): Promise<{ userId: string; groupId: string; name: string; byRule: boolean }[]> {
  const { rows } = await tx.query<{ user_id: string; group_id: string; name: string; by_rule: boolean }>(
    `SELECT m.user_id, m.group_id, g.name, m.granted_by_provider IS NOT NULL AS by_rule
     FROM group_members m JOIN groups g ON g.id = m.group_id WHERE m.user_id = ANY($1::uuid[])`,
    [userIds],
  );
  return rows.map((row) => ({ userId: row.user_id, groupId: row.group_id, name: row.name, byRule: row.by_rule }));
}

/** Adds hand-granted memberships; one that exists (of either kind) stays as it is. */
export async function insertMemberships(tx: Queryable, memberships: readonly { groupId: string; userId: string }[]): Promise<void> {
  if (memberships.length === 0) return;
  await tx.query(
    'INSERT INTO group_members (group_id, user_id) SELECT * FROM unnest($1::uuid[], $2::uuid[]) ON CONFLICT DO NOTHING',
    [memberships.map((m) => m.groupId), memberships.map((m) => m.userId)],
  );
}

export async function deleteMembership(tx: Queryable, groupId: string, userId: string): Promise<void> {
  await tx.query('DELETE FROM group_members WHERE group_id = $1 AND user_id = $2', [groupId, userId]);
}

/** The given users' linked identities. */
export async function listIdentitiesByUserIds(tx: Queryable, userIds: readonly string[]): Promise<(Required<TransferIdentity> & { userId: string })[]> {
  const { rows } = await tx.query<Required<TransferIdentity> & { user_id: string }>(
    'SELECT user_id, provider, issuer, subject FROM federated_identities WHERE user_id = ANY($1::uuid[])',
    [userIds],
  );
  return rows.map(({ user_id: userId, provider, issuer, subject }) => ({ userId, provider, issuer, subject }));
}

/** The key of an identity in {@link findIdentityOwners}' answer. */
export function identityKey(identity: { issuer: string; subject: string }): string {
  return JSON.stringify([identity.issuer, identity.subject]);
}

/** The users the given identities are linked to, by {@link identityKey}; unlinked ones are absent. */
export async function findIdentityOwners(tx: Queryable, identities: readonly { issuer: string; subject: string }[]): Promise<Map<string, string>> {
  const { rows } = await tx.query<{ user_id: string; issuer: string; subject: string }>(
    `SELECT f.user_id, f.issuer, f.subject FROM federated_identities f
     JOIN unnest($1::text[], $2::text[]) AS wanted (issuer, subject) ON f.issuer = wanted.issuer AND f.subject = wanted.subject`,
    [identities.map((i) => i.issuer), identities.map((i) => i.subject)],
  );
  return new Map(rows.map((row) => [identityKey(row), row.user_id]));
}

/**
 * Links imported identities in one statement. No ON CONFLICT: the caller checked, so a conflict is a
 * concurrent link, and the unique violation sends the row (or the batch) to the careful path.
 */
export async function insertImportedIdentities(tx: Queryable, identities: readonly (Required<TransferIdentity> & { userId: string })[]): Promise<void> {
  if (identities.length === 0) return;
  await tx.query(
    'INSERT INTO federated_identities (user_id, provider, issuer, subject) SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[])',
    [identities.map((i) => i.userId), identities.map((i) => i.provider), identities.map((i) => i.issuer), identities.map((i) => i.subject)],
  );
}

/** A user with what an export writes beside the row. */
export interface ExportedUser {
  user: UserRow;
  groups: string[];
  identities: TransferIdentity[];
  /** A confirmed TOTP authenticator (written for information; a second factor is never imported). */
  mfaEnabled: boolean;
}

/**
 * One page of users in creation order after `after`, with their groups (precedence order), identities and
 * second-factor flag: four queries per page whatever its size.
 */
export async function listExportPage(db: Queryable, limit: number, after: ExportCursor | null): Promise<{ users: (ExportedUser & { identities: Required<TransferIdentity>[] })[]; next: ExportCursor | null }> {
  // The cursor carries created_at as Postgres prints it: a Date keeps milliseconds only, and the users
  // created in one transaction share a timestamp with microseconds, so a Date cursor would repeat them.
  const { rows: users } = await db.query<UserRow & { cursor_at: string }>(
    `SELECT ${USER_COLUMNS}, created_at::text AS cursor_at FROM users
     WHERE ($2::timestamptz IS NULL OR (created_at, id) > ($2::timestamptz, $3::uuid))
     ORDER BY created_at, id LIMIT $1`,
    [limit, after?.createdAt ?? null, after?.id ?? null],
  );
  const last = users[users.length - 1];
  return { users: await withLinks(db, users), next: last ? { createdAt: last.cursor_at, id: last.id } : null };
}

/** Where the next export page starts: the last user's creation time (as Postgres prints it) and id. */
export interface ExportCursor {
  createdAt: string;
  id: string;
}

async function withLinks(db: Queryable, users: readonly UserRow[]): Promise<(ExportedUser & { identities: Required<TransferIdentity>[] })[]> {
  const ids = users.map((user) => user.id);
  if (ids.length === 0) return [];
  const { rows: groups } = await db.query<{ user_id: string; name: string }>(
    `SELECT m.user_id, g.name FROM group_members m JOIN groups g ON g.id = m.group_id
     WHERE m.user_id = ANY($1::uuid[]) ORDER BY g.precedence, g.name`,
    [ids],
  );
  const { rows: identities } = await db.query<Required<TransferIdentity> & { user_id: string }>(
    'SELECT user_id, provider, issuer, subject FROM federated_identities WHERE user_id = ANY($1::uuid[]) ORDER BY provider',
    [ids],
  );
  const { rows: mfa } = await db.query<{ user_id: string }>('SELECT user_id FROM mfa_totp WHERE user_id = ANY($1::uuid[]) AND confirmed_at IS NOT NULL', [ids]);
  const withMfa = new Set(mfa.map((row) => row.user_id));
  const groupsOf = new Map<string, string[]>();
  for (const row of groups) groupsOf.set(row.user_id, [...(groupsOf.get(row.user_id) ?? []), row.name]);
  const identitiesOf = new Map<string, Required<TransferIdentity>[]>();
  for (const { user_id: userId, provider, issuer, subject } of identities) identitiesOf.set(userId, [...(identitiesOf.get(userId) ?? []), { provider, issuer, subject }]);
  return users.map(({ cursor_at: _cursor, ...user }: UserRow & { cursor_at?: string }) => ({ user, groups: groupsOf.get(user.id) ?? [], identities: identitiesOf.get(user.id) ?? [], mfaEnabled: withMfa.has(user.id) }));
}
