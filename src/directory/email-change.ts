import { recordAudit } from '../audit/record-audit.js';
import type { Database, Queryable } from '../db/database.js';
import { ConflictError, InvalidRequestError } from '../errors/app-error.js';
import { isEmailShaped, normalizeIdentifier } from './normalize.js';
import * as pending from './repositories/email-change.repository.js';
import { findUserById, replaceEmailById, type UserRow } from './repositories/user.repository.js';

/** A pending change, as the account page shows it. */
export interface PendingEmailChange {
  email: string;
  requestedAt: Date;
}

export interface EmailChange {
  /**
   * Records the address the user wants (replacing an earlier request) and returns its normalized form, which
   * the caller binds the mailed code to. The current address stays in force until `confirm`.
   */
  request(userId: string, email: string): Promise<{ email: string; normalized: string }>;
  pendingFor(userId: string): Promise<PendingEmailChange | undefined>;
  cancel(userId: string): Promise<void>;
  /**
   * Applies the pending change when `proof(tx, normalized)` holds (the code mailed to that address, consumed
   * in this transaction). Undefined when there is nothing pending or the proof failed; ConflictError when
   * the address was taken by another account meanwhile.
   */
  confirm(userId: string, proof: (tx: Queryable, normalized: string) => Promise<boolean>): Promise<UserRow | undefined>;
}

/** Changing one's own e-mail address: the new one takes effect only once a code mailed to it comes back. */
export function createEmailChange(deps: { db: Database }): EmailChange {
  const { db } = deps;
  return {
    async request(userId, email) {
      const trimmed = email.trim();
      if (!isEmailShaped(trimmed) || trimmed.length > 254) throw new InvalidRequestError('invalid address', [{ path: 'email', message: 'is not an e-mail address' }]);
      const normalized = normalizeIdentifier(trimmed);
      const user = await findUserById(db, userId);
      if (user?.email && normalizeIdentifier(user.email) === normalized) throw new InvalidRequestError('same address', [{ path: 'email', message: 'is already your address' }]);
      await pending.upsertPendingEmailChange(db, userId, trimmed, normalized);
      return { email: trimmed, normalized };
    },

    async pendingFor(userId) {
      const row = await pending.findPendingEmailChange(db, userId);
      return row && { email: row.email, requestedAt: row.created_at };
    },

    cancel: (userId) => pending.deletePendingEmailChange(db, userId),

    async confirm(userId, proof) {
      return db.transaction(async (tx) => {
        const row = await pending.findPendingEmailChange(tx, userId);
        if (!row || !(await proof(tx, row.email_normalized))) return undefined;
        if (!(await pending.takePendingEmailChange(tx, userId, row.email_normalized))) return undefined;
        let changed: UserRow | undefined;
        try {
          changed = await replaceEmailById(tx, userId, row.email, row.email_normalized);
        } catch (error) {
          if ((error as { code?: string }).code === '23505') throw new ConflictError('this address belongs to another account');
          throw error;
        }
        if (changed) await recordAudit(tx, { type: 'email.changed', subjectId: userId });
        return changed;
      });
    },
  };
}
