import argon2 from 'argon2';
import { parsePasswordHash } from './password-formats/registry.js';

/**
 * Password hashing with argon2id at OWASP's recommended parameters (m = 19 MiB, t = 2, p = 1;
 * OWASP Password Storage Cheat Sheet). Hashes made with other parameters still verify and are flagged
 * for rehash, so raising the cost upgrades users as they sign in. Imported hashes of other formats
 * (bcrypt, scrypt, PBKDF2-SHA256, Firebase's scrypt: see `password-formats/`) verify too and are always
 * flagged, so an imported user's hash becomes argon2id at their first sign-in.
 */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /**
   * Verifies; `needsRehash` is true when the stored hash is of another format or used other parameters.
   * A hash of no known format, or one asking for more work than the bounds allow, verifies as false.
   */
  verify(hash: string, password: string): Promise<{ valid: boolean; needsRehash: boolean }>;
  /** Spends the same time as a real verification, for unknown users (no enumeration by timing). */
  burn(password: string): Promise<void>;
}

export interface Argon2Parameters {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

export const OWASP_ARGON2ID: Argon2Parameters = Object.freeze({ memoryCost: 19456, timeCost: 2, parallelism: 1 });

/** argon2 accepts passwords up to 4 GiB; bounding input keeps hashing cost bounded (a DoS vector). */
export const MAX_PASSWORD_BYTES = 1024;

export function createPasswordHasher(parameters: Argon2Parameters = OWASP_ARGON2ID): PasswordHasher {
  const options = { type: argon2.argon2id as 2, ...parameters };
  // A real hash of a random password, made once, so burn() does exactly the work of a failed verify.
  let dummy: Promise<string> | undefined;
  return {
    hash(password) {
      return argon2.hash(password, options);
    },
    async verify(hash, password) {
      // A malformed stored hash verifies as false rather than throwing.
      const parsed = parsePasswordHash(hash);
      if (!parsed.ok) return { valid: false, needsRehash: false };
      const valid = await parsed.verify(password).catch(() => false);
      const current = parsed.format === 'argon2id' && !argon2.needsRehash(hash, options);
      return { valid, needsRehash: valid && !current };
    },
    async burn(password) {
      dummy ??= argon2.hash(crypto.randomUUID(), options);
      await argon2.verify(await dummy, password).catch(() => false);
    },
  };
}
