import type { AttributeDefinitionRow } from '../repositories/attribute.repository.js';
import type { UserRow } from '../repositories/user.repository.js';
import type { ImportedUserColumns } from './repositories/user-transfer.repository.js';
import { RowRejection, type TransferIdentity } from './transfer-user.js';
import type { ValidRecord } from './validate-record.js';

/**
 * What an imported row means for the user it names, decided without the database: the same rules for the
 * batch path and the row-by-row path of the import (see import-users.ts).
 */

/** The user a row names among the users its id, username and e-mail found. */
export function pickTarget(valid: ValidRecord, found: readonly UserRow[]): UserRow | undefined {
  const rows = found.filter((row) => row.id === valid.id || (valid.username && normalized(row.username) === valid.username.normalized) || (valid.email && normalized(row.email) === valid.email.normalized));
  if (valid.id) {
    const byId = rows.find((row) => row.id === valid.id);
    if (rows.some((row) => row.id !== valid.id)) {
      throw new RowRejection(byId ? 'the username or e-mail belongs to another user' : 'the username or e-mail belongs to a user with another id');
    }
    return byId;
  }
  if (rows.length > 1) throw new RowRejection('the username and the e-mail belong to different users');
  return rows[0];
}

/** The columns of a new user. Without a password hash or an identity the user must reset first (as Cognito does). */
export function newColumns(valid: ValidRecord, definitions: readonly AttributeDefinitionRow[]): ImportedUserColumns {
  const { record } = valid;
  const missing = definitions.find((definition) => definition.required && !(definition.name in valid.customSet));
  if (missing) throw new RowRejection(`custom:${missing.name}: is required`);
  const passwordHash = record.passwordHash ?? null;
  const signsIn = passwordHash !== null || (valid.identities?.length ?? 0) > 0;
  return {
    username: valid.username?.value ?? null,
    usernameNormalized: valid.username?.normalized ?? null,
    email: valid.email?.value ?? null,
    emailNormalized: valid.email?.normalized ?? null,
    emailVerified: record.emailVerified ?? false,
    phoneNumber: record.phoneNumber ?? null,
    phoneNumberVerified: record.phoneNumberVerified ?? false,
    status: signsIn ? (record.status ?? 'confirmed') : 'reset_required',
    enabled: record.enabled ?? true,
    passwordHash,
    profile: valid.profileSet,
    customAttributes: valid.customSet,
  };
}

/**
 * The columns of an existing user after the row: given fields replace, absent ones stay. A password the
 * user already has is never replaced (it may be newer than the file: changed here, or upgraded at
 * sign-in); `user set-password` does that.
 */
export function updatedColumns(user: UserRow, valid: ValidRecord, definitions: readonly AttributeDefinitionRow[]): ImportedUserColumns {
  const { record } = valid;
  const custom: Record<string, unknown> = { ...user.custom_attributes };
  for (const definition of definitions) {
    const name = definition.name;
    const removing = valid.customRemove.includes(name);
    if (!removing && !(name in valid.customSet)) continue;
    const next = valid.customSet[name];
    if (!definition.mutable && name in custom && (removing || custom[name] !== next)) throw new RowRejection(`custom:${name}: is immutable and already has a value`);
    if (removing && definition.required) throw new RowRejection(`custom:${name}: is required`);
    if (removing) delete custom[name];
    else custom[name] = next;
  }
  const profile: Record<string, unknown> = { ...user.profile, ...valid.profileSet };
  for (const claim of valid.profileRemove) delete profile[claim];
  const emailChanged = valid.email !== null && valid.email.normalized !== normalized(user.email);
  const phoneNumber = record.phoneNumber === undefined ? user.phone_number : record.phoneNumber;
  return {
    username: valid.username?.value ?? user.username,
    usernameNormalized: valid.username?.normalized ?? normalized(user.username),
    email: valid.email?.value ?? user.email,
    emailNormalized: valid.email?.normalized ?? normalized(user.email),
    emailVerified: record.emailVerified ?? (emailChanged ? false : user.email_verified),
    phoneNumber,
    phoneNumberVerified: record.phoneNumberVerified ?? (phoneNumber !== user.phone_number ? false : user.phone_number_verified),
    status: record.status ?? user.status,
    enabled: record.enabled ?? user.enabled,
    passwordHash: user.password_hash ?? record.passwordHash ?? null,
    profile,
    customAttributes: custom,
  };
}

function normalized(value: string | null): string | null {
  return value === null ? null : value.normalize('NFKC').trim().toLowerCase();
}

/** Key order does not matter in jsonb: compare sorted entries. */
function sameObject(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const entries = (o: Record<string, unknown>) => JSON.stringify(Object.entries(o).sort(([x], [y]) => (x < y ? -1 : 1)));
  return entries(a) === entries(b);
}

/** The names of the columns that differ (for the audit event: what changed, never to what). */
export function changedFields(user: UserRow, next: ImportedUserColumns): string[] {
  const fields: string[] = [];
  if (next.username !== user.username) fields.push('username');
  if (next.email !== user.email) fields.push('email');
  if (next.emailVerified !== user.email_verified) fields.push('email_verified');
  if (next.phoneNumber !== user.phone_number) fields.push('phone_number');
  if (next.phoneNumberVerified !== user.phone_number_verified) fields.push('phone_number_verified');
  if (next.status !== user.status) fields.push('status');
  if (next.enabled !== user.enabled) fields.push('enabled');
  if (next.passwordHash !== user.password_hash) fields.push('password');
  if (!sameObject(next.profile, user.profile)) fields.push('profile');
  if (!sameObject(next.customAttributes, user.custom_attributes)) fields.push('custom_attributes');
  return fields;
}

/** A user's membership as the plan sees it. */
export interface Membership {
  groupId: string;
  name: string;
  byRule: boolean;
}

/**
 * The row's groups against the user's: listed groups the user is not in are added; hand-granted memberships
 * not listed are removed. Memberships a federation rule granted stay the rule's.
 */
export function planGroups(current: readonly Membership[], wanted: readonly string[]): { add: string[]; remove: Membership[] } {
  const names = new Set(wanted);
  return {
    add: wanted.filter((name) => !current.some((membership) => membership.name === name)),
    remove: current.filter((membership) => !membership.byRule && !names.has(membership.name)),
  };
}

/**
 * The row's identities against the user's: those the user lacks are added. Never unlinks (that could take
 * away a user's last way to sign in); refuses an identity linked to someone else (`ownerOf`) or a second
 * identity at one provider.
 */
export function planIdentities(userId: string | null, current: readonly Required<TransferIdentity>[], wanted: readonly Required<TransferIdentity>[], ownerOf: (identity: Required<TransferIdentity>) => string | undefined): Required<TransferIdentity>[] {
  const add: Required<TransferIdentity>[] = [];
  for (const identity of wanted) {
    const same = current.find((link) => link.provider === identity.provider);
    if (same && same.issuer === identity.issuer && same.subject === identity.subject) continue;
    if (same) throw new RowRejection(`the user is already linked to another ${identity.provider} identity`);
    const owner = ownerOf(identity);
    if (owner !== undefined && owner !== userId) throw new RowRejection(`the ${identity.provider} identity is linked to another user`);
    add.push(identity);
  }
  return add;
}
