import type { Queryable } from '../../db/database.js';

/** A stored identity: `id` is the UUID after the region in the Cognito identity ID; guests have no user. */
export interface CognitoIdentityRow {
  id: string;
  user_id: string | null;
}

/**
 * The user's identity, made on first use. A concurrent first call finds the row the other one inserted:
 * the conflict's no-op update locks and returns it, so both answer the same identity.
 */
export async function upsertIdentityForUser(db: Queryable, userId: string): Promise<CognitoIdentityRow> {
  const { rows } = await db.query<CognitoIdentityRow>(
    `INSERT INTO cognito_identities (user_id) VALUES ($1)
     ON CONFLICT (user_id) DO UPDATE SET user_id = EXCLUDED.user_id
     RETURNING id, user_id`,
    [userId],
  );
  return rows[0]!;
}

export async function findIdentityByUser(db: Queryable, userId: string): Promise<CognitoIdentityRow | undefined> {
  const { rows } = await db.query<CognitoIdentityRow>('SELECT id, user_id FROM cognito_identities WHERE user_id = $1', [userId]);
  return rows[0];
}

export async function insertGuestIdentity(db: Queryable): Promise<CognitoIdentityRow> {
  const { rows } = await db.query<CognitoIdentityRow>('INSERT INTO cognito_identities (user_id) VALUES (NULL) RETURNING id, user_id');
  return rows[0]!;
}

export async function findIdentityById(db: Queryable, id: string): Promise<CognitoIdentityRow | undefined> {
  const { rows } = await db.query<CognitoIdentityRow>('SELECT id, user_id FROM cognito_identities WHERE id = $1::uuid', [id]);
  return rows[0];
}
