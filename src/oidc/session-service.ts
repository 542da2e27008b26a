import type { Database } from '../db/database.js';
import { deleteOidcModelsByAccountId } from './repositories/oidc-model.repository.js';

/** What other features may do to the provider's stored state for an account. */
export interface SessionService {
  /**
   * Ends every session and grant of an account, and with the grants every token: refresh tokens and codes
   * go with their rows, and JWT access tokens fail the liveness check once their grant is gone. Returns how
   * many rows went.
   */
  endAllForAccount(accountId: string): Promise<number>;
}

export function createSessionService(deps: { db: Database }): SessionService {
  return {
    endAllForAccount: (accountId) => deleteOidcModelsByAccountId(deps.db, accountId),
  };
}
