import { recordAudits } from '../../audit/record-audit.js';
import type { Queryable } from '../../db/database.js';
import type { RowContext } from './apply-record.js';
import { changedFields, newColumns, pickTarget, planGroups, planIdentities, updatedColumns } from './plan-user.js';
import * as repo from './repositories/user-transfer.repository.js';
import { ensureGroupIds } from './ensure-group-ids.js';
import { RowRejection, type TransferIdentity } from './transfer-user.js';
import type { ValidRecord } from './validate-record.js';

/** What the batch path did with its rows; `deferred` are left for the row-by-row path, in file order. */
export interface BatchOutcome<Row> {
  created: number;
  unchanged: number;
  rejected: { row: Row; reason: string }[];
  deferred: Row[];
}

/** The keys a row claims: two rows of one batch that share one are not written side by side. */
function claims(valid: ValidRecord): string[] {
  return [
    ...(valid.id ? [`id:${valid.id}`] : []),
    ...(valid.username ? [`username:${valid.username.normalized}`] : []),
    ...(valid.email ? [`email:${valid.email.normalized}`] : []),
    ...(valid.identities ?? []).map((identity) => `identity:${repo.identityKey(identity)}`),
  ];
}

/**
 * The batch path of an import: the rows of a batch that create a user or change nothing are decided with a
 * handful of queries for the whole batch, and the new users, their memberships and identities are written
 * in one statement each (and one `user.imported` event per user). A row that updates a user, or that names
 * the same user or identity as an earlier row of the batch, is deferred to the row-by-row path. Rejected
 * rows write nothing: they are left out before anything is written. A database error fails the whole
 * transaction; the import then runs the batch again row by row.
 */
export async function applyBatch<Row extends { valid: ValidRecord }>(tx: Queryable, rows: readonly Row[], context: RowContext): Promise<BatchOutcome<Row>> {
  const outcome: BatchOutcome<Row> = { created: 0, unchanged: 0, rejected: [], deferred: [] };
  const seen = new Set<string>();
  const batch: Row[] = [];
  for (const row of rows) {
    const keys = claims(row.valid);
    if (keys.some((key) => seen.has(key))) outcome.deferred.push(row);
    else batch.push(row);
    for (const key of keys) seen.add(key);
  }
  const valids = batch.map((row) => row.valid);
  const found = await repo.lockUsersForImport(tx, {
    ids: valids.flatMap((v) => (v.id ? [v.id] : [])),
    usernames: valids.flatMap((v) => (v.username ? [v.username.normalized] : [])),
    emails: valids.flatMap((v) => (v.email ? [v.email.normalized] : [])),
  });
  const foundIds = found.map((user) => user.id);
  const memberships = foundIds.length ? await repo.listMembershipsByUserIds(tx, foundIds) : [];
  const linked = foundIds.length ? await repo.listIdentitiesByUserIds(tx, foundIds) : [];
  const wantedIdentities = valids.flatMap((v) => v.identities ?? []);
  const owners = wantedIdentities.length ? await repo.findIdentityOwners(tx, wantedIdentities) : new Map<string, string>();
  const ownerOf = (identity: Required<TransferIdentity>) => owners.get(repo.identityKey(identity));

  const created: { row: Row; user: repo.ImportedUserColumns & { id: string }; identities: Required<TransferIdentity>[] }[] = [];
  for (const row of batch) {
    const { valid } = row;
    try {
      const existing = pickTarget(valid, found);
      if (existing) {
        const next = updatedColumns(existing, valid, context.definitions);
        const current = linked.filter((link) => link.userId === existing.id);
        const identities = valid.identities ? planIdentities(existing.id, current, valid.identities, ownerOf) : [];
        const groups = valid.groups ? planGroups(memberships.filter((m) => m.userId === existing.id), valid.groups) : { add: [], remove: [] };
        if (changedFields(existing, next).length || identities.length || groups.add.length || groups.remove.length) outcome.deferred.push(row);
        else outcome.unchanged += 1;
        continue;
      }
      const identities = valid.identities ? planIdentities(null, [], valid.identities, ownerOf) : [];
      created.push({ row, user: { id: valid.id ?? crypto.randomUUID(), ...newColumns(valid, context.definitions) }, identities });
    } catch (error) {
      if (!(error instanceof RowRejection)) throw error;
      outcome.rejected.push({ row, reason: error.message });
    }
  }

  const groupIds = await ensureGroupIds(tx, created.flatMap(({ row }) => row.valid.groups ?? []), context.groups);
  await repo.insertImportedUsers(tx, created.map(({ user }) => user));
  await repo.insertMemberships(tx, created.flatMap(({ row, user }) => (row.valid.groups ?? []).map((name) => ({ groupId: groupIds.get(name)!, userId: user.id }))));
  await repo.insertImportedIdentities(tx, created.flatMap(({ user, identities }) => identities.map((identity) => ({ ...identity, userId: user.id }))));
  await recordAudits(tx, created.map(({ user }) => ({ type: 'user.imported', subjectId: user.id, details: { action: 'created' } })));
  outcome.created = created.length;
  const order = new Map(rows.map((row, index) => [row, index]));
  outcome.deferred.sort((a, b) => order.get(a)! - order.get(b)!);
  return outcome;
}
