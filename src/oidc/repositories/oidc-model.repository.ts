import { arrayParameter } from '../../db/array-parameter.js';
import type { Queryable } from '../../db/database.js';

/** The stored forms of one id (or uid, user code), as the finders and writers below take them in `$2`. */
const KEYS = arrayParameter('$2', 'text');
const STALE_IDS = arrayParameter('$8', 'text');

/** A stored oidc-provider model instance. */
export interface OidcModelRow {
  payload: Record<string, unknown>;
  consumed_at: Date | null;
}

/** A model instance as upsertOidcModel writes it: stored id, stale copies, payload at rest and lookup columns. */
export interface OidcModelUpsert {
  model: string; id: string; staleIds: readonly string[]; payload: unknown;
  grantId: string | null; userCode: string | null; uid: string | null; expiresIn: number | null;
  /** The stored uid of the session the instance is bound to (migration 0033). */
  sessionUid: string | null;
}

/** An upsert's conflict clause: the row replaced, its consumption kept (a replay is still seen as one). */
export const REPLACE_ON_CONFLICT = `ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id,
       user_code = EXCLUDED.user_code, uid = EXCLUDED.uid, session_uid = EXCLUDED.session_uid, expires_at = EXCLUDED.expires_at,
       consumed_at = COALESCE(oidc_model.consumed_at, EXCLUDED.consumed_at)`;

/**
 * Writes a model instance under its stored id, and in the same statement removes `staleIds`: copies of
 * the same instance under an older secret's hash or its raw legacy id, so that one instance is one row.
 * A stale copy's consumption carries over.
 */
export async function upsertOidcModel(db: Queryable, row: OidcModelUpsert): Promise<void> {
  await db.query(
    `WITH stale AS (DELETE FROM oidc_model WHERE model = $1 AND id = ANY(${STALE_IDS}) AND id <> $2 RETURNING consumed_at)
     INSERT INTO oidc_model (model, id, payload, grant_id, user_code, uid, session_uid, expires_at, consumed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $9, CASE WHEN $7::int IS NULL THEN NULL ELSE now() + $7::int * interval '1 second' END,
             (SELECT max(consumed_at) FROM stale))
     ${REPLACE_ON_CONFLICT}`,
    [row.model, row.id, JSON.stringify(row.payload), row.grantId, row.userCode, row.uid, row.expiresIn, row.staleIds, row.sessionUid],
  );
}

/** A row that has not expired (rows without an expiry live until deleted). */
export const LIVE = '(expires_at IS NULL OR expires_at > now())';

/* The finders take every stored form of one id (its hash under each secret, maybe its raw legacy form)
 * and return the live row of the most preferred one: one round trip whatever the number of secrets. */

export async function findOidcModelById(db: Queryable, model: string, ids: readonly string[]): Promise<OidcModelRow | undefined> {
  const { rows } = await db.query<OidcModelRow>(
    `SELECT payload, consumed_at FROM oidc_model WHERE model = $1 AND id = ANY(${KEYS}) AND ${LIVE}
     ORDER BY array_position(${KEYS}, id) LIMIT 1`,
    [model, ids],
  );
  return rows[0];
}

const INTERACTION_KEYS = arrayParameter('$1', 'text');

/**
 * `LEFT JOIN LATERAL … AS se`: the live Session row whose stored uid `row`'s `session_uid` names (migration
 * 0033), read with that row in the same statement; `se.payload` is null when none is live or none is named.
 * `row` is the calling statement's own alias, never input.
 */
export function liveSessionOf(row: string): string {
  return `LEFT JOIN LATERAL (
         SELECT payload FROM oidc_model
          WHERE model = 'Session' AND uid = ${row}.session_uid AND ${LIVE}
          ORDER BY id LIMIT 1) se ON true`;
}

/** An interaction with the live session it names (`session_uid`, migration 0033); `session` null when none. */
export interface InteractionWithSessionRow extends OidcModelRow {
  session_payload: Record<string, unknown> | null;
}

/** Built once: every interaction step reads it, and the statement cache looks texts up by value. */
const FIND_INTERACTION_WITH_SESSION = `SELECT i.payload, i.consumed_at, se.payload AS session_payload
     FROM oidc_model i
     ${liveSessionOf('i')}
    WHERE i.model = 'Interaction' AND i.id = ANY(${INTERACTION_KEYS}) AND (i.expires_at IS NULL OR i.expires_at > now())
    ORDER BY array_position(${INTERACTION_KEYS}, i.id) LIMIT 1`;

