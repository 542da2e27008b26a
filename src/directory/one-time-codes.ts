import { randomInt } from 'node:crypto';
import type { Queryable } from '../db/database.js';
import { deriveKeys, hmacBase64url } from '../lib/hashing.js';
import { consumeOneTimeCode, upsertOneTimeCode } from './repositories/one-time-code.repository.js';

/**
 * One-time codes a person types in (e-mail verification, password reset): random, short-lived, limited
 * in attempts, usable once. The database holds only an HMAC of (purpose, subject, code), keyed by HKDF from
 * each `LATCHKEY_SECRET`; the first secret issues, every secret verifies, so secrets rotate by prepending.
 */

/** `numeric`: digits, for codes read off a phone. `alphanumeric`: Crockford base32 (no I, L, O, U). */
export type OneTimeCodeAlphabet = 'numeric' | 'alphanumeric';

const ALPHABETS: Record<OneTimeCodeAlphabet, string> = {
  numeric: '0123456789',
  alphanumeric: '0123456789ABCDEFGHJKMNPQRSTVWXYZ',
};
const PURPOSE = /^[a-z][a-z0-9_]{0,62}$/;
/** A guess longer than any code Latchkey issues is still counted, but not hashed at full length. */
const MAX_CODE_LENGTH = 32;

export interface IssueOneTimeCode {
  /** What the code is for, e.g. `email_verification`; lower-case letters, digits, underscores. */
  purpose: string;
  /** Whom it is for, usually a user id. */
  subject: string;
  /** Lifetime, by the database clock. */
  ttlSeconds: number;
  /** Verification attempts allowed, right or wrong (default 5). */
  maxAttempts?: number;
  alphabet?: OneTimeCodeAlphabet;
  /** Default 6 for numeric codes, 8 for alphanumeric ones. */
  length?: number;
}

export interface IssuedOneTimeCode {
  /** The code to send to the person. Latchkey keeps no copy. */
  code: string;
  expiresAt: Date;
}

/**
 * The outcome of presenting a code. `ok`: it was right, in time, within the attempts, and is now used up.
 * `invalid`: wrong, and counted. `expired`: the live code is past its lifetime. `too_many_attempts`: the live
 * code allows no more attempts (not even the right code passes). `none`: no live code (never issued,
 * already used, or replaced by a newer one and then used).
 */
export type OneTimeCodeResult =
  | { status: 'ok' }
  | { status: 'invalid'; attemptsLeft: number }
  | { status: 'expired' }
  | { status: 'too_many_attempts' }
  | { status: 'none' };

export interface OneTimeCodes {
  /**
   * Issues a fresh code, replacing any earlier live code for the same purpose and subject (whose attempt
   * count goes with it). Callers limit how often a person may ask for a code: each issue is a new secret.
   */
  issue(input: IssueOneTimeCode): Promise<IssuedOneTimeCode>;
  /** Verifies and, when right, consumes the live code, counting the attempt in the same statement. */
  verify(input: { purpose: string; subject: string; code: string }): Promise<OneTimeCodeResult>;
}

function assertPurpose(purpose: string): void {
  if (!PURPOSE.test(purpose)) throw new RangeError(`one-time code purpose "${purpose}" must match ${PURPOSE.source}`);
}

function assertIntegerIn(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${name} must be an integer from ${min} to ${max}`);
}

/** What the person typed, in the form codes are issued in: spaces and dashes dropped, upper case. */
function normalizeCode(code: string): string {
  return code.replace(/[\s-]/g, '').toUpperCase().slice(0, MAX_CODE_LENGTH);
}

/**
 * Builds the service. `db` may be a transaction, so that consuming a code and acting on it (marking the
 * address verified, setting the new password) commit together. Expiry is judged by the database clock,
 * never by this process's, so replicas with skewed clocks agree on it.
 */
export function createOneTimeCodes(deps: { db: Queryable; secrets: readonly string[] }): OneTimeCodes {
  const keys = deriveKeys(deps.secrets, 'one-time-code v1');
  // JSON keeps the three fields apart whatever characters the subject holds.
  const hmacs = (purpose: string, subject: string, code: string) => keys.map((key) => hmacBase64url(key, JSON.stringify([purpose, subject, code])));

  return {
    async issue(input) {
      assertPurpose(input.purpose);
      const alphabet = ALPHABETS[input.alphabet ?? 'numeric'];
      const length = input.length ?? (input.alphabet === 'alphanumeric' ? 8 : 6);
      const maxAttempts = input.maxAttempts ?? 5;
      assertIntegerIn('length', length, 4, MAX_CODE_LENGTH);
      assertIntegerIn('maxAttempts', maxAttempts, 1, 100);
      assertIntegerIn('ttlSeconds', input.ttlSeconds, 1, 7 * 86_400);
      let code = '';
      for (let i = 0; i < length; i += 1) code += alphabet[randomInt(alphabet.length)];
      const { expires_at } = await upsertOneTimeCode(deps.db, {
        purpose: input.purpose, subject: input.subject, codeHmac: hmacs(input.purpose, input.subject, code)[0]!, maxAttempts, ttlSeconds: input.ttlSeconds,
      });
      return { code, expiresAt: expires_at };
    },

    async verify(input) {
      assertPurpose(input.purpose);
      const result = await consumeOneTimeCode(deps.db, { purpose: input.purpose, subject: input.subject, codeHmacs: hmacs(input.purpose, input.subject, normalizeCode(input.code)) });
      return result.outcome === 'invalid' ? { status: 'invalid', attemptsLeft: result.attempts_left } : { status: result.outcome };
    },
  };
}
