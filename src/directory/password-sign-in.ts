import type { Queryable } from '../db/database.js';
import { accountRefusal, type AccountRefusal } from './account-state.js';
import { normalizeIdentifier } from './normalize.js';
import type { PasswordHasher } from './password-hasher.js';
import { findUserByLogin, updateLastLoginById, updatePasswordHashIfUnchanged, type UserRow } from './repositories/user.repository.js';

/** An authentication method reference (RFC 8176 §2): `pwd` for a password; MFA and federation add theirs. */
export type AuthenticationMethod = 'pwd' | 'otp' | 'sms' | 'mfa' | 'hwk' | 'swk' | 'fed';

/** The longest identifier looked up: the longest e-mail address (RFC 5321 §4.5.3.1.3 path limit). */
const MAX_IDENTIFIER = 254;

/** Step 1 of a password sign-in: what the typed identifier names. */
export interface SignInAccount {
  /** The identifier as typed, normalised (the same for "Alice" and "alice"). */
  readonly identifier: string;
  /** The user it names, or undefined when it names nobody. */
  readonly user: UserRow | undefined;
}

/** The outcome of a password check; `user` and the factors used (`amr`) are set only when `ok`. */
export type AuthenticationResult =
  | { ok: true; user: UserRow; amr: readonly AuthenticationMethod[] }
  | { ok: false; reason: 'invalid_credentials' | AccountRefusal };

/**
 * Password sign-in in two steps, so that the caller can count the attempt in between, against the account
 * the identifier names rather than against what was typed ("alice" and "alice@example.com" are one account):
 * find the account (one query) → the caller counts → verify the password.
 */
export interface PasswordSignIn {
  findAccount(identifier: string): Promise<SignInAccount>;
  /**
   * Spends exactly one argon2 verification whether or not the account exists, so response time does not
   * tell who has an account (OWASP Authentication Cheat Sheet). The account's state is disclosed only to
   * someone who proved the password.
   */
  verifyPassword(account: SignInAccount, password: string): Promise<AuthenticationResult>;
}

export function createPasswordSignIn(deps: { db: Queryable; hasher: PasswordHasher }): PasswordSignIn {
  const { db, hasher } = deps;
  return {
    async findAccount(identifier) {
      const normalized = normalizeIdentifier(identifier);
      const user = normalized.length > 0 && normalized.length <= MAX_IDENTIFIER ? await findUserByLogin(db, normalized) : undefined;
      return { identifier: normalized, user };
    },

    async verifyPassword({ user }, password) {
      if (!user?.password_hash) {
        await hasher.burn(password);
        return { ok: false, reason: 'invalid_credentials' };
      }
      const { valid, needsRehash } = await hasher.verify(user.password_hash, password);
      if (!valid) return { ok: false, reason: 'invalid_credentials' };
      const refusal = accountRefusal(user);
      if (refusal) return { ok: false, reason: refusal };
      if (needsRehash) await updatePasswordHashIfUnchanged(db, user.id, user.password_hash, await hasher.hash(password));
      await updateLastLoginById(db, user.id);
      return { ok: true, user, amr: ['pwd'] };
    },
  };
}