/**
 * An interaction (`ids` its stored forms) with the session it was started in, in one round trip: the provider
 * reads that session right after the interaction whenever one is named (lib/provider.js, #getInteraction).
 */
export async function findInteractionWithSession(db: Queryable, ids: readonly string[]): Promise<InteractionWithSessionRow | undefined> {
  const { rows } = await db.query<InteractionWithSessionRow>(
    FIND_INTERACTION_WITH_SESSION,
    [ids],
  );
  return rows[0];
}

export async function findOidcModelByUid(db: Queryable, model: string, uids: readonly string[]): Promise<OidcModelRow | undefined> {
  const { rows } = await db.query<OidcModelRow>(
    `SELECT payload, consumed_at FROM oidc_model WHERE model = $1 AND uid = ANY(${KEYS}) AND ${LIVE}
     ORDER BY array_position(${KEYS}, uid) LIMIT 1`,
    [model, uids],
  );
  return rows[0];
}

export async function findOidcModelByUserCode(db: Queryable, model: string, userCodes: readonly string[]): Promise<OidcModelRow | undefined> {
  const { rows } = await db.query<OidcModelRow>(
    `SELECT payload, consumed_at FROM oidc_model WHERE model = $1 AND user_code = ANY(${KEYS}) AND ${LIVE}
     ORDER BY array_position(${KEYS}, user_code) LIMIT 1`,
    [model, userCodes],
  );
  return rows[0];
}

/**
 * Marks a one-time token consumed, `ids` being its stored forms. The guard in WHERE makes it atomic: of
 * concurrent redemptions exactly one sees `consumed: true`. Returns the token's grant id so the losers can
 * revoke it.
 */
export async function consumeOidcModel(db: Queryable, model: string, ids: readonly string[]): Promise<{ consumed: boolean; grantId: string | null }> {
  const { rows } = await db.query<{ consumed: boolean; grant_id: string | null }>(
    `WITH consumed AS (
       UPDATE oidc_model SET consumed_at = now() WHERE model = $1 AND id = ANY(${KEYS}) AND consumed_at IS NULL RETURNING grant_id)
     SELECT EXISTS (SELECT 1 FROM consumed) AS consumed,
            (SELECT grant_id FROM oidc_model WHERE model = $1 AND id = ANY(${KEYS}) LIMIT 1) AS grant_id`,
    [model, ids],
  );
  return { consumed: rows[0]?.consumed ?? false, grantId: rows[0]?.grant_id ?? null };
}

/** Deletes a model instance, `ids` being its stored forms. */
export async function deleteOidcModel(db: Queryable, model: string, ids: readonly string[]): Promise<void> {
  await db.query(`DELETE FROM oidc_model WHERE model = $1 AND id = ANY(${KEYS})`, [model, ids]);
}

/**
 * Deletes everything stored for an account: sessions, grants, codes, refresh tokens. With the grants gone,
 * the account's JWT access tokens fail the liveness check too. The expression index makes it one scan
 * of that account's rows (migration 0005).
 */
export async function deleteOidcModelsByAccountId(db: Queryable, accountId: string): Promise<number> {
  const { rowCount } = await db.query(`DELETE FROM oidc_model WHERE payload ? 'accountId' AND payload->>'accountId' = $1`, [accountId]);
  return rowCount;
}

/** Deletes everything stored for a client (its grants and the tokens they carry). */
export async function deleteOidcModelsByClientId(db: Queryable, clientId: string): Promise<number> {
  const { rowCount } = await db.query(`DELETE FROM oidc_model WHERE payload ? 'clientId' AND payload->>'clientId' = $1`, [clientId]);
  return rowCount;
}

export async function deleteOidcModelsByGrantId(db: Queryable, grantId: string): Promise<void> {
  await db.query('DELETE FROM oidc_model WHERE grant_id = $1', [grantId]);
}

