import { SIGNING_ALGORITHMS } from '../config/signing-config.js';
import type { Database } from '../db/database.js';
import { userMayAct } from '../directory/account-state.js';
import { InvalidTokenError } from '../errors/app-error.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { isUuid } from '../lib/uuid.js';
import { looksLikeJwt } from './access-token-verifier.js';
import { createLocalJwtVerifier, tokenRefusal } from './local-jwt.js';
import type { ProviderHolder } from './provider-holder.js';
import { findIdTokenLiveness } from './repositories/id-token-liveness.repository.js';

/** A live ID token issued by Latchkey: its user, the client it was issued to, and the grant it came from. */
export interface VerifiedIdToken {
  userId: string;
  clientId: string;
  /** The live grant of the sign-in that issued the token (see findIdTokenLiveness). */
  grantId: string;
  iat: number;
  exp: number;
}

export interface IdTokenVerifier {
  /**
   * Verifies an ID token as a login presented to the identity pool: signature by Latchkey's published keys,
   * issuer, expiry, audience (a client that `clientAllowed` accepts), that it is an ID token, and its
   * liveness: the user may act and the sign-in's grant still stands (no sign-out since). Throws
   * InvalidTokenError (ExpiredTokenError for an expired one).
   */
  verify(token: string): Promise<VerifiedIdToken>;
}

/**
 * Token types that are JWTs signed by the same keys but are not ID tokens (RFC 9068, back-channel logout,
 * introspection, and the identity pool's OpenID token: identity-pool-token.ts).
 */
const OTHER_TYPES = new Set(['at+jwt', 'logout+jwt', 'token-introspection+jwt', 'identity-pool+jwt']);

export function createIdTokenVerifier(deps: { db: Database; holder: ProviderHolder; issuer: string; clientAllowed: (clientId: string) => Promise<boolean>; clock?: Clock }): IdTokenVerifier {
  const clock = deps.clock ?? systemClock;
  const verifyLocalJwt = createLocalJwtVerifier(() => deps.holder.keySet);
  const invalid = (description: string, detail?: string) => new InvalidTokenError(description, detail === undefined ? {} : { detail });

  return {
    async verify(token) {
      if (!looksLikeJwt(token)) throw invalid('malformed ID token');
      let verified;
      try {
        verified = verifyLocalJwt(token, {
          issuer: deps.issuer,
          algorithms: SIGNING_ALGORITHMS,
          clockToleranceSeconds: 2,
          now: clock.now(),
          requiredClaims: ['exp', 'iat', 'sub', 'aud'],
        });
      } catch (error) {
        throw tokenRefusal(error, 'ID token is invalid');
      }
      const { payload, header: protectedHeader } = verified;
      // An access token or a logout token is signed by the same keys: only an ID token is a login.
      const typ = protectedHeader.typ?.toLowerCase();
      if ((typ !== undefined && OTHER_TYPES.has(typ)) || payload.events !== undefined || payload.client_id !== undefined || (payload.token_use !== undefined && payload.token_use !== 'id')) {
        throw invalid('not an ID token');
      }
      const audiences = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []);
      // OIDC Core §2: with several audiences, azp names the client the token was issued to.
      const clientId = audiences.length === 1 ? audiences[0]! : typeof payload.azp === 'string' && audiences.includes(payload.azp) ? payload.azp : undefined;
      if (!clientId) throw invalid('ID token audience names no single client');
      const userId = String(payload.sub);
      if (!isUuid(userId)) throw invalid('ID token subject is not a Latchkey user');
      if (!(await deps.clientAllowed(clientId))) throw invalid('ID token client may not use the identity pool');

      const iat = Number(payload.iat);
      // A token that names its grant (Cognito's `origin_jti`) is held to that grant, not the newest one.
      const grantId = typeof payload.origin_jti === 'string' ? payload.origin_jti : undefined;
      const live = await findIdTokenLiveness(deps.db, { accountId: userId, clientId, iat, grantId });
      if (!userMayAct(live.user_status === null ? undefined : { enabled: live.user_enabled === true, status: live.user_status })) {
        throw invalid('ID token user may no longer act (disabled, unconfirmed, reset required or deleted)');
      }
      if (!live.grant_id) throw invalid('ID token was issued before a sign-out');
      return { userId, clientId, grantId: live.grant_id, iat, exp: Number(payload.exp) };
    },
  };
}
