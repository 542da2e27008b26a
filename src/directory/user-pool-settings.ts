import { recordAudit } from '../audit/record-audit.js';
import type { AuditDetail } from '../audit/audit-event.js';
import type { Database, Queryable } from '../db/database.js';
import { createNotifiedCache } from '../db/notified-cache.js';
import { InvalidRequestError } from '../errors/app-error.js';
import { poolIdentifiers, type PoolIdentifiers } from './pool-identifiers.js';
import { createPasswordPolicy, type PasswordPolicy, type PasswordPolicyOptions } from './password-policy.js';
import * as repo from './repositories/user-pool-settings.repository.js';

/** Profile attributes sign-up can require (besides e-mail and password, which it always requires). */
export const SIGNUP_ATTRIBUTES = ['username', 'given_name', 'family_name'] as const;

export interface SignupSettings {
  /** Whether people may create their own account (Cognito's default: yes; `pool set-signup closed`). */
  enabled: boolean;
  /** Attributes the sign-up form requires: among SIGNUP_ATTRIBUTES, or `custom:NAME`. */
  required: readonly string[];
}

export interface UserPoolSettings {
  signup(): Promise<SignupSettings>;
  setSignup(change: { enabled?: boolean; required?: readonly string[] }): Promise<SignupSettings>;
  /** Whether users may delete their own account on the account page (default: no, as an operator decides). */
  selfDeleteAllowed(): Promise<boolean>;
  setSelfDelete(allowed: boolean): Promise<boolean>;
  /** The stored password policy options (only those that differ from the defaults). */
  passwordPolicyOptions(): Promise<Record<string, unknown>>;
  /**
   * The policy the stored options build, read now (not through the policy source's short cache, so an
   * administrator sees a change at once); the defaults when the stored set does not build, as the source does.
   */
  passwordPolicy(): Promise<PasswordPolicy>;
  /** Validates and stores the options (absent ones take the defaults); InvalidRequestError names every problem. */
  setPasswordPolicy(options: Partial<PasswordPolicyOptions>): Promise<PasswordPolicy>;
  /** The pool's Cognito-shaped user-pool and identity-pool IDs (stable: generated once by migration 0026). */
  identifiers(): Promise<PoolIdentifiers>;
  /**
   * Called by this process's other writers of the settings (attribute renames move a sign-up requirement)
   * once their change is over; other processes' changes are heard through NOTIFY.
   */
  changed(): void;
}

/** The channel migration 0025's trigger notifies whenever the settings row changes. */
export const USER_POOL_SETTINGS_CHANNEL = 'latchkey_user_pool_settings_changed';
/** The payload of that notification: the table has one row, kept under this key. */
const SETTINGS_KEY = 'settings';

/** A declared custom attribute's claim name (attribute names: see attribute-service.ts). */
const CUSTOM = /^custom:[a-z][a-z0-9_]{0,31}$/;

/**
 * The pool's settings. Every sign-in page asks whether sign-up is offered, so the row is kept in process
 * (db/notified-cache.ts): each replica (or the embedded database's one server) hears every change to it at
 * commit, whoever made it, and reads it again then; a process that does not listen reads the row each time.
 */
/** `region`: LATCHKEY_REGION, the first part of the pool's Cognito-shaped IDs. */
export function createUserPoolSettings(deps: { db: Database; region: string }): UserPoolSettings {
  const { db, region } = deps;
  const stored = createNotifiedCache({ db, channel: USER_POOL_SETTINGS_CHANNEL, load: () => repo.findUserPoolSettings(db) });
  const settings = async () => (await stored.get(SETTINGS_KEY))!;
  /** Applies a change to the pool's settings with its audit event (`setting`: which one; never more than names and flags). */
  const audited = async <T>(setting: string, details: Record<string, AuditDetail>, change: (tx: Queryable) => Promise<T>): Promise<T> => {
    try {
      return await db.transaction(async (tx) => {
        const result = await change(tx);
        await recordAudit(tx, { type: 'pool.settings_changed', details: { setting, ...details } });
        return result;
      });
    } finally {
      // This process reads its own change at once, before its notification arrives.
      stored.invalidate(SETTINGS_KEY);
    }
  };
  const present = (row: repo.UserPoolSettingsRow): SignupSettings => ({ enabled: row.signup_enabled, required: row.signup_required });
  return {
    signup: async () => present(await settings()),
    async setSignup(change) {
      const required = change.required ? [...new Set(change.required)] : null;
      const unknown = required?.filter((name) => !(SIGNUP_ATTRIBUTES as readonly string[]).includes(name) && !CUSTOM.test(name)) ?? [];
      if (unknown.length) throw new InvalidRequestError('invalid sign-up settings', [{ path: 'required', message: `unknown attribute ${unknown.map((n) => `"${n}"`).join(', ')}; use ${SIGNUP_ATTRIBUTES.join(', ')} or custom:NAME` }]);
      const details = { ...(change.enabled !== undefined ? { enabled: change.enabled } : {}), ...(required ? { required } : {}) };
      return present(await audited('signup', details, (tx) => repo.updateUserPoolSignup(tx, { enabled: change.enabled ?? null, required })));
    },
    selfDeleteAllowed: async () => (await settings()).self_delete_enabled,
    setSelfDelete: async (allowed) => (await audited('self_delete', { enabled: allowed }, (tx) => repo.updateUserPoolSelfDelete(tx, allowed))).self_delete_enabled,
    passwordPolicyOptions: async () => (await settings()).password_policy,
    async passwordPolicy() {
      const options = (await settings()).password_policy;
      try {
        return createPasswordPolicy(options);
      } catch {
        return createPasswordPolicy();
      }
    },
    async setPasswordPolicy(options) {
      const policy = createPasswordPolicy(options);
      await audited('password_policy', { options: Object.keys(options) }, (tx) => repo.updatePasswordPolicyOptions(tx, { ...options }));
      return policy;
    },
    async identifiers() {
      const row = await settings();
      if (!row.user_pool_id_suffix || !row.identity_pool_uuid) throw new Error('the user pool settings row is missing: run latchkey migrate');
      return poolIdentifiers(region, { userPoolIdSuffix: row.user_pool_id_suffix, identityPoolUuid: row.identity_pool_uuid });
    },
    changed: () => stored.invalidate(SETTINGS_KEY),
  };
}
