import { recordAudit } from '../../audit/record-audit.js';
import type { Queryable } from '../../db/database.js';
import type { AttributeDefinitionRow } from '../repositories/attribute.repository.js';
import type { LockReason } from '../user-service.js';
import { changedFields, newColumns, pickTarget, planGroups, planIdentities, updatedColumns } from './plan-user.js';
import * as repo from './repositories/user-transfer.repository.js';
import { ensureGroupIds, type RowGroups } from './ensure-group-ids.js';
import type { ValidRecord } from './validate-record.js';

/** Ends a user's sessions, grants and storage credentials in the row's transaction (the directory's lock-out hook). */
export type LockUser = (tx: Queryable, userId: string, reason: LockReason) => Promise<() => Promise<void>>;

export interface RowOutcome {
  action: 'created' | 'updated' | 'unchanged';
  /** What to do once the row's transaction committed (revoking storage credentials of a disabled user). */
  afterCommit?: () => Promise<void>;
}

export interface RowContext {
  definitions: readonly AttributeDefinitionRow[];
  groups: RowGroups;
  lockUser: LockUser | undefined;
}

/**
 * Creates or updates the user a validated row names, with their groups and identities, and records
 * `user.imported`, all on `tx` under the row's savepoint: a RowRejection or a database error undoes all of
 * it. The row-by-row path of the import: every row that the batch path leaves (an update, a row naming the
 * same user as another of its batch) or a whole batch whose bulk writes failed. A change that takes access
 * away (disabled, or a reset now required) ends the user's sessions through `lockUser`, as `user disable`
 * and `user require-reset` do.
 */
export async function applyRecord(tx: Queryable, valid: ValidRecord, context: RowContext): Promise<RowOutcome> {
  const found = await repo.lockUsersForImport(tx, { ids: valid.id ? [valid.id] : [], usernames: valid.username ? [valid.username.normalized] : [], emails: valid.email ? [valid.email.normalized] : [] });
  const existing = pickTarget(valid, found);
  const userId = existing?.id ?? null;
  const next = existing ? updatedColumns(existing, valid, context.definitions) : newColumns(valid, context.definitions);
  const fields = existing ? changedFields(existing, next) : [];

  const currentIdentities = existing ? (await repo.listIdentitiesByUserIds(tx, [existing.id])).map(({ provider, issuer, subject }) => ({ provider, issuer, subject })) : [];
  const owners = valid.identities?.length ? await repo.findIdentityOwners(tx, valid.identities) : new Map<string, string>();
  const identities = valid.identities ? planIdentities(userId, currentIdentities, valid.identities, (identity) => owners.get(repo.identityKey(identity))) : [];
  const memberships = existing ? await repo.listMembershipsByUserIds(tx, [existing.id]) : [];
  const groups = valid.groups ? planGroups(memberships, valid.groups) : { add: [], remove: [] };
  if (groups.add.length || groups.remove.length) fields.push('groups');
  if (identities.length) fields.push('identities');

  if (existing && fields.length === 0) return { action: 'unchanged' };
  const id = existing?.id ?? valid.id ?? crypto.randomUUID();
  if (!existing) await repo.insertImportedUsers(tx, [{ id, ...next }]);
  else if (fields.some((field) => field !== 'groups' && field !== 'identities')) await repo.updateImportedUserById(tx, id, next);
  const groupIds = await ensureGroupIds(tx, groups.add, context.groups);
  await repo.insertMemberships(tx, groups.add.map((name) => ({ groupId: groupIds.get(name)!, userId: id })));
  for (const membership of groups.remove) await repo.deleteMembership(tx, membership.groupId, id);
  await repo.insertImportedIdentities(tx, identities.map((identity) => ({ ...identity, userId: id })));
  await recordAudit(tx, { type: 'user.imported', subjectId: id, details: existing ? { action: 'updated', fields } : { action: 'created' } });
  if (!existing) return { action: 'created' };

  const disabled = existing.enabled && !next.enabled;
  const mustReset = existing.status !== 'reset_required' && next.status === 'reset_required';
  const afterCommit = context.lockUser && (disabled || mustReset) ? await context.lockUser(tx, id, disabled ? 'disabled' : 'signed_out') : undefined;
  return { action: 'updated', ...(afterCommit ? { afterCommit } : {}) };
}