/** Deletes expired rows in bounded batches; returns how many went. */
export async function deleteExpiredOidcModels(db: Queryable, batchSize: number): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM oidc_model WHERE ctid IN (SELECT ctid FROM oidc_model WHERE expires_at < now() LIMIT $1)`,
    [batchSize],
  );
  return rowCount;
}

/** Rows Latchkey writes itself, keyed by values that are not secrets (see insertRevokedAccessToken, access-token-liveness.repository.ts). */
const OWN_MODELS = "('RevokedAccessToken')";
/** Matches the partial index of migration 0008, so that finding none is an empty index scan. */
const LEGACY = `id NOT LIKE 'h1.%' AND model NOT IN ${OWN_MODELS}`;

/** A provider row from before ids were hashed. */
export interface LegacyOidcModelRow {
  model: string;
  id: string;
  payload: Record<string, unknown>;
  uid: string | null;
  user_code: string | null;
}

/** Locks up to `limit` rows that still hold a raw id; rows another replica is converting are skipped. */
export async function findLegacyOidcModelsForUpdate(tx: Queryable, limit: number): Promise<LegacyOidcModelRow[]> {
  const { rows } = await tx.query<LegacyOidcModelRow>(
    `SELECT model, id, payload, uid, user_code FROM oidc_model WHERE ${LEGACY} LIMIT $1 FOR UPDATE SKIP LOCKED`,
    [limit],
  );
  return rows;
}

/**
 * Moves legacy rows to their hashed ids in one statement, keeping grant, expiry and consumption. A row
 * whose hashed copy already exists (written since by this version) is dropped: the copy is newer.
 */
export async function replaceLegacyOidcModels(
  tx: Queryable,
  rows: readonly { model: string; oldId: string; id: string; payload: unknown; uid: string | null; userCode: string | null }[],
): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `WITH input AS (
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::text[], $6::text[])
         AS t(model, old_id, new_id, payload, uid, user_code)),
     moved AS (
       DELETE FROM oidc_model o USING input i WHERE o.model = i.model AND o.id = i.old_id
       RETURNING o.model, i.new_id, i.payload, o.grant_id, i.user_code, i.uid, o.expires_at, o.consumed_at)
     INSERT INTO oidc_model (model, id, payload, grant_id, user_code, uid, expires_at, consumed_at)
     SELECT model, new_id, payload, grant_id, user_code, uid, expires_at, consumed_at FROM moved
     ON CONFLICT (model, id) DO NOTHING`,
    [rows.map((r) => r.model), rows.map((r) => r.oldId), rows.map((r) => r.id), rows.map((r) => JSON.stringify(r.payload)),
      rows.map((r) => r.uid), rows.map((r) => r.userCode)],
  );
}

/** A live grant of an account: an app the user signed in to, with when it began and was last used. */
export interface AccountGrantRow {
  grant_id: string;
  client_id: string;
  granted_at: Date;
  last_used_at: Date;
}

/**
 * The account's live grants, newest first. "Last used" is the newest row issued under the grant (a code or
 * a rotated refresh token); JWT access tokens are not stored, so a grant used only by them shows its start.
 */
export async function listLiveGrantsByAccountId(db: Queryable, accountId: string): Promise<AccountGrantRow[]> {
  const { rows } = await db.query<AccountGrantRow>(
    `SELECT g.grant_id, g.payload->>'clientId' AS client_id,
            to_timestamp((g.payload->>'iat')::bigint) AS granted_at,
            to_timestamp(GREATEST((g.payload->>'iat')::bigint, COALESCE((
              SELECT max((t.payload->>'iat')::bigint) FROM oidc_model t
               WHERE t.grant_id = g.grant_id AND t.model <> 'Grant' AND t.payload ? 'iat'), 0))) AS last_used_at
       FROM oidc_model g
      WHERE g.model = 'Grant' AND g.payload ? 'accountId' AND g.payload->>'accountId' = $1 AND g.grant_id IS NOT NULL
        AND (g.expires_at IS NULL OR g.expires_at > now())
      ORDER BY last_used_at DESC
      LIMIT 100`,
    [accountId],
  );
  return rows;
}

/** Ends one grant, and every token under it, only when it belongs to `accountId`; false when it does not. */
export async function deleteGrantOfAccount(db: Queryable, grantId: string, accountId: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `DELETE FROM oidc_model WHERE grant_id = $1
        AND EXISTS (SELECT 1 FROM oidc_model g WHERE g.model = 'Grant' AND g.grant_id = $1 AND g.payload->>'accountId' = $2)`,
    [grantId, accountId],
  );
  return rowCount > 0;
}
