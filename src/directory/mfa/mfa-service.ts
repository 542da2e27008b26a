import { recordAudit } from '../../audit/record-audit.js';
import type { Database, Queryable } from '../../db/database.js';
import { ConflictError, InvalidRequestError, NotFoundError } from '../../errors/app-error.js';
import type { Clock } from '../../lib/clock.js';
import { deriveKeys } from '../../lib/hashing.js';
import type { SecretBox } from '../../lib/secret-box.js';
import type { UserRow } from '../repositories/user.repository.js';
import type { UserService } from '../user-service.js';
import { generateRecoveryCodes, normalizeRecoveryCode, recoveryCodeHmacs } from './recovery-codes.js';
import * as repo from './repositories/mfa.repository.js';
import type { MfaMode } from './repositories/mfa.repository.js';
import { base32Decode, generateTotpSecret, matchTotp, otpauthUri } from './totp.js';

export type { MfaMode } from './repositories/mfa.repository.js';
export const MFA_MODES: readonly MfaMode[] = ['off', 'optional', 'required'];

/** Where a user stands: whether an authenticator is confirmed, whether one is required, codes left, passkeys registered. */
export interface MfaStatus {
  mode: MfaMode;
  enrolled: boolean;
  required: boolean;
  recoveryCodesLeft: number;
  /** Passkeys the user registered: a second factor too, where the sign-in offers passkeys. */
  passkeys: number;
}

/** Where a user stands, from the stored state (the pool's mode turns a group's requirement on or off). */
export function mfaStatusOf(state: repo.MfaStateRow): MfaStatus {
  const required = state.mode === 'required' || (state.mode === 'optional' && state.group_required);
  return { mode: state.mode, enrolled: state.totp_confirmed, required, recoveryCodesLeft: state.recovery_codes_left, passkeys: state.passkeys };
}

/** A second factor presented at sign-in: which one passed, or why nothing did. */
export type SecondFactorResult =
  | { ok: true; method: 'totp' | 'recovery_code' }
  | { ok: false; reason: 'invalid_code' | 'not_enrolled' };

export interface MfaService {
  mode(): Promise<MfaMode>;
  setMode(mode: string): Promise<MfaMode>;
  /** Whether members of a group must use a second factor. */
  setGroupRequired(groupName: string, required: boolean): Promise<{ name: string; mfa_required: boolean }>;
  /** From the pool's mode and the user's groups (`off` overrides every group). */
  isRequiredFor(userId: string): Promise<boolean>;
  /** In one query. A password sign-in reads the same with the account it looks up (SignInAccount.mfa). */
  status(userId: string): Promise<MfaStatus>;
  /** Starts (or resumes) enrolment: the secret to show and the otpauth URI for the QR code. */
  beginEnrolment(user: Pick<UserRow, 'id' | 'email' | 'username'>): Promise<{ secret: string; uri: string }>;
  /** Confirms enrolment with a first code; on success returns the recovery codes to show once. */
  confirmEnrolment(userId: string, code: string): Promise<{ ok: true; recoveryCodes: string[] } | { ok: false }>;
  /** A TOTP code, or else a recovery code, of a user with a confirmed authenticator (each spent once). */
  verifySecondFactor(userId: string, code: string): Promise<SecondFactorResult>;
  /** New recovery codes, invalidating the old ones; only with a confirmed authenticator. */
  regenerateRecoveryCodes(userId: string): Promise<string[]>;
  /** The user turns MFA off (the caller checked a recent sign-in); refused where MFA is required. */
  disable(userId: string): Promise<void>;
  /** An operator removes a user's authenticator and recovery codes (lost device); says what was removed. */
  reset(userReference: string): Promise<{ user: UserRow; totp: 'confirmed' | 'pending' | null; recoveryCodes: number }>;
}

/**
 * TOTP second factor with recovery codes. Secrets are sealed per user (the purpose names the user, so a
 * sealed secret copied to another user's row does not open); recovery codes are kept as HMACs; every
 * acceptance is one guarded UPDATE (replayed step, spent code). Time comes from the injected clock.
 */
