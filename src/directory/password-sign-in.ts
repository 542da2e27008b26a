import { setAuditActor } from '../audit/audit-context.js';
import { recordAudit, recordAuditWith } from '../audit/record-audit.js';
import type { Database, StatementChange } from '../db/database.js';
import { accountRefusal, type AccountRefusal } from './account-state.js';
import { mfaStatusOf, type MfaStatus } from './mfa/mfa-service.js';
import { normalizeIdentifier } from './normalize.js';
import type { PasswordHasher } from './password-hasher.js';
import { findUserByLoginWithSrpPool } from './repositories/srp-verifier.repository.js';
import { lastLoginUpdate, updateLastLoginById, updatePasswordHashIfUnchanged, type UserRow } from './repositories/user.repository.js';
import type { SrpVerifiers } from './srp-verifiers.js';

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
  /** The pool name the user's SRP verifier was derived for; null when they have none. */
  readonly srpPoolName?: string | null;
  /**
   * The user's second-factor state, read with the account when asked for (`withMfaState`), for the step after a
   * proven password (which then needs no round trip of its own); undefined when the identifier names nobody.
   * Like the account's own state, it is told to no one before the password is proven.
   */
  readonly mfa?: MfaStatus;
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
  findAccount(identifier: string, options?: { withMfaState?: boolean }): Promise<SignInAccount>;
  /**
   * Spends exactly one argon2 verification whether or not the account exists, so response time does not
   * tell who has an account (OWASP Authentication Cheat Sheet). The account's state is disclosed only to
   * someone who proved the password. Every outcome is audited (`sign_in.password`): a success with the last
   * sign-in time, in one transaction; a refusal in its own statement, naming the user only when the
   * identifier named a real one. `options.withSuccess`: a change of the caller's that commits with a success
   * and only then (the sign-in throttle's reset), in the same round trip.
   * A user with no SRP verifier for this pool (an imported hash, an account from before SRP) gets one with the
   * success, in the same statement.
   */
  verifyPassword(account: SignInAccount, password: string, options?: { withSuccess?: StatementChange }): Promise<AuthenticationResult>;
}

export function createPasswordSignIn(deps: { db: Database; hasher: PasswordHasher; srp?: SrpVerifiers }): PasswordSignIn {
  const { db, hasher, srp } = deps;
  return {
    async findAccount(identifier, options = {}) {
      const normalized = normalizeIdentifier(identifier);
      const found = normalized.length > 0 && normalized.length <= MAX_IDENTIFIER ? await findUserByLoginWithSrpPool(db, normalized, { mfaState: options.withMfaState }) : undefined;
      if (!found) return { identifier: normalized, user: undefined, srpPoolName: null };
      const { srp_pool_name: srpPoolName, mfa_state: mfaState, ...user } = found;
      return { identifier: normalized, user, srpPoolName, ...(mfaState ? { mfa: mfaStatusOf(mfaState) } : {}) };
    },

    async verifyPassword({ user, srpPoolName }, password, options = {}) {
      const alongside = options.withSuccess ? [options.withSuccess] : [];
      // What was typed is never recorded: a name that matches nobody is often a password typed in the wrong field.
      const refused = async (reason: AccountRefusal | 'unknown_account' | 'no_password' | 'wrong_password'): Promise<AuthenticationResult> => {
        await recordAudit(db, { type: 'sign_in.password', outcome: 'failure', subjectId: user?.id ?? null, details: { reason } });
        return { ok: false, reason: reason === 'unknown_account' || reason === 'no_password' || reason === 'wrong_password' ? 'invalid_credentials' : reason };
      };
      if (!user?.password_hash) {
        await hasher.burn(password);
        return refused(user ? 'no_password' : 'unknown_account');
      }
      const { valid, needsRehash } = await hasher.verify(user.password_hash, password);
      if (!valid) return refused('wrong_password');
      const refusal = accountRefusal(user);
      if (refusal) return refused(refusal);
      const oldHash = user.password_hash;
      const newHash = needsRehash ? await hasher.hash(password) : null;
      // The password proved who is acting: for this event and for whatever the request records next.
      setAuditActor({ kind: 'user', id: user.id });
      if (newHash) {
        await db.transaction(async (tx) => {
          // A new hash drops the verifier (migration 0027's trigger): derived again from the password at hand.
          if (await updatePasswordHashIfUnchanged(tx, user.id, oldHash, newHash)) await srp?.store(tx, user.id, password, newHash);
          await updateLastLoginById(tx, user.id);
          for (const change of alongside) await tx.query(change.sql, change.params);
          await recordAudit(tx, { type: 'sign_in.password', subjectId: user.id });
        });
      } else {
        // The common case: the sign-in time (and the caller's change) with its event in one statement, one round trip.
        // A missing verifier (or one for another pool name) is derived now, while the password is at hand.
        const verifier = srp && srpPoolName !== (await srp.poolName()) ? [await srp.storeChange(user.id, password, oldHash)] : [];
        await recordAuditWith(db, [lastLoginUpdate(user.id), ...alongside, ...verifier], { type: 'sign_in.password', subjectId: user.id });
      }
      return { ok: true, user, amr: ['pwd'] };
    },
  };
}
