import type { Database, Queryable } from '../db/database.js';
import { deleteOidcModelsByAccountId } from './repositories/oidc-model.repository.js';

/** What other features may do to the provider's stored state for an account. */
export interface SessionService {
  /**
   * Ends every session and grant of an account, and with the grants every token: refresh tokens and codes
   * go with their rows, and JWT access tokens fail the liveness check once their grant is gone. Returns how
   * many rows went. `tx` runs it inside the caller's transaction.
   */
  endAllForAccount(accountId: string, tx?: Queryable): Promise<number>;
}

export function createSessionService(deps: { db: Database }): SessionService {
  return {
    endAllForAccount: (accountId, tx) => deleteOidcModelsByAccountId(tx ?? deps.db, accountId),
  };
}
