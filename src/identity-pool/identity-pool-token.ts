import { randomUUID } from 'node:crypto';
import { decodeProtectedHeader, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import { SIGNING_ALGORITHMS } from '../config/signing-config.js';
import { InvalidTokenError } from '../errors/app-error.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { isUuid } from '../lib/uuid.js';
import { looksLikeJwt } from '../oidc/access-token-verifier.js';
import { createLocalJwtVerifier, tokenRefusal } from '../oidc/local-jwt.js';
import type { ProviderHolder } from '../oidc/provider-holder.js';

/**
 * The identity pool's OpenID token (GetOpenIdToken), a token type of its own. It is signed by the keys that
 * sign ID and access tokens, so three things keep it from passing for either:
 * - its `typ` header, which the ID-token verifier refuses and is not the `at+jwt` access tokens must carry;
 * - its audience, the identity pool ID (`REGION:uuid`), which names no client;
 * - its subject, the identity ID (`REGION:uuid`), which is no user's `sub`.
 * Only `POST /sts` takes it (the classic Cognito flow: GetId, GetOpenIdToken, AssumeRoleWithWebIdentity).
 */
export const IDENTITY_POOL_TOKEN_TYPE = 'identity-pool+jwt';

/** Cognito's OpenID tokens last ten minutes (GetOpenIdToken, "valid for 10 minutes"). */
const LIFETIME_SECONDS = 600;

/** The sign-in an authenticated identity's token carries, so that a sign-out ends what the token reaches. */
export interface IdentityPoolLogin {
  userId: string;
  clientId: string;
  grantId: string;
}

export interface VerifiedIdentityPoolToken {
  /** The identity's UUID (the ID without its region). */
  identityUuid: string;
  jti: string;
  /** Present for an authenticated identity's token. */
  login?: IdentityPoolLogin;
}

export interface IdentityPoolTokens {
  /** Signs a token for `identityId`; `login` for an authenticated identity, none for a guest. */
  sign(input: { identityId: string; identityPoolId: string; providerName: string; login?: IdentityPoolLogin }): Promise<string>;
  /** Whether a token says it is of this type (unverified: `verify` decides). */
  claimsType(token: string): boolean;
  /**
   * Verifies signature (published keys), issuer, audience (this pool), type, expiry and shape. Liveness (the
   * identity, the user, the grant) is the caller's to check. Throws InvalidTokenError or ExpiredTokenError.
   */
  verify(token: string, expected: { identityPoolId: string; region: string }): Promise<VerifiedIdentityPoolToken>;
}

export function createIdentityPoolTokens(deps: { holder: ProviderHolder; issuer: string; clock?: Clock }): IdentityPoolTokens {
  const clock = deps.clock ?? systemClock;
  const verifyLocalJwt = createLocalJwtVerifier(() => deps.holder.keySet);
  let signingKey: { version: string; kid: string; alg: string; key: CryptoKey | Uint8Array } | undefined;

  /** The default algorithm's signing key, the one the provider signs ID tokens with (signing-keys.ts orders it first). */
  async function currentKey() {
    const { keySet } = deps.holder;
    if (signingKey?.version !== keySet.version) {
      const jwk: JWK = keySet.privateJwks[0]!;
      const alg = String(jwk.alg);
      signingKey = { version: keySet.version, kid: String(jwk.kid), alg, key: await importJWK(jwk, alg) };
    }
    return signingKey;
  }

  const invalid = (detail: string) => new InvalidTokenError('identity-pool token is invalid', { detail });

  return {
    async sign({ identityId, identityPoolId, providerName, login }) {
      const { kid, alg, key } = await currentKey();
      const now = Math.floor(clock.now().getTime() / 1000);
      // Cognito's `amr`: how the identity signed in, and with which provider.
      const amr = login ? ['authenticated', providerName, `${providerName}:CognitoSignIn:${login.userId}`] : ['unauthenticated'];
      // `azp` names the app the login was issued to; `origin_jti` the sign-in's grant, as Cognito's user-pool
      // tokens name theirs: a sign-out ends the grant, and with it what this token can still obtain.
      const sessionClaims = login ? { azp: login.clientId, origin_jti: login.grantId } : {};
      return new SignJWT({ amr, ...sessionClaims })
        .setProtectedHeader({ alg, kid, typ: IDENTITY_POOL_TOKEN_TYPE })
        .setIssuer(deps.issuer).setSubject(identityId).setAudience(identityPoolId)
        .setIssuedAt(now).setExpirationTime(now + LIFETIME_SECONDS).setJti(randomUUID())
        .sign(key);
    },

    claimsType(token) {
      if (!looksLikeJwt(token)) return false;
      try {
        return decodeProtectedHeader(token).typ?.toLowerCase() === IDENTITY_POOL_TOKEN_TYPE;
      } catch {
        return false;
      }
    },

    async verify(token, expected) {
      let verified;
      try {
        verified = verifyLocalJwt(token, {
          issuer: deps.issuer, audience: expected.identityPoolId, typ: IDENTITY_POOL_TOKEN_TYPE,
          algorithms: SIGNING_ALGORITHMS, clockToleranceSeconds: 2, now: clock.now(),
          requiredClaims: ['exp', 'iat', 'sub', 'jti', 'amr'],
        });
      } catch (error) {
        throw tokenRefusal(error, 'identity-pool token is invalid');
      }
      const { payload } = verified;
      const [region, identityUuid] = String(payload.sub).split(':');
      if (region !== expected.region || identityUuid === undefined || !isUuid(identityUuid)) throw invalid('subject is not an identity of this pool');
      const amr = Array.isArray(payload.amr) ? payload.amr : [];
      if (!amr.includes('authenticated')) return { identityUuid, jti: String(payload.jti) };
      const userId = amr.map(String).find((method) => method.includes(':CognitoSignIn:'))?.split(':CognitoSignIn:')[1];
      const { azp, origin_jti: grantId } = payload;
      if (userId === undefined || !isUuid(userId) || typeof azp !== 'string' || typeof grantId !== 'string') throw invalid('authenticated token names no sign-in');
      return { identityUuid, jti: String(payload.jti), login: { userId, clientId: azp, grantId } };
    },
  };
}
