import type { Queryable } from '../../db/database.js';

export interface NewOneTimeCode {
  purpose: string;
  subject: string;
  codeHmac: string;
  maxAttempts: number;
  ttlSeconds: number;
}

/**
 * Stores a code as the one live code for its purpose and subject, replacing an earlier live one (its HMAC,
 * attempt count and expiry) in the same statement, so two concurrent issues leave exactly one live code.
 * Expiry is computed by the database clock, which every replica shares.
 */
export async function upsertOneTimeCode(db: Queryable, code: NewOneTimeCode): Promise<{ expires_at: Date }> {
  const { rows } = await db.query<{ expires_at: Date }>(
    `INSERT INTO one_time_codes (purpose, subject, code_hmac, max_attempts, expires_at)
     VALUES ($1, $2, $3, $4, now() + $5::int * interval '1 second')
     ON CONFLICT (purpose, subject) WHERE consumed_at IS NULL
     DO UPDATE SET code_hmac = EXCLUDED.code_hmac, attempts = 0, max_attempts = EXCLUDED.max_attempts,
                   expires_at = EXCLUDED.expires_at, created_at = now()
     RETURNING expires_at`,
    [code.purpose, code.subject, code.codeHmac, code.maxAttempts, code.ttlSeconds],
  );
  return rows[0]!;
}

/** What one attempt at a live code came to. `none`: there is no live code (never issued, or used up). */
export type ConsumeOutcome =
  | { outcome: 'ok' }
  | { outcome: 'invalid'; attempts_left: number }
  | { outcome: 'expired' }
  | { outcome: 'too_many_attempts' }
  | { outcome: 'none' };

/**
 * Verifies and consumes in one statement, so there is no window between the check and the act (kratos
 * `persister_code.go`; logto's passcode check-then-increment is the anti-pattern):
 *
 * - The subquery locks the live row (`FOR UPDATE`); under READ COMMITTED a concurrent attempt waits for
 *   it and then sees the latest version, so the attempt count and `consumed_at` it judges are current.
 * - An attempt counts (`attempts + 1`) only while `attempts < max_attempts` and the code has not expired
 *   by the database clock; only a counted attempt whose HMAC equals one of `codeHmacs` consumes the row.
 * - A consumed row is no longer live, so of any number of parallel attempts with the right code exactly
 *   one is `ok`; the others find no live code (`none`).
 *
 * The comparison is equality of HMACs in SQL: the raw code never reaches the database or a JS comparison.
 */
export async function consumeOneTimeCode(db: Queryable, input: { purpose: string; subject: string; codeHmacs: readonly string[] }): Promise<ConsumeOutcome> {
  const { rows } = await db.query<{ matched: boolean; counted: boolean; expired: boolean; attempts_left: number }>(
    `UPDATE one_time_codes AS c
        SET attempts = CASE WHEN live.counted THEN c.attempts + 1 ELSE c.attempts END,
            consumed_at = CASE WHEN live.counted AND c.code_hmac = ANY($3::text[]) THEN now() END
       FROM (SELECT id, attempts < max_attempts AND expires_at > now() AS counted, expires_at <= now() AS expired
               FROM one_time_codes
              WHERE purpose = $1 AND subject = $2 AND consumed_at IS NULL
              FOR UPDATE) AS live
      WHERE c.id = live.id
      RETURNING c.consumed_at IS NOT NULL AS matched, live.counted, live.expired, c.max_attempts - c.attempts AS attempts_left`,
    [input.purpose, input.subject, input.codeHmacs],
  );
  const row = rows[0];
  if (!row) return { outcome: 'none' };
  if (row.matched) return { outcome: 'ok' };
  if (row.expired) return { outcome: 'expired' };
  if (!row.counted) return { outcome: 'too_many_attempts' };
  return { outcome: 'invalid', attempts_left: row.attempts_left };
}

/** Removes codes consumed or expired more than `graceSeconds` ago (maintenance). Returns how many. */
export async function deleteSpentOneTimeCodes(db: Queryable, graceSeconds: number): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM one_time_codes
      WHERE coalesce(consumed_at, expires_at) < now() - $1::int * interval '1 second'`,
    [graceSeconds],
  );
  return rowCount;
}
