import { recordAudit } from '../audit/record-audit.js';
import type { Database, Queryable } from '../db/database.js';
import { deleteGrantOfAccount, deleteOidcModelsByAccountId, listLiveGrantsByAccountId } from './repositories/oidc-model.repository.js';

/** An app the user is signed in to (one grant), as the account page shows it. */
export interface SignedInApp {
  grantId: string;
  clientId: string;
  grantedAt: Date;
  lastUsedAt: Date;
}

/** What other features may do to the provider's stored state for an account. */
export interface SessionService {
  /**
   * Ends every session and grant of an account, and with the grants every token: refresh tokens and codes
   * go with their rows, and JWT access tokens fail the liveness check once their grant is gone. Returns how
   * many rows went. `tx` runs it inside the caller's transaction.
   */
  endAllForAccount(accountId: string, tx?: Queryable): Promise<number>;
  /** The apps the account is signed in to (live grants), most recently used first. */
  listApps(accountId: string): Promise<SignedInApp[]>;
  /**
   * Signs the account out of one app: its grant and every token under it, audited (`grant.revoked`, with the
   * app) in the same transaction. False when the grant is not the account's.
   */
  endApp(accountId: string, grantId: string): Promise<boolean>;
}

export function createSessionService(deps: { db: Database }): SessionService {
  return {
    endAllForAccount: (accountId, tx) => deleteOidcModelsByAccountId(tx ?? deps.db, accountId),
    listApps: async (accountId) => (await listLiveGrantsByAccountId(deps.db, accountId)).map((row) => ({
      grantId: row.grant_id, clientId: row.client_id, grantedAt: row.granted_at, lastUsedAt: row.last_used_at,
    })),
    endApp: (accountId, grantId) => deps.db.transaction(async (tx) => {
      const app = (await listLiveGrantsByAccountId(tx, accountId)).find((row) => row.grant_id === grantId);
      if (!(await deleteGrantOfAccount(tx, grantId, accountId))) return false;
      await recordAudit(tx, { type: 'grant.revoked', subjectId: accountId, clientId: app?.client_id ?? null });
      return true;
    }),
  };
}
