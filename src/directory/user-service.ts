import { recordAudit } from '../audit/record-audit.js';
import type { AuditEventInput } from '../audit/audit-event.js';
import type { Database, Queryable, StatementChange } from '../db/database.js';
import { isUuid } from '../lib/uuid.js';
import { ConflictError, InvalidRequestError, NotFoundError } from '../errors/app-error.js';
import { userMayAct } from './account-state.js';
import { normalizeIdentifier } from './normalize.js';
import type { PasswordHasher } from './password-hasher.js';
import { assertPasswordAllowed, createPasswordPolicy, type PasswordPolicy } from './password-policy.js';
import type { PasswordPolicySource } from './password-policy-source.js';
import { createPasswordSignIn, type AuthenticationResult, type SignInAccount } from './password-sign-in.js';
import type { SrpVerifiers } from './srp-verifiers.js';
import * as users from './repositories/user.repository.js';
import type { TemporaryPasswordState, UserRow, UserWithGroupsRow } from './repositories/user.repository.js';
import { createUser, type CreateUserInput, type CreateUserOptions } from './user-create.js';
import { updateUser, type UpdateOptions, type UserChanges } from './user-update.js';

export type { CreateUserInput };

export interface UserService {
  /**
   * Creates a user. `options.within` runs in the same transaction once the row exists (e.g. recording the
   * federated identity the user is created for): if it throws, the user is never created. The audit event
   * is `user.created`, or `sign_up.created` for an account people create for themselves (`event`).
   */
  create(input: CreateUserInput, options?: CreateUserOptions): Promise<UserRow>;
  /**
   * Password sign-in, step 1: the account a login identifier (username or e-mail) names, in one query; with
   * `withMfaState`, its second-factor state too (SignInAccount.mfa), for a caller that acts on it after the password.
   */
  findSignInAccount(identifier: string, options?: { withMfaState?: boolean }): Promise<SignInAccount>;
  /** Password sign-in, step 3 (after the caller counted the attempt): see PasswordSignIn.verifyPassword. */
  verifyPassword(account: SignInAccount, password: string, options?: { withSuccess?: StatementChange }): Promise<AuthenticationResult>;
  /**
   * One argon2 computation and nothing else (no sign-in is recorded): what a path spends for a name with no
   * account, so that its timing tells nothing.
   */
  spendPasswordWork(password: string): Promise<void>;
  findById(id: string): Promise<UserRow | undefined>;
  /**
   * A user who may act (enabled, confirmed, not deleted) with their groups in precedence order and the
   * names of their linked upstream providers, in one query; undefined otherwise. What token-accepting features load before doing anything for a user.
   */
  findActingUser(id: string): Promise<UserWithGroupsRow | undefined>;
  /** Finds by UUID, username or e-mail, for the CLI and admin API. */
  resolve(reference: string): Promise<UserRow>;
  /** Changes attributes (see user-update.ts: immutable attributes, re-normalised identifiers, 409 on a clash). */
  update(reference: string, changes: UserChanges, options: UpdateOptions): Promise<UserRow>;
  setEnabled(reference: string, enabled: boolean): Promise<UserRow>;
  /** Ends every session and grant of the user and revokes their storage credentials (global sign-out). */
  signOutEverywhere(reference: string): Promise<UserRow>;
  /**
   * Marks the user's current address verified (and an unconfirmed account confirmed) when `proof` holds.
   * `proof` runs first in the same transaction (consuming a mailed one-time code, counting a wrong one), so
   * the proof and its effect commit together; a failed proof still commits (its attempt stays counted).
   */
  proveEmail(userId: string, proof: ProofStep): Promise<UserRow | undefined>;
  /**
   * Replaces the password of a user who proved their address with `proof` (as in `proveEmail`), confirms the
   * account and signs the user out everywhere (sessions, grants, storage credentials), all in one
   * transaction. The password is checked against the policy first; undefined when the proof failed.
   */
  resetPassword(userId: string, password: string, proof: ProofStep): Promise<UserRow | undefined>;
  /**
   * The user changes their own password: the current one must be right (400 on `current_password`
   * otherwise), the new one must meet the policy, and every session of the user ends with the change.
   */
  changePassword(userId: string, currentPassword: string, newPassword: string): Promise<UserRow>;
  /**
   * An administrator sets the user's password (checked against the policy). Every session, grant and storage
   * credential of the user ends with it, as on a reset, since whoever held the old password may hold one
   * of them; a reset-required account is confirmed by it.
   */
  setPassword(reference: string, password: string): Promise<UserRow>;
  /**
   * The user must choose a new password (status `reset_required`) before signing in again, through the
   * hosted reset page (which needs an e-mail address) or `setPassword`. Their sessions, tokens and storage
   * credentials end now, as the old password no longer counts.
   */
  requireReset(reference: string, options?: { temporaryPassword?: boolean }): Promise<UserRow>;
  /**
   * Whether the user's current password is an administrator's temporary one (`requireReset` with
   * `temporaryPassword`, the password unchanged since), which may be used once to choose a new password:
   * `valid` within the pool's `temporaryPasswordValidityDays` of being set, `expired` after (only an
   * administrator's new password or reset starts over), `none` otherwise.
   */
  temporaryPassword(userId: string): Promise<TemporaryPasswordState>;
  delete(reference: string): Promise<void>;
}


