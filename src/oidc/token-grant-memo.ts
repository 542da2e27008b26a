import type { AdapterPayload } from 'oidc-provider';
import type { ActingUserRow } from './find-account.js';

/**
 * What a token-endpoint grant's first query loaded beside the code or refresh token it presents, for the
 * later steps of its request.
 */
export interface TokenGrantPreload {
  /** The code, refresh token or interaction the request presents (its raw id). */
  tokenId: string;
  /** Its grant (raw id, payload opened), when that row was found live and opened. */
  grant?: { id: string; payload: AdapterPayload } | undefined;
  /** The session it is bound to (its raw uid, payload opened), when that row was found live and opened. */
  session?: { uid: string; payload: AdapterPayload } | undefined;
  /** Its account as stored, before the "may act" rule, when the user exists. */
  user?: ActingUserRow | undefined;
}

/**
 * Rows handed from one step of an authorization-code or refresh-token request to the next, so that the
 * grant, the session and the account come with the token's own query instead of a round trip each; and the
 * session an interaction names, read with the interaction (postgres-adapter.ts, `findInteraction`).
 *
 * Entries are keyed by the request's context object in a WeakMap: nothing outlives the request, nothing is
 * shared between requests, so no security state is cached. Each entry is taken once (a second lookup in the
 * same request reads the database), and only by an id equal to the one it was loaded for.
 */
export interface TokenGrantMemo {
  remember(request: object, preload: TokenGrantPreload): void;
  /** The grant loaded with the token, if `grantId` is the one loaded; it is forgotten. */
  takeGrant(request: object | undefined, grantId: string): AdapterPayload | undefined;
  /** The session loaded with the token, if `uid` is the one loaded; it is forgotten. */
  takeSession(request: object | undefined, uid: string): AdapterPayload | undefined;
  /** The account loaded with the token, if `accountId` is the one loaded; it is forgotten. */
  takeUser(request: object | undefined, accountId: string): ActingUserRow | undefined;
  /**
   * Records that `tokenId`, the token this request presented, is to be consumed; false (nothing recorded)
   * for any other token. The consumption then happens in the statement that inserts the refresh token the
   * request issues.
   */
  deferConsume(request: object | undefined, tokenId: string): boolean;
  /** The token whose consumption was deferred, if any; it is forgotten. */
  takeDeferredConsume(request: object | undefined): string | undefined;
}

export function createTokenGrantMemo(): TokenGrantMemo {
  const byRequest = new WeakMap<object, TokenGrantPreload & { consume?: boolean }>();
  /** The row held under `field` when `matches` it, forgotten as it is handed out. */
  const take = <Field extends 'grant' | 'session'>(request: object | undefined, field: Field, matches: (row: NonNullable<TokenGrantPreload[Field]>) => boolean) => {
    const entry = request && byRequest.get(request);
    const row = entry?.[field];
    if (!entry || !row || !matches(row)) return undefined;
    entry[field] = undefined;
    return row.payload;
  };
  return {
    remember(request, preload) {
      byRequest.set(request, { ...preload });
    },
    takeGrant: (request, grantId) => take(request, 'grant', (grant) => grant.id === grantId),
    takeSession: (request, uid) => take(request, 'session', (session) => session.uid === uid),
    takeUser(request, accountId) {
      const entry = request && byRequest.get(request);
      if (!entry?.user || entry.user.id !== accountId) return undefined;
      const { user } = entry;
      entry.user = undefined;
      return user;
    },
    deferConsume(request, tokenId) {
      const entry = request && byRequest.get(request);
      if (!entry || entry.tokenId !== tokenId || entry.consume !== undefined) return false;
      entry.consume = true;
      return true;
    },
    takeDeferredConsume(request) {
      const entry = request && byRequest.get(request);
      if (!entry?.consume) return undefined;
      entry.consume = false;
      return entry.tokenId;
    },
  };
}
