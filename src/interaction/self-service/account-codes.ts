import type { Database, Queryable } from '../../db/database.js';
import { createOneTimeCodes, type OneTimeCodeResult } from '../../directory/one-time-codes.js';
import type { UserRow } from '../../directory/repositories/user.repository.js';
import type { EmailChange } from '../../directory/email-change.js';
import type { UserService } from '../../directory/user-service.js';
import type { RateCounters } from '../../http/rate-counters.js';
import { hmacBase64url } from '../../lib/hashing.js';
import type { Logger } from '../../lib/logger.js';
import type { Mailer } from '../../mail/mailer.js';

/** Why a code was not accepted, in words the person can act on. */
export type CodeRefusal = Exclude<OneTimeCodeResult['status'], 'ok'>;

export type CodeOutcome = { ok: true; user: UserRow } | { ok: false; reason: CodeRefusal };

export type SendOutcome = { sent: true } | { sent: false; retryAfterSeconds: number };

export interface AccountCodes {
  /** Mails a verification code (and a link carrying it) to the user's address, within the cool-down. */
  sendVerification(user: Pick<UserRow, 'id' | 'email'>): Promise<SendOutcome>;
  /**
   * A verification code for a subject that is no account (a sign-up with an address that has one), mailed to
   * nobody: attempts, expiry and the work done then behave exactly as for a real sign-up, so entering codes
   * cannot tell the two apart.
   */
  standInVerification(subject: string): Promise<void>;
  /** Right code: the address is verified and an unconfirmed account confirmed, atomically. */
  verifyEmail(userId: string, code: string): Promise<CodeOutcome>;
  /**
   * Starts a password reset for whatever `identifier` names. Does the same work, in the same time, whether
   * or not it names an account that can be reset; mails a code only when it does.
   */
  requestReset(identifier: string): Promise<void>;
  /** Right code: the new password is set and the user signed out everywhere, atomically; then a notice is mailed. */
  resetPassword(identifier: string, code: string, password: string): Promise<CodeOutcome>;
  /** Mails a code to the address the user asked to change to (pending in `emailChange`), within the cool-down. */
  sendEmailChange(userId: string, email: string, normalized: string): Promise<SendOutcome>;
  /** Right code for the pending address: it replaces the old one (ConflictError when another account took it). */
  confirmEmailChange(userId: string, code: string): Promise<CodeOutcome>;
}

const VERIFY = { purpose: 'email_verification', ttlSeconds: 60 * 60 } as const;
const RESET = { purpose: 'password_reset', ttlSeconds: 15 * 60 } as const;
const CHANGE = { purpose: 'email_change', ttlSeconds: 60 * 60 } as const;
/** One mail per minute and five per hour per account and purpose: enough for a typo, useless for mail-bombing. */
const COOL_DOWN_SECONDS = 60;
const HOURLY_MAILS = 5;

/**
 * E-mail verification and password reset codes: the one-time-code primitive (HMAC at rest, single use,
 * expiring, attempts limited), consumed in the same transaction as its effect, and delivered by the mailer.
 * Mail is sent after the answer is decided and never awaited by the caller's timing-sensitive path.
 */
