import type { Database } from '../../src/db/database.js';

/**
 * A fingerprint of everything a rejected request must leave alone: users (with hashes and login times),
 * groups, memberships, clients, and the provider's grants, sessions, codes and refresh tokens.
 */
export async function snapshot(db: Database): Promise<string> {
  const parts = await Promise.all([
    db.query('SELECT id, username, email, email_verified, status, enabled, password_hash, profile, custom_attributes, updated_at, last_login_at FROM users ORDER BY id'),
    db.query('SELECT id, name, precedence, role_name FROM groups ORDER BY id'),
    db.query('SELECT group_id, user_id FROM group_members ORDER BY group_id, user_id'),
    db.query('SELECT client_id, client_secret_hash, metadata FROM clients ORDER BY client_id'),
    db.query(`SELECT model, id, consumed_at FROM oidc_model WHERE model IN ('Grant', 'Session', 'AuthorizationCode', 'RefreshToken', 'RevokedAccessToken') ORDER BY model, id`),
  ]);
  return JSON.stringify(parts.map((p) => p.rows));
}
