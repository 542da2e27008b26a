import type { Queryable } from '../../db/database.js';
import { REPLACE_ON_CONFLICT, type OidcModelUpsert } from './oidc-model.repository.js';

/**
 * One write of an oidc-provider model instance in its stored form, as postgres-adapter.ts would make it on
 * its own: an upsert (upsertOidcModel's) or a deletion (`ids`: every stored form of the id, as deleteOidcModel).
 */
export type OidcModelWrite = ({ op: 'upsert' } & OidcModelUpsert) | { op: 'delete'; model: string; ids: readonly string[] };

/**
 * Applies `writes` in one statement, with the effect of applying them one by one as upsertOidcModel and
 * deleteOidcModel do, provided that no two of them touch one row (the caller's rule: deferred-model-writes.ts
 * keeps one write per instance). The list travels as one JSON parameter, so the statement and its plan are the
 * same whatever the number of writes. A stale copy's consumption carries over to the row that replaces it.
 */
export async function applyOidcModelWrites(db: Queryable, writes: readonly OidcModelWrite[]): Promise<void> {
  if (writes.length === 0) return;
  const rows = writes.map((write, seq) => (write.op === 'delete'
    ? { seq, op: write.op, model: write.model, keys: write.ids }
    : {
      seq, op: write.op, model: write.model, id: write.id, keys: write.staleIds, payload: write.payload, grant_id: write.grantId,
      user_code: write.userCode, uid: write.uid, session_uid: write.sessionUid, expires_in: write.expiresIn,
    }));
  await db.query(
    `WITH writes AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS w(seq int, op text, model text, id text, keys text[], payload jsonb,
              grant_id text, user_code text, uid text, session_uid text, expires_in int)),
     removed AS (
       DELETE FROM oidc_model m USING writes w
        WHERE m.model = w.model AND m.id = ANY(w.keys) AND (w.op = 'delete' OR m.id <> w.id)
       RETURNING w.seq, m.consumed_at)
     INSERT INTO oidc_model (model, id, payload, grant_id, user_code, uid, session_uid, expires_at, consumed_at)
     SELECT w.model, w.id, w.payload, w.grant_id, w.user_code, w.uid, w.session_uid,
            CASE WHEN w.expires_in IS NULL THEN NULL ELSE now() + w.expires_in * interval '1 second' END,
            (SELECT max(r.consumed_at) FROM removed r WHERE r.seq = w.seq)
       FROM writes w WHERE w.op = 'upsert'
     ${REPLACE_ON_CONFLICT}`,
    [JSON.stringify(rows)],
  );
}