export function createAccountCodes(deps: { db: Database; secrets: readonly string[]; users: UserService; emailChange: EmailChange; mailer: Mailer; counters: RateCounters; issuer: string; logger: Logger }): AccountCodes {
  const { db, users, mailer, counters, logger } = deps;
  // The code is bound to the address it was mailed to: one sent to an earlier pending address proves nothing.
  const changeSubject = (userId: string, normalized: string) => `${userId}:${normalized}`;
  const base = deps.issuer.replace(/\/+$/, '');
  const codesOn = (q: Queryable) => createOneTimeCodes({ db: q, secrets: deps.secrets });
  // A stand-in subject for identifiers that name no resettable account: the same statements run for it.
  const nobody = (identifier: string) => `nobody:${hmacBase64url(deps.secrets[0]!, `reset-subject:${identifier}`)}`;

  async function coolDown(purpose: string, userId: string): Promise<SendOutcome> {
    const minute = `mail:${purpose}:minute:${userId}`;
    const hour = `mail:${purpose}:hour:${userId}`;
    const recent = (await counters.hit([minute], COOL_DOWN_SECONDS)).get(minute)!;
    if (recent.count > 1) return { sent: false, retryAfterSeconds: recent.resetsInSeconds };
    const hourly = (await counters.hit([hour], 60 * 60)).get(hour)!;
    if (hourly.count > HOURLY_MAILS) return { sent: false, retryAfterSeconds: hourly.resetsInSeconds };
    return { sent: true };
  }

  function deliver(send: Promise<void>, event: string, userId: string): void {
    send.catch((error: unknown) => logger.error({ err: error, event, userId }, 'mail could not be delivered'));
  }

  async function verifyWith(purpose: string, subject: string, code: string, tx: Queryable): Promise<OneTimeCodeResult> {
    return codesOn(tx).verify({ purpose, subject, code });
  }

  return {
    async sendVerification(user) {
      if (!user.email) return { sent: false, retryAfterSeconds: 0 };
      const allowed = await coolDown(VERIFY.purpose, user.id);
      if (!allowed.sent) return allowed;
      const { code } = await codesOn(db).issue({ purpose: VERIFY.purpose, subject: user.id, ttlSeconds: VERIFY.ttlSeconds });
      const link = `${base}/verify-email?${new URLSearchParams({ user: user.id, code }).toString()}`;
      deliver(mailer.send({ to: user.email, template: 'verify-email', data: { code, link } }), 'mail.verify_email', user.id);
      logger.info({ event: 'signup.verification_sent', userId: user.id }, 'verification code sent');
      return { sent: true };
    },

    async standInVerification(subject) {
      await codesOn(db).issue({ purpose: VERIFY.purpose, subject, ttlSeconds: VERIFY.ttlSeconds });
    },

    async verifyEmail(userId, code) {
      let result: OneTimeCodeResult = { status: 'none' };
      const user = await users.proveEmail(userId, async (tx) => {
        result = await verifyWith(VERIFY.purpose, userId, code, tx);
        return result.status === 'ok';
      });
      const { status } = result as OneTimeCodeResult;
      return user ? { ok: true, user } : { ok: false, reason: status === 'ok' ? 'none' : status };
    },

    async requestReset(identifier) {
      const { user } = await users.findSignInAccount(identifier);
      const resettable = user?.email && user.enabled ? user : undefined;
      if (!resettable) {
        // The same write as for a real account, so the answer takes as long; nothing is mailed.
        await codesOn(db).issue({ purpose: RESET.purpose, subject: nobody(identifier), ttlSeconds: RESET.ttlSeconds });
        return;
      }
      if (!(await coolDown(RESET.purpose, resettable.id)).sent) return;
      const { code } = await codesOn(db).issue({ purpose: RESET.purpose, subject: resettable.id, ttlSeconds: RESET.ttlSeconds });
      deliver(mailer.send({ to: resettable.email!, template: 'reset-password', data: { code, link: `${base}/account` } }), 'mail.reset_password', resettable.id);
      logger.info({ event: 'reset.code_sent', userId: resettable.id }, 'password reset code sent');
    },

    async sendEmailChange(userId, email, normalized) {
      const allowed = await coolDown(CHANGE.purpose, userId);
      if (!allowed.sent) return allowed;
      const { code } = await codesOn(db).issue({ purpose: CHANGE.purpose, subject: changeSubject(userId, normalized), ttlSeconds: CHANGE.ttlSeconds });
      deliver(mailer.send({ to: email, template: 'verify-email', data: { code, link: `${base}/account` } }), 'mail.email_change', userId);
      logger.info({ event: 'account.email_change_code_sent', userId }, 'code sent to a new address');
      return { sent: true };
    },

    async confirmEmailChange(userId, code) {
      let result: OneTimeCodeResult = { status: 'none' };
      const user = await deps.emailChange.confirm(userId, async (tx, normalized) => {
        result = await verifyWith(CHANGE.purpose, changeSubject(userId, normalized), code, tx);
        return result.status === 'ok';
      });
      const { status } = result as OneTimeCodeResult;
      return user ? { ok: true, user } : { ok: false, reason: status === 'ok' ? 'none' : status };
    },

    async resetPassword(identifier, code, password) {
      const { user } = await users.findSignInAccount(identifier);
      if (!user?.email || !user.enabled) {
        // One argon2 computation, as the real path's hashing of the new password: the timing tells nothing.
        await users.spendPasswordWork(password);
        const result = await verifyWith(RESET.purpose, nobody(identifier), code, db);
        return { ok: false, reason: result.status === 'ok' ? 'none' : result.status };
      }
      let result: OneTimeCodeResult = { status: 'none' };
      const changed = await users.resetPassword(user.id, password, async (tx) => {
        result = await verifyWith(RESET.purpose, user.id, code, tx);
        return result.status === 'ok';
      });
      const { status } = result as OneTimeCodeResult;
      if (!changed) return { ok: false, reason: status === 'ok' ? 'none' : status };
      logger.info({ event: 'reset.completed', userId: user.id }, 'password reset; signed out everywhere');
      deliver(mailer.send({ to: changed.email!, template: 'password-changed', data: {} }), 'mail.password_changed', user.id);
      return { ok: true, user: changed };
    },
  };
}
