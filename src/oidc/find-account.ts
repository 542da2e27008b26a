import type { Account, KoaContextWithOIDC } from 'oidc-provider';
import type { UserRow } from '../directory/repositories/user.repository.js';
import { userClaims } from './claims.js';

/** An account as the provider sees it, plus its groups for token claims. */
export interface LatchkeyAccount extends Account {
  groups: string[];
}

/** What the provider needs from the directory: a user who may act, with their groups, in one query. */
export type FindActingUser = (id: string) => Promise<(UserRow & { groups: string[]; identities?: string[] }) | undefined>;

/**
 * oidc-provider's `findAccount`, over the directory's service. A user who may not act (deleted, disabled,
 * unconfirmed, reset required: directory/account-state.ts) is "not found", which ends existing sessions and
 * makes the token endpoint refuse their grants.
 */
export function createFindAccount(findActingUser: FindActingUser) {
  return async function findAccount(_ctx: KoaContextWithOIDC, sub: string): Promise<LatchkeyAccount | undefined> {
    const user = await findActingUser(sub);
    if (!user) return undefined;
    const claims = userClaims(user);
    return {
      accountId: user.id,
      groups: user.groups,
      claims: () => ({ ...claims, sub: user.id }),
    };
  };
}
