import { arrayParameter } from '../../db/array-parameter.js';
import type { Queryable } from '../../db/database.js';
import { deleteOidcModel, REPLACE_ON_CONFLICT, upsertOidcModel, type OidcModelUpsert } from './oidc-model.repository.js';

/**
 * One write of an oidc-provider model instance in its stored form, as postgres-adapter.ts would make it on
 * its own: an upsert (upsertOidcModel's) or a deletion (`ids`: every stored form of the id, as deleteOidcModel).
 */
export type OidcModelWrite = ({ op: 'upsert' } & OidcModelUpsert) | { op: 'delete'; model: string; ids: readonly string[] };

/** How many models one statement writes: each has its slot in the deletion's index conditions. */
const MODEL_SLOTS = 4;

/**
 * Slot `n`'s index condition: its model (`$2`, `$4`, …) and every stored id its writes replace or delete. Both are
 * read through scalar subqueries (db/array-parameter.ts), so that a custom plan, which would know which slots are
 * used, never looks cheaper than the generic one: the statement keeps its generic plan instead of being planned on
 * every run.
 */
const slotCondition = (n: number) => `(m.model = (SELECT $${2 + 2 * n}::text) AND m.id = ANY(${arrayParameter(`$${3 + 2 * n}`, 'text')}))`;

/**
 * The statement of {@link applyOidcModelWrites}: `$1` the list of writes as JSON, then a model and the stored ids
 * of its rows to remove for each slot (unused slots null).
 *
 * The deletion reaches its rows by the primary key (model, id), a model and its ids per slot, whatever the table's
 * statistics. Joined with the JSON list alone (estimated at 100 rows, whatever it holds), it was planned as a hash
 * join over a sequential scan of oidc_model for as long as the table was small enough for that to look cheaper,
 * and the prepared statement's generic plan kept it: 1.37 ms per execution in the sign-in benchmark (a few thousand
 * rows), 0.45 ms by the index; 0.22 ms with 500,000 rows stored.
 */
export const APPLY_OIDC_MODEL_WRITES = `WITH writes AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS w(seq int, op text, model text, id text, keys text[], payload jsonb,
              grant_id text, user_code text, uid text, session_uid text, expires_in int)),
     removed AS (
       DELETE FROM oidc_model m USING writes w
        WHERE (${Array.from({ length: MODEL_SLOTS }, (_, n) => slotCondition(n)).join(' OR ')})
          AND m.model = w.model AND m.id = ANY(w.keys) AND (w.op = 'delete' OR m.id <> w.id)
       RETURNING w.seq, m.consumed_at)
     INSERT INTO oidc_model (model, id, payload, grant_id, user_code, uid, session_uid, expires_at, consumed_at)
     SELECT w.model, w.id, w.payload, w.grant_id, w.user_code, w.uid, w.session_uid,
            CASE WHEN w.expires_in IS NULL THEN NULL ELSE now() + w.expires_in * interval '1 second' END,
            (SELECT max(r.consumed_at) FROM removed r WHERE r.seq = w.seq)
       FROM writes w WHERE w.op = 'upsert'
     ${REPLACE_ON_CONFLICT}`;

/** The parameters of {@link APPLY_OIDC_MODEL_WRITES} for `writes`, of at most {@link MODEL_SLOTS} models. */
export function oidcModelWritesParameters(writes: readonly OidcModelWrite[]): unknown[] {
  const list = JSON.stringify(writes.map((write, seq) => (write.op === 'delete'
    ? { seq, op: write.op, model: write.model, keys: write.ids }
    : {
      seq, op: write.op, model: write.model, id: write.id, keys: write.staleIds, payload: write.payload, grant_id: write.grantId,
      user_code: write.userCode, uid: write.uid, session_uid: write.sessionUid, expires_in: write.expiresIn,
    })));
  const removedByModel = new Map<string, string[]>();
  for (const write of writes) {
    const ids = removedByModel.get(write.model) ?? [];
    ids.push(...(write.op === 'delete' ? write.ids : write.staleIds));
    removedByModel.set(write.model, ids);
  }
  if (removedByModel.size > MODEL_SLOTS) throw new Error(`one statement writes at most ${MODEL_SLOTS} models`);
  const slots = [...removedByModel].flatMap(([model, ids]) => [model, ids]);
  return [list, ...slots, ...Array<null>(2 * MODEL_SLOTS - slots.length).fill(null)];
}

/**
 * Applies `writes` in one statement per {@link MODEL_SLOTS} models (one, for the authorization endpoint's four),
 * with the effect of applying them one by one as upsertOidcModel and deleteOidcModel do, provided that no two of
 * them touch one row (the caller's rule: deferred-model-writes.ts keeps one write per instance; writes of
 * different models never touch one row, so they may be split by model). The list travels as one JSON parameter,
 * so the statement and its plan are the same whatever the number of writes. A stale copy's consumption carries
 * over to the row that replaces it.
 */
export async function applyOidcModelWrites(db: Queryable, writes: readonly OidcModelWrite[]): Promise<void> {
  // A write alone (the interaction that `/auth` saves) goes as the adapter's own statement: 0.19 ms to execute
  // where the statement of slots takes 0.45 (pg_stat_statements in the sign-in benchmark).
  if (writes.length === 1) {
    const [write] = writes as [OidcModelWrite];
    return write.op === 'delete' ? deleteOidcModel(db, write.model, write.ids) : upsertOidcModel(db, write);
  }
  const models = [...new Set(writes.map((write) => write.model))];
  for (let from = 0; from < models.length; from += MODEL_SLOTS) {
    const these = new Set(models.slice(from, from + MODEL_SLOTS));
    await db.query(APPLY_OIDC_MODEL_WRITES, oidcModelWritesParameters(writes.filter((write) => these.has(write.model))));
  }
}
