import type { Account, KoaContextWithOIDC } from 'oidc-provider';
import type { Queryable } from '../db/database.js';
import { userMayAct } from '../directory/account-state.js';
import { findUserWithGroupsById } from '../directory/repositories/user.repository.js';
import { userClaims } from './claims.js';
import { isUuid } from '../lib/uuid.js';


/** An account as the provider sees it, plus its groups for token claims. */
export interface LatchkeyAccount extends Account {
  groups: string[];
}

/**
 * oidc-provider's `findAccount`: one query for the user and their groups. A user who may not act (deleted,
 * disabled, unconfirmed, reset required: directory/account-state.ts) is "not found", which ends existing
 * sessions and makes the token endpoint refuse their grants.
 */
export function createFindAccount(db: Queryable) {
  return async function findAccount(_ctx: KoaContextWithOIDC, sub: string): Promise<LatchkeyAccount | undefined> {
    if (!isUuid(sub)) return undefined;
    const user = await findUserWithGroupsById(db, sub);
    if (!user || !userMayAct(user)) return undefined;
    const claims = userClaims(user);
    return {
      accountId: user.id,
      groups: user.groups,
      claims: () => ({ ...claims, sub: user.id }),
    };
  };
}
