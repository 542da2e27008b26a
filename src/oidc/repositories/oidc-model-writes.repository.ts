import type { Queryable } from '../../db/database.js';

/**
 * One write of an oidc-provider model instance in its stored form, as postgres-adapter.ts would make it on
 * its own: an upsert (upsertOidcModel's columns; `keys` its stale copies) or a deletion (`keys` every stored
 * form of the id).
 */
export type OidcModelWrite =
  | {
    op: 'upsert'; model: string; id: string; keys: readonly string[]; payload: unknown;
    grantId: string | null; userCode: string | null; uid: string | null; sessionUid: string | null; expiresIn: number | null;
  }
  | { op: 'delete'; model: string; keys: readonly string[] };

/**
 * Applies `writes` in one statement, with the effect of applying them one by one as upsertOidcModel and
 * deleteOidcModel do, provided that no two of them touch one row (the caller's rule: deferred-model-writes.ts
 * keeps one write per instance). The list travels as one JSON parameter, so the statement and its plan are the
 * same whatever the number of writes. A stale copy's consumption carries over to the row that replaces it.
 */
export async function applyOidcModelWrites(db: Queryable, writes: readonly OidcModelWrite[]): Promise<void> {
  if (writes.length === 0) return;
  const rows = writes.map((write, seq) => (write.op === 'delete'
    ? { seq, op: write.op, model: write.model, keys: write.keys }
    : {
      seq, op: write.op, model: write.model, id: write.id, keys: write.keys, payload: write.payload, grant_id: write.grantId,
      user_code: write.userCode, uid: write.uid, session_uid: write.sessionUid, expires_in: write.expiresIn,
    }));
  await db.query(
    `WITH writes AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS w(seq int, op text, model text, id text, keys text[], payload jsonb,
              grant_id text, user_code text, uid text, session_uid text, expires_in int)),
     removed AS (
       DELETE FROM oidc_model m USING writes w
        WHERE m.model = w.model AND m.id = ANY(w.keys)
       RETURNING w.seq, m.consumed_at)
     INSERT INTO oidc_model (model, id, payload, grant_id, user_code, uid, session_uid, expires_at, consumed_at)
     SELECT w.model, w.id, w.payload, w.grant_id, w.user_code, w.uid, w.session_uid,
            CASE WHEN w.expires_in IS NULL THEN NULL ELSE now() + w.expires_in * interval '1 second' END,
            (SELECT max(r.consumed_at) FROM removed r WHERE r.seq = w.seq)
       FROM writes w WHERE w.op = 'upsert'
     ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id,
       user_code = EXCLUDED.user_code, uid = EXCLUDED.uid, session_uid = EXCLUDED.session_uid, expires_at = EXCLUDED.expires_at,
       consumed_at = COALESCE(oidc_model.consumed_at, EXCLUDED.consumed_at)`,
    [JSON.stringify(rows)],
  );
}
