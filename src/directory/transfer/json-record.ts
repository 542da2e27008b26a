import type { ExportedUser } from './repositories/user-transfer.repository.js';
import { transferLineSchema } from './transfer.schema.js';
import { RowRejection, type TransferUser } from './transfer-user.js';

/** Parses one JSON line into a transfer user; RowRejection names the first problem. */
export function jsonLineToUser(line: string): TransferUser {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new RowRejection('not a JSON object');
  }
  const parsed = transferLineSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new RowRejection(`${issue.path.join('.') || 'line'}: ${issue.message}`);
  }
  const fields = parsed.data;
  const user: TransferUser = { profile: { ...fields.profile }, customAttributes: { ...fields.custom_attributes } };
  if (fields.id !== undefined) user.id = fields.id.toLowerCase();
  // An empty identifier is no identifier, as in CSV: import never removes a username or an address.
  if (fields.username) user.username = fields.username;
  if (fields.email) user.email = fields.email;
  if (fields.email_verified !== undefined) user.emailVerified = fields.email_verified;
  if (fields.phone_number !== undefined) user.phoneNumber = fields.phone_number || null;
  if (fields.phone_number_verified !== undefined) user.phoneNumberVerified = fields.phone_number_verified;
  if (fields.password_hash !== undefined) user.passwordHash = fields.password_hash || null;
  if (fields.groups !== undefined) user.groups = fields.groups;
  if (fields.identities !== undefined) user.identities = fields.identities;
  if (fields.status !== undefined) user.status = fields.status;
  if (fields.enabled !== undefined) user.enabled = fields.enabled;
  return user;
}

/** One user as a JSON line (without the newline); the hash only when `includeHashes`. */
export function userToJsonLine(exported: ExportedUser, includeHashes: boolean): string {
  const { user } = exported;
  return JSON.stringify({
    id: user.id,
    username: user.username,
    email: user.email,
    email_verified: user.email_verified,
    phone_number: user.phone_number,
    phone_number_verified: user.phone_number_verified,
    profile: user.profile,
    custom_attributes: user.custom_attributes,
    ...(includeHashes ? { password_hash: user.password_hash } : {}),
    groups: exported.groups,
    identities: exported.identities,
    status: user.status,
    enabled: user.enabled,
    created_at: user.created_at.toISOString(),
    updated_at: user.updated_at.toISOString(),
  });
}
