import type { Account, KoaContextWithOIDC } from 'oidc-provider';
import { userMayAct } from '../directory/account-state.js';
import type { UserWithGroupsRow } from '../directory/repositories/user.repository.js';
import { userClaims } from './claims.js';
import { cognitoIdTokenClaims, cognitoUsername, wantsCognitoClaims } from './cognito-claims.js';

/** An account as the provider sees it, plus its groups for token claims. */
export interface LatchkeyAccount extends Account {
  groups: string[];
  /** Cognito's `cognito:username` (cognito-claims.ts), for clients registered with Cognito's claims. */
  cognitoUsername: string;
}

/** A user with their groups and linked providers, as the provider's account is built from. */
export type ActingUserRow = Omit<UserWithGroupsRow, 'identities'> & { identities?: string[] };

/** What the provider needs from the directory: a user who may act, with their groups, in one query. */
export type FindActingUser = (id: string) => Promise<ActingUserRow | undefined>;

/**
 * The user row this request already loaded with the token it presents (token-grant-memo.ts), before the
 * "may act" rule; undefined when it loaded none for `id`.
 */
export type PreloadedUser = (ctx: KoaContextWithOIDC, id: string) => ActingUserRow | undefined;

/**
 * oidc-provider's `findAccount`, over the directory's service. A user who may not act (deleted, disabled,
 * unconfirmed, reset required: directory/account-state.ts) is "not found", which ends existing sessions and
 * makes the token endpoint refuse their grants. A row preloaded in the same request goes through the same
 * rule, so it is as if the directory had been asked.
 */
export function createFindAccount(findActingUser: FindActingUser, preloaded: PreloadedUser = () => undefined) {
  return async function findAccount(ctx: KoaContextWithOIDC, sub: string): Promise<LatchkeyAccount | undefined> {
    const held = preloaded(ctx, sub);
    const user = held ? (userMayAct(held) ? held : undefined) : await findActingUser(sub);
    if (!user) return undefined;
    const claims = userClaims(user);
    return {
      accountId: user.id,
      groups: user.groups,
      cognitoUsername: cognitoUsername(user),
      // Only the ID token gets Cognito's claims: userinfo answers the standard ones, as Cognito's does.
      // The grant is the request's entity by the time an ID token is issued (code, refresh, sign-in grants).
      claims: (use) => ({ ...claims, sub: user.id, ...(use === 'id_token' && wantsCognitoClaims(ctx.oidc?.client) ? cognitoIdTokenClaims(user, user.groups, ctx.oidc?.entities.Grant?.jti) : {}) }),
    };
  };
}
