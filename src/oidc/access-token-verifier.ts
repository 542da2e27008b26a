import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { Database } from '../db/database.js';
import { userMayAct } from '../directory/account-state.js';
import { ExpiredTokenError, InvalidTokenError } from '../errors/app-error.js';
import { findAccessTokenLiveness } from './repositories/oidc-model.repository.js';
import type { ProviderHolder } from './provider-holder.js';
import { SIGNING_ALGORITHMS } from '../config/signing-config.js';
import { isUuid } from '../lib/uuid.js';
import { systemClock, type Clock } from '../lib/clock.js';

/** A verified, live Latchkey access token. */
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

export interface AccessTokenVerifier {
  /**
   * Verifies signature (published keys only, RS256 only: no `alg` confusion), issuer, `typ: at+jwt`
   * (RFC 9068 §4, so an ID token cannot pass as an access token), expiry and audience, then liveness in
   * one query: grant still present, token not revoked, user may still act (directory/account-state.ts).
   * Throws UnauthorizedError.
   */
  verify(token: string, options?: { audience?: string; allowSenderConstrained?: boolean }): Promise<VerifiedAccessToken>;
}

/** Shape check before any crypto: three base64url segments (a JWS compact serialization). */
export function looksLikeJwt(token: string): boolean {
  return token.length < 8192 && /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);
}

/** `clock` decides expiry (`exp`, `iat`); the system clock unless a test moves time. */
export function createAccessTokenVerifier(deps: { db: Database; holder: ProviderHolder; issuer: string; audiences: readonly string[]; clock?: Clock }): AccessTokenVerifier {
  const clock = deps.clock ?? systemClock;
  let cached: { version: string; jwks: ReturnType<typeof createLocalJWKSet> } | undefined;
  function jwks() {
    const { keySet } = deps.holder;
    if (cached?.version !== keySet.version) cached = { version: keySet.version, jwks: createLocalJWKSet({ keys: [...keySet.publicJwks] }) };
    return cached.jwks;
  }
  const invalid = (description: string, detail?: string) => new InvalidTokenError(description, detail === undefined ? {} : { detail });

  async function verifySignature(token: string): Promise<JWTPayload> {
    if (!looksLikeJwt(token)) throw invalid('malformed access token');
    try {
      const { payload } = await jwtVerify(token, jwks(), {
        issuer: deps.issuer,
        typ: 'at+jwt',
        // Any algorithm Latchkey signs with: a token signed before LATCHKEY_SIGNING_ALGS changed still verifies
        // with its published key, and the key's type must match the algorithm anyway.
        algorithms: [...SIGNING_ALGORITHMS],
        clockTolerance: 2,
        currentDate: clock.now(),
        requiredClaims: ['exp', 'iat', 'jti', 'sub', 'client_id'],
      });
      return payload;
    } catch (error) {
      // The client learns only that the token is invalid (or, for AWS clients, expired); the operator's log
      // keeps jose's reason (ERR_JWS_SIGNATURE_VERIFICATION_FAILED, a failed claim check, …).
      const detail = error instanceof joseErrors.JOSEError ? `${error.code}: ${error.message}` : String(error);
      if (error instanceof joseErrors.JWTExpired) throw new ExpiredTokenError({ detail });
      throw invalid('access token is invalid', detail);
    }
  }

  return {
    async verify(token, options = {}) {
      const payload = await verifySignature(token);
      // RFC 9449 §7.1: a sender-constrained (DPoP) token presented as a bearer token must be refused;
      // the bridges accept bearer tokens only, so a stolen DPoP-bound token is worthless here.
      if (payload.cnf !== undefined && !options.allowSenderConstrained) throw invalid('sender-constrained access tokens need a DPoP proof, which this endpoint does not accept');
      const audiences = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []);
      const wanted = options.audience ? [options.audience] : deps.audiences;
      if (!audiences.some((a) => wanted.includes(a))) throw invalid('access token audience is not accepted here');
      const clientId = String(payload.client_id);
      const grantId = typeof payload.grant_id === 'string' ? payload.grant_id : null;
      // Client-credentials tokens carry no grant, and their `sub` is the client itself.
      const accountId = grantId ? String(payload.sub) : null;
      if (accountId !== null && !isUuid(accountId)) throw invalid('access token subject is not a Latchkey user');
      const liveness = await findAccessTokenLiveness(deps.db, { grantId, jti: String(payload.jti), accountId, clientId });
      if (grantId && !liveness.grant_live) throw invalid('access token grant was revoked');
      if (liveness.revoked) throw invalid('access token was revoked');
      if (accountId && !userMayAct(liveness.user_status === null ? undefined : { enabled: liveness.user_enabled === true, status: liveness.user_status })) {
        throw invalid('access token user may no longer act (disabled, unconfirmed, reset required or deleted)');
      }
      if (!liveness.client_exists) throw invalid('access token client was deleted');
      return {
        jti: String(payload.jti),
        sub: String(payload.sub),
        clientId,
        accountId,
        grantId,
        scopes: new Set(typeof payload.scope === 'string' ? payload.scope.split(' ') : []),
        audiences,
        groups: Array.isArray(payload.groups) ? payload.groups.map(String) : [],
        exp: Number(payload.exp),
        iat: Number(payload.iat),
        payload,
      };
    },
  };
}