export function createMfaService(deps: { db: Database; box: SecretBox; secrets: readonly string[]; clock: Clock; users: UserService; issuerName: string }): MfaService {
  const { db, box, clock } = deps;
  const recoveryKeys = deriveKeys(deps.secrets, 'mfa-recovery-code v1');
  const purpose = (userId: string) => `mfa-totp:${userId}`;

  async function newRecoveryCodes(tx: Queryable, userId: string): Promise<string[]> {
    const codes = generateRecoveryCodes();
    await repo.replaceRecoveryCodes(tx, userId, codes.map((code) => recoveryCodeHmacs(recoveryKeys, userId, normalizeRecoveryCode(code)!)[0]!));
    return codes;
  }

  async function isRequiredFor(userId: string): Promise<boolean> {
    const { mode, groupRequired } = await repo.findMfaRequirement(db, userId);
    return mode === 'required' || (mode === 'optional' && groupRequired);
  }

  /** Spends a second factor (`take`, one guarded statement) and records the sign-in step with it. */
  function accepted(userId: string, method: 'totp' | 'recovery_code', take: (tx: Queryable) => Promise<boolean>): Promise<SecondFactorResult> {
    return db.transaction(async (tx) => {
      if (!(await take(tx))) return refusedIn(tx, userId, 'invalid_code');
      await recordAudit(tx, { type: 'sign_in.second_factor', subjectId: userId, details: { method } });
      return { ok: true, method };
    });
  }

  async function refusedIn(tx: Queryable, userId: string, reason: 'invalid_code' | 'not_enrolled'): Promise<SecondFactorResult> {
    await recordAudit(tx, { type: 'sign_in.second_factor', outcome: 'failure', subjectId: userId, details: { reason } });
    return { ok: false, reason };
  }

  /** The step a TOTP code matches for the stored secret, or undefined. */
  function match(row: repo.TotpRow, userId: string, code: string): number | undefined {
    return matchTotp(base32Decode(box.open(row.secret_sealed, purpose(userId))), code.replace(/\s/g, ''), clock.now());
  }

  return {
    mode: () => repo.findMfaMode(db),
    async setMode(mode) {
      if (!(MFA_MODES as readonly string[]).includes(mode)) throw new InvalidRequestError(`MFA mode must be ${MFA_MODES.join(', ')}, not "${mode}"`);
      return db.transaction(async (tx) => {
        const set = await repo.updateMfaMode(tx, mode as MfaMode);
        await recordAudit(tx, { type: 'pool.settings_changed', details: { setting: 'mfa_mode', mode: set } });
        return set;
      });
    },
    async setGroupRequired(groupName, required) {
      return db.transaction(async (tx) => {
        const group = await repo.updateGroupMfaRequired(tx, groupName, required);
        if (!group) throw new NotFoundError(`no group "${groupName}"`);
        await recordAudit(tx, { type: 'group.updated', details: { group: group.name, mfa_required: group.mfa_required } });
        return group;
      });
    },
    isRequiredFor,
    async status(userId) {
      return mfaStatusOf(await repo.findMfaState(db, userId));
    },
    async beginEnrolment(user) {
      const row = await repo.insertPendingTotp(db, user.id, box.seal(generateTotpSecret(), purpose(user.id)));
      if (row.confirmed_at) throw new ConflictError('an authenticator is already set up');
      const secret = box.open(row.secret_sealed, purpose(user.id));
      return { secret, uri: otpauthUri({ issuer: deps.issuerName, account: user.email ?? user.username ?? user.id, secret }) };
    },
    async confirmEnrolment(userId, code) {
      const row = await repo.findTotp(db, userId);
      if (!row || row.confirmed_at) return { ok: false };
      const step = match(row, userId, code);
      if (step === undefined) return { ok: false };
      // Confirming and issuing the codes commit together: no authenticator without its recovery codes.
      return db.transaction(async (tx) => {
        if (!(await repo.acceptTotpStep(tx, userId, step, true))) return { ok: false as const };
        const recoveryCodes = await newRecoveryCodes(tx, userId);
        await recordAudit(tx, { type: 'mfa.enrolled', subjectId: userId, details: { method: 'totp' } });
        return { ok: true as const, recoveryCodes };
      });
    },
    async verifySecondFactor(userId, code) {
      const row = await repo.findTotp(db, userId);
      if (!row?.confirmed_at) return refusedIn(db, userId, 'not_enrolled');
      const typed = code.trim();
      // Six digits (spaces allowed) are an authenticator code; anything else may be a recovery code.
      if (/^\d{6}$/.test(typed.replace(/\s/g, ''))) {
        const step = match(row, userId, typed);
        // A matching code of a step already used is a replay and fails like a wrong code.
        if (step === undefined) return refusedIn(db, userId, 'invalid_code');
        return accepted(userId, 'totp', (tx) => repo.acceptTotpStep(tx, userId, step, false));
      }
      const normalized = normalizeRecoveryCode(typed);
      if (!normalized) return refusedIn(db, userId, 'invalid_code');
      return accepted(userId, 'recovery_code', (tx) => repo.consumeRecoveryCode(tx, userId, recoveryCodeHmacs(recoveryKeys, userId, normalized)));
    },
    async regenerateRecoveryCodes(userId) {
      const row = await repo.findTotp(db, userId);
      if (!row?.confirmed_at) throw new ConflictError('no authenticator is set up');
      return db.transaction(async (tx) => {
        const codes = await newRecoveryCodes(tx, userId);
        await recordAudit(tx, { type: 'mfa.recovery_codes_regenerated', subjectId: userId });
        return codes;
      });
    },
    async disable(userId) {
      if (await isRequiredFor(userId)) throw new ConflictError('a second factor is required for this account');
      await db.transaction(async (tx) => {
        const removed = await repo.deleteMfa(tx, userId);
        await recordAudit(tx, { type: 'mfa.disabled', subjectId: userId, details: { totp: removed.totp, recovery_codes: removed.recoveryCodes } });
      });
    },
    async reset(userReference) {
      const user = await deps.users.resolve(userReference);
      const removed = await db.transaction(async (tx) => {
        const deleted = await repo.deleteMfa(tx, user.id);
        await recordAudit(tx, { type: 'mfa.reset', subjectId: user.id, details: { totp: deleted.totp, recovery_codes: deleted.recoveryCodes } });
        return deleted;
      });
      return { user, ...removed };
    },
  };
}
