import type { Queryable } from '../../db/database.js';
import * as repo from './repositories/user-transfer.repository.js';
import { RowRejection } from './transfer-user.js';

/**
 * Group ids by name: `known` holds those that exist for the rest of the batch, `created` those this row
 * (or this batch's bulk step) created, which the import reports once they are kept.
 */
export interface RowGroups {
  known: Map<string, string>;
  created: Map<string, string>;
}

/**
 * The ids of the named groups, creating those that do not exist (in two statements whatever their number).
 * A group another transaction created meanwhile is found, not created twice (ON CONFLICT waited for it).
 */
export async function ensureGroupIds(tx: Queryable, names: readonly string[], groups: RowGroups): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  const unknown: string[] = [];
  for (const name of new Set(names)) {
    const id = groups.known.get(name) ?? groups.created.get(name);
    if (id) ids.set(name, id);
    else unknown.push(name);
  }
  if (unknown.length === 0) return ids;
  for (const [name, id] of await repo.insertGroupsIfAbsent(tx, unknown)) groups.created.set(name, id);
  for (const [name, id] of await repo.findGroupIdsByNames(tx, unknown)) {
    ids.set(name, id);
    if (!groups.created.has(name)) groups.known.set(name, id);
  }
  const missing = unknown.find((name) => !ids.has(name));
  if (missing) throw new RowRejection(`group "${missing}" could not be created`);
  return ids;
}
