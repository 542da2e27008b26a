import type { JWTPayload } from 'jose';
import type { Database } from '../db/database.js';
import { userMayAct } from '../directory/account-state.js';
import { InvalidTokenError } from '../errors/app-error.js';
import { findAccessTokenLiveness, type AccessTokenLiveness, type LivenessToken } from './repositories/access-token-liveness.repository.js';
import { createLocalJwtVerifier, tokenRefusal } from './local-jwt.js';
import type { ProviderHolder } from './provider-holder.js';
import { SIGNING_ALGORITHMS } from '../config/signing-config.js';
import { isUuid } from '../lib/uuid.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { createTurnBatch } from '../lib/turn-batch.js';

export type { AccessTokenLiveness };

/**
 * A Latchkey access token whose signature and claims are verified; live too when it came from `verify()`
 * (a `verifyClaims()` caller checks liveness itself with {@link assertAccessTokenLive}).
 */
export interface VerifiedAccessToken {
  jti: string;
  sub: string;
  clientId: string;
  /** The user, or null for client-credentials tokens. */
  accountId: string | null;
  grantId: string | null;
  scopes: ReadonlySet<string>;
  audiences: readonly string[];
  groups: readonly string[];
  exp: number;
  iat: number;
  payload: JWTPayload;
}

/** What a verification is held to: the audience it must name, and whether a DPoP-bound token may pass. */
export interface VerifyOptions {
  audience?: string;
  allowSenderConstrained?: boolean;
}

export interface AccessTokenVerifier {
  /**
   * Verifies signature (published keys only, each for its own algorithm: no `alg` confusion), issuer, `typ: at+jwt`
   * (RFC 9068 §4, so an ID token cannot pass as an access token), expiry and audience, then liveness in
   * one query: grant still present, token not revoked, user may still act (directory/account-state.ts).
   * Throws UnauthorizedError.
   */
  verify(token: string, options?: VerifyOptions): Promise<VerifiedAccessToken>;
  /**
   * Everything `verify()` checks but liveness, without touching the database: for a caller that reads more
   * than liveness and folds it into its own query (the liveness columns of access-token-liveness.repository.ts), then
   * applies it with {@link assertAccessTokenLive}. Until then the token is not known to be live.
   */
  verifyClaims(token: string, options?: VerifyOptions): Promise<VerifiedAccessToken>;
}

/**
 * Applies the liveness columns to a token whose claims are verified: its grant still live, its `jti` not
 * revoked, its user may still act (directory/account-state.ts; a deleted user has no state), its client not
 * deleted. Throws the InvalidTokenError `verify()` throws.
 */
export function assertAccessTokenLive(token: Pick<VerifiedAccessToken, 'grantId' | 'accountId'>, liveness: AccessTokenLiveness): void {
  if (token.grantId && !liveness.grant_live) throw new InvalidTokenError('access token grant was revoked');
  if (liveness.revoked) throw new InvalidTokenError('access token was revoked');
  if (token.accountId && !userMayAct(liveness.user_status === null ? undefined : { enabled: liveness.user_enabled === true, status: liveness.user_status })) {
    throw new InvalidTokenError('access token user may no longer act (disabled, unconfirmed, reset required or deleted)');
  }
  if (!liveness.client_exists) throw new InvalidTokenError('access token client was deleted');
}

/** Shape check before any crypto: three base64url segments (a JWS compact serialization). */
export function looksLikeJwt(token: string): boolean {
  return token.length < 8192 && /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);
}

/** `clock` decides expiry (`exp`, `iat`); the system clock unless a test moves time. */
export function createAccessTokenVerifier(deps: { db: Database; holder: ProviderHolder; issuer: string; audiences: readonly string[]; clock?: Clock }): AccessTokenVerifier {
  const clock = deps.clock ?? systemClock;
  const verifyLocalJwt = createLocalJwtVerifier(() => deps.holder.keySet);
  // The liveness reads of the requests that arrive in one turn share one statement (lib/turn-batch.ts).
  const livenessOf = createTurnBatch((tokens: readonly LivenessToken[]) => findAccessTokenLiveness(deps.db, tokens));
  const invalid = (description: string, detail?: string) => new InvalidTokenError(description, detail === undefined ? {} : { detail });

  function verifySignature(token: string): JWTPayload {
    if (!looksLikeJwt(token)) throw invalid('malformed access token');
    try {
      return verifyLocalJwt(token, {
        issuer: deps.issuer,
        typ: 'at+jwt',
        // Any algorithm Latchkey signs with: a token signed before LATCHKEY_SIGNING_ALGS changed still verifies
        // with its published key, and the key's type must match the algorithm anyway.
        algorithms: SIGNING_ALGORITHMS,
        clockToleranceSeconds: 2,
        now: clock.now(),
        requiredClaims: ['exp', 'iat', 'jti', 'sub', 'client_id'],
      }).payload;
    } catch (error) {
      throw tokenRefusal(error, 'access token is invalid');
    }
  }

  async function verifyClaims(token: string, options: VerifyOptions = {}): Promise<VerifiedAccessToken> {
    const payload = verifySignature(token);
    // RFC 9449 §7.1: a sender-constrained (DPoP) token presented as a bearer token must be refused;
    // the bridges accept bearer tokens only, so a stolen DPoP-bound token is worthless here.
    if (payload.cnf !== undefined && !options.allowSenderConstrained) throw invalid('sender-constrained access tokens need a DPoP proof, which this endpoint does not accept');
    const audiences = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []);
    const wanted = options.audience ? [options.audience] : deps.audiences;
    if (!audiences.some((a) => wanted.includes(a))) throw invalid('access token audience is not accepted here');
    const grantId = typeof payload.grant_id === 'string' ? payload.grant_id : null;
    // Client-credentials tokens carry no grant, and their `sub` is the client itself.
    const accountId = grantId ? String(payload.sub) : null;
    if (accountId !== null && !isUuid(accountId)) throw invalid('access token subject is not a Latchkey user');
    return {
      jti: String(payload.jti),
      sub: String(payload.sub),
      clientId: String(payload.client_id),
      accountId,
      grantId,
      scopes: new Set(typeof payload.scope === 'string' ? payload.scope.split(' ') : []),
      audiences,
      groups: Array.isArray(payload.groups) ? payload.groups.map(String) : [],
      exp: Number(payload.exp),
      iat: Number(payload.iat),
      payload,
    };
  }

  return {
    verifyClaims,
    async verify(token, options = {}) {
      const claims = await verifyClaims(token, options);
      assertAccessTokenLive(claims, await livenessOf(claims));
      return claims;
    },
  };
}