/** Proof of control over the user's address, run inside the change's transaction (see `proveEmail`). */
export type ProofStep = (tx: Queryable, user: UserRow) => Promise<boolean>;

/** Why a user loses access. */
export type LockReason = 'disabled' | 'deleted' | 'signed_out';

/** Things that must happen when a user loses access (wired in services.ts; the directory knows no consumers). */
export interface UserLifecycleHooks {
  /**
   * Called inside the transaction that disables, deletes or signs the user out everywhere, so what it
   * records (ended sessions and grants, a durable revocation of storage credentials) commits with the
   * change or not at all. Returns what to do once the transaction committed (e.g. call the object store).
   */
  lockUser?: (tx: Queryable, userId: string, reason: LockReason) => Promise<() => Promise<void>>;
}

/**
 * `srp`: where the SRP verifier of every new password goes (set, changed, reset, or first seen at a sign-in),
 * in the transaction that stores its hash. Without it (tools that build a bare directory) no verifier is kept.
 */
export function createUserService(deps: { db: Database; hasher: PasswordHasher; passwordPolicy?: PasswordPolicy | PasswordPolicySource; hooks?: UserLifecycleHooks; srp?: SrpVerifiers }): UserService {
  const { db, hasher } = deps;
  const configured = deps.passwordPolicy ?? createPasswordPolicy();
  // The pool's policy as it stands now (a source follows `pool set-password-policy`), or a fixed one.
  const currentPolicy = (): Promise<PasswordPolicy> => ('current' in configured ? configured.current() : Promise.resolve(configured));
  const signIn = createPasswordSignIn({ db, hasher, ...(deps.srp ? { srp: deps.srp } : {}) });
  const creation = { db, hasher, currentPolicy, ...(deps.srp ? { srp: deps.srp } : {}) };

  async function resolve(reference: string): Promise<UserRow> {
    const found = isUuid(reference.toLowerCase())
      ? await users.findUserById(db, reference.toLowerCase())
      : await users.findUserByLogin(db, normalizeIdentifier(reference));
    if (!found) throw new NotFoundError(`no user "${reference}"`);
    return found;
  }

  /**
   * Runs a change to a user and, when it takes their access away (`reason`), the lock-out hook in the same
   * transaction, with the change's audit event; the hook's follow-up runs after the commit.
   */
  async function lockingTransaction<T>(userId: string, reason: LockReason | null, event: AuditEventInput['type'], change: (tx: Queryable) => Promise<T>): Promise<T> {
    const { result, afterCommit } = await db.transaction(async (tx) => {
      const changed = await change(tx);
      await recordAudit(tx, { type: event, subjectId: userId });
      const then = reason && deps.hooks?.lockUser ? await deps.hooks.lockUser(tx, userId, reason) : undefined;
      return { result: changed, afterCommit: then };
    });
    await afterCommit?.();
    return result;
  }

  return {
    create: (input, options = {}) => createUser(creation, input, options),

    findSignInAccount: (identifier, options) => signIn.findAccount(identifier, options),
    verifyPassword: (account, password, options) => signIn.verifyPassword(account, password, options),
    spendPasswordWork: (password) => hasher.burn(password),

    findById: (id) => (isUuid(id.toLowerCase()) ? users.findUserById(db, id) : Promise.resolve(undefined)),
    async findActingUser(id) {
      if (!isUuid(id)) return undefined;
      const user = await users.findUserWithGroupsById(db, id);
      return userMayAct(user) ? user : undefined;
    },
    resolve,

    async update(reference, changes, options) {
      return updateUser(db, await resolve(reference), changes, options);
    },

    async setEnabled(reference, enabled) {
      const user = await resolve(reference);
      return lockingTransaction(user.id, enabled ? null : 'disabled', enabled ? 'user.enabled' : 'user.disabled', async (tx) => {
        const updated = await users.updateUserEnabledById(tx, user.id, enabled);
        if (!updated) throw new NotFoundError(`no user "${reference}"`);
        return updated;
      });
    },

    async proveEmail(userId, proof) {
      return db.transaction(async (tx) => {
        const user = await users.findUserById(tx, userId);
        if (!user?.email || !(await proof(tx, user))) return undefined;
        const proven = await users.markEmailProvenById(tx, user.id, normalizeIdentifier(user.email));
        if (proven) await recordAudit(tx, { type: 'email.verified', subjectId: user.id, details: { confirmed: user.status === 'unconfirmed' && proven.status === 'confirmed' } });
        return proven;
      });
    },

    async resetPassword(userId, password, proof) {
      const before = await users.findUserById(db, userId);
      if (!before?.email) return undefined;
      assertPasswordAllowed(await currentPolicy(), password, { email: before.email, username: before.username });
      const passwordHash = await hasher.hash(password);
      const { changed, afterCommit } = await db.transaction(async (tx) => {
        const user = await users.findUserById(tx, userId);
        if (!user?.email || !(await proof(tx, user))) return { changed: undefined, afterCommit: undefined };
        const updated = await users.resetPasswordById(tx, user.id, normalizeIdentifier(user.email), passwordHash);
        if (updated) {
          await deps.srp?.store(tx, user.id, password, passwordHash);
          await recordAudit(tx, { type: 'password.reset', subjectId: user.id });
        }
        // Whoever knew the old password loses every session, refresh token and storage credential with it.
        const then = updated && deps.hooks?.lockUser ? await deps.hooks.lockUser(tx, user.id, 'signed_out') : undefined;
        return { changed: updated, afterCommit: then };
      });
      await afterCommit?.();
      return changed;
    },

    async changePassword(userId, currentPassword, newPassword) {
      const user = await users.findUserById(db, userId);
      if (!user) throw new NotFoundError('no such user');
      const oldHash = user.password_hash;
      if (oldHash === null) throw new InvalidRequestError('no password to change', [{ path: 'current_password', message: 'this account has no password (it signs in through a provider)' }]);
      if (!(await hasher.verify(oldHash, currentPassword)).valid) {
        throw new InvalidRequestError('the current password is not right', [{ path: 'current_password', message: 'is not right' }]);
      }
      assertPasswordAllowed(await currentPolicy(), newPassword, { email: user.email, username: user.username });
      const newHash = await hasher.hash(newPassword);
      // Whoever else knew the old password loses every session with it (this browser signs in again).
      return lockingTransaction(user.id, 'signed_out', 'password.changed', async (tx) => {
        if (!(await users.updatePasswordHashIfUnchanged(tx, user.id, oldHash, newHash))) throw new ConflictError('the password was changed meanwhile; sign in again');
        await deps.srp?.store(tx, user.id, newPassword, newHash);
        return user;
      });
    },

    async signOutEverywhere(reference) {
      const user = await resolve(reference);
      return lockingTransaction(user.id, 'signed_out', 'user.signed_out', async () => user);
    },

    async setPassword(reference, password) {
      const user = await resolve(reference);
      assertPasswordAllowed(await currentPolicy(), password, { email: user.email, username: user.username });
      const passwordHash = await hasher.hash(password);
      return lockingTransaction(user.id, 'signed_out', 'password.set', async (tx) => {
        const updated = await users.setPasswordById(tx, user.id, passwordHash);
        if (!updated) throw new NotFoundError(`no user "${reference}"`);
        await deps.srp?.store(tx, user.id, password, passwordHash);
        return updated;
      });
    },

    async requireReset(reference, options = {}) {
      const user = await resolve(reference);
      return lockingTransaction(user.id, 'signed_out', 'password.reset_required', async (tx) => {
        const updated = await users.requireResetById(tx, user.id, options.temporaryPassword === true);
        if (!updated) throw new NotFoundError(`no user "${reference}"`);
        return updated;
      });
    },

    temporaryPassword: async (userId) => users.temporaryPasswordStateById(db, userId, (await currentPolicy()).options.temporaryPasswordValidityDays),

    async delete(reference) {
      const user = await resolve(reference);
      await lockingTransaction(user.id, 'deleted', 'user.deleted', async (tx) => {
        if (!(await users.deleteUserById(tx, user.id))) throw new NotFoundError(`no user "${reference}"`);
      });
    },
  };
}
