import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { defaultMigrationsDir, migrate, readMigrations } from '../../src/db/migrate.js';
import { openDatabase } from '../../src/db/open-database.js';
import { createOneTimeCodes, type OneTimeCodes } from '../../src/directory/one-time-codes.js';
import { deleteSpentOneTimeCodes } from '../../src/directory/repositories/one-time-code.repository.js';
import { createTestDatabase, currentBackend, type TestDatabase } from '../support/backend.js';

const SECRET = 'one-time-code-secret-0123456789abcdef0123456789';
const OLD_SECRET = 'previous-secret-0123456789abcdef0123456789abcdef';

/**
 * One-time codes on the real database: verify-and-consume is one statement, so parallel attempts cannot
 * both pass or both be counted as the first (kratos HackerOne #3692149 is the class of bug this pins).
 */
describe(`one-time codes (${currentBackend()})`, () => {
  let database: TestDatabase;
  let db: Database;
  let codes: OneTimeCodes;
  let subjectCounter = 0;
  /** A subject no other test uses. */
  const subject = () => `user-${(subjectCounter += 1)}`;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await openDatabase({ databaseUrl: database.env.DATABASE_URL ?? null, dataDir: database.env.LATCHKEY_DATA_DIR ?? '', maxConnections: 20 });
    await migrate(db, readMigrations(defaultMigrationsDir()));
    codes = createOneTimeCodes({ db, secrets: [SECRET] });
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  async function row(purpose: string, who: string) {
    const { rows } = await db.query<Record<string, unknown> & { attempts: number; consumed_at: Date | null }>(
      'SELECT * FROM one_time_codes WHERE purpose = $1 AND subject = $2 ORDER BY created_at DESC LIMIT 1', [purpose, who]);
    return rows[0]!;
  }

  it('issues a 6-digit numeric code by default and an 8-character alphanumeric one on request', async () => {
    expect((await codes.issue({ purpose: 'email_verification', subject: subject(), ttlSeconds: 600 })).code).toMatch(/^\d{6}$/);
    expect((await codes.issue({ purpose: 'password_reset', subject: subject(), ttlSeconds: 600, alphabet: 'alphanumeric' })).code).toMatch(/^[0-9A-HJKMNP-TV-Z]{8}$/);
  });

  it('stores no raw code: only an HMAC, in no column the code appears in', async () => {
    const who = subject();
    const { code } = await codes.issue({ purpose: 'email_verification', subject: who, ttlSeconds: 600, alphabet: 'alphanumeric', length: 12 });
    const stored = await row('email_verification', who);
    expect(JSON.stringify(stored)).not.toContain(code);
    expect(stored.code_hmac).toMatch(/^[\w-]{43}$/);
  });

  it('accepts the right code once (ok), then finds no live code (none)', async () => {
    const who = subject();
    const { code, expiresAt } = await codes.issue({ purpose: 'email_verification', subject: who, ttlSeconds: 600 });
    expect(expiresAt.getTime()).toBeGreaterThan(Date.now() + 500_000);
    expect(await codes.verify({ purpose: 'email_verification', subject: who, code })).toEqual({ status: 'ok' });
    expect(await codes.verify({ purpose: 'email_verification', subject: who, code })).toEqual({ status: 'none' });
    expect((await row('email_verification', who)).consumed_at).toBeInstanceOf(Date);
  });

  it('counts a wrong code and says how many attempts are left', async () => {
    const who = subject();
    await codes.issue({ purpose: 'email_verification', subject: who, ttlSeconds: 600, maxAttempts: 3 });
    expect(await codes.verify({ purpose: 'email_verification', subject: who, code: 'not-it' })).toEqual({ status: 'invalid', attemptsLeft: 2 });
    expect((await row('email_verification', who)).attempts).toBe(1);
  });

  it('answers none when no code was issued', async () => {
    expect(await codes.verify({ purpose: 'email_verification', subject: subject(), code: '123456' })).toEqual({ status: 'none' });
  });

  it('lets exactly one of 20 parallel consumptions of the right code succeed', async () => {
    const who = subject();
    const { code } = await codes.issue({ purpose: 'password_reset', subject: who, ttlSeconds: 600, maxAttempts: 100 });
    const results = await Promise.all(Array.from({ length: 20 }, () => codes.verify({ purpose: 'password_reset', subject: who, code })));
    expect(results.filter((r) => r.status === 'ok')).toHaveLength(1);
    expect(results.filter((r) => r.status !== 'ok').every((r) => r.status === 'none')).toBe(true);
  });

  it('counts exactly 5 of 20 parallel wrong guesses (max_attempts 5); the rest and then even the right code get too_many_attempts', async () => {
    const who = subject();
    const { code } = await codes.issue({ purpose: 'password_reset', subject: who, ttlSeconds: 600, maxAttempts: 5 });
    const wrong = code === '000000' ? '111111' : '000000';
    const results = await Promise.all(Array.from({ length: 20 }, () => codes.verify({ purpose: 'password_reset', subject: who, code: wrong })));
    expect(results.filter((r) => r.status === 'invalid')).toHaveLength(5);
    expect(results.filter((r) => r.status === 'too_many_attempts')).toHaveLength(15);
    expect((await row('password_reset', who)).attempts).toBe(5);
    expect(await codes.verify({ purpose: 'password_reset', subject: who, code })).toEqual({ status: 'too_many_attempts' });
    expect((await row('password_reset', who)).consumed_at).toBeNull();
  });

  it('answers expired for a code past its lifetime by the database clock, right or wrong, without counting', async () => {
    const who = subject();
    const { code } = await codes.issue({ purpose: 'email_verification', subject: who, ttlSeconds: 600 });
    // Expire it where expiry is judged: in the database, not by moving a process clock.
    await db.query(`UPDATE one_time_codes SET expires_at = now() - interval '1 second' WHERE subject = $1`, [who]);
    expect(await codes.verify({ purpose: 'email_verification', subject: who, code })).toEqual({ status: 'expired' });
    expect(await codes.verify({ purpose: 'email_verification', subject: who, code: 'nope' })).toEqual({ status: 'expired' });
    expect(await row('email_verification', who)).toMatchObject({ attempts: 0, consumed_at: null });
  });

  it('replaces the earlier live code on a new issue: the old code no longer passes, the new one does', async () => {
    const who = subject();
    const first = await codes.issue({ purpose: 'email_verification', subject: who, ttlSeconds: 600 });
    await codes.verify({ purpose: 'email_verification', subject: who, code: 'wrong' });
    let second = await codes.issue({ purpose: 'email_verification', subject: who, ttlSeconds: 600 });
    while (second.code === first.code) second = await codes.issue({ purpose: 'email_verification', subject: who, ttlSeconds: 600 });
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM one_time_codes WHERE subject = $1', [who]);
    expect(rows[0]!.n).toBe(1);
    expect((await row('email_verification', who)).attempts).toBe(0);
    expect(await codes.verify({ purpose: 'email_verification', subject: who, code: first.code })).toMatchObject({ status: 'invalid' });
    expect(await codes.verify({ purpose: 'email_verification', subject: who, code: second.code })).toEqual({ status: 'ok' });
  });

  it('binds a code to its purpose and subject: it does not pass for another', async () => {
    const who = subject();
    const { code } = await codes.issue({ purpose: 'email_verification', subject: who, ttlSeconds: 600 });
    await codes.issue({ purpose: 'password_reset', subject: who, ttlSeconds: 600 });
    const other = subject();
    await codes.issue({ purpose: 'email_verification', subject: other, ttlSeconds: 600 });
    expect(await codes.verify({ purpose: 'password_reset', subject: who, code })).toMatchObject({ status: 'invalid' });
    expect(await codes.verify({ purpose: 'email_verification', subject: other, code })).toMatchObject({ status: 'invalid' });
    expect(await codes.verify({ purpose: 'email_verification', subject: who, code })).toEqual({ status: 'ok' });
  });

  it('accepts what a person types: spaces, dashes and lower case in an alphanumeric code', async () => {
    const who = subject();
    const { code } = await codes.issue({ purpose: 'password_reset', subject: who, ttlSeconds: 600, alphabet: 'alphanumeric' });
    const typed = ` ${code.slice(0, 4).toLowerCase()}-${code.slice(4)} `;
    expect(await codes.verify({ purpose: 'password_reset', subject: who, code: typed })).toEqual({ status: 'ok' });
  });

  it('verifies under any configured secret (rotation), and not once the issuing secret is dropped', async () => {
    const before = createOneTimeCodes({ db, secrets: [OLD_SECRET] });
    const rotated = createOneTimeCodes({ db, secrets: [SECRET, OLD_SECRET] });
    const who = subject();
    const { code } = await before.issue({ purpose: 'email_verification', subject: who, ttlSeconds: 600 });
    expect(await codes.verify({ purpose: 'email_verification', subject: who, code })).toMatchObject({ status: 'invalid' });
    expect(await rotated.verify({ purpose: 'email_verification', subject: who, code })).toEqual({ status: 'ok' });
  });

  it('maintenance removes codes used or expired longer ago than the grace period, and keeps live ones', async () => {
    const used = subject();
    const expired = subject();
    const live = subject();
    const { code } = await codes.issue({ purpose: 'email_verification', subject: used, ttlSeconds: 600 });
    await codes.verify({ purpose: 'email_verification', subject: used, code });
    await codes.issue({ purpose: 'email_verification', subject: expired, ttlSeconds: 600 });
    await codes.issue({ purpose: 'email_verification', subject: live, ttlSeconds: 600 });
    await db.query(`UPDATE one_time_codes SET consumed_at = now() - interval '2 hours' WHERE subject = $1`, [used]);
    await db.query(`UPDATE one_time_codes SET expires_at = now() - interval '2 hours' WHERE subject = $1`, [expired]);
    expect(await deleteSpentOneTimeCodes(db, 3600)).toBeGreaterThanOrEqual(2);
    const { rows } = await db.query<{ subject: string }>('SELECT subject FROM one_time_codes WHERE subject = ANY($1::text[])', [[used, expired, live]]);
    expect(rows.map((r) => r.subject)).toEqual([live]);
  });

  it('refuses a purpose outside [a-z0-9_] and out-of-range settings before touching the database', async () => {
    await expect(codes.issue({ purpose: 'Email Verification', subject: subject(), ttlSeconds: 600 })).rejects.toBeInstanceOf(RangeError);
    await expect(codes.issue({ purpose: 'email_verification', subject: subject(), ttlSeconds: 0 })).rejects.toBeInstanceOf(RangeError);
    await expect(codes.issue({ purpose: 'email_verification', subject: subject(), ttlSeconds: 60, maxAttempts: 0 })).rejects.toBeInstanceOf(RangeError);
    await expect(codes.issue({ purpose: 'email_verification', subject: subject(), ttlSeconds: 60, length: 3 })).rejects.toBeInstanceOf(RangeError);
  });
});
