import * as client from 'openid-client';
import type { AnsweredFederation } from './federation-states.js';
import type { ResolvedUpstream } from './provider-types.js';
import { classifyUpstreamFailure, type UpstreamFailure } from './upstream-failure.js';
import type { UpstreamClaims } from './upstream-policy.js';

/** A validated upstream answer: the claims (normalized, policy-checked) and what rode beside them. */
export type RedeemedAnswer =
  | { ok: true; claims: UpstreamClaims; issuer: string; appleUser?: string }
  | { ok: false; failure: Omit<UpstreamFailure, 'detail'> & { detail?: string } };

/**
 * Turns an answered federation into validated claims, the same way for a sign-in and for linking from the
 * account page: openid-client redeems the code and validates the ID token (state, PKCE, nonce, issuer,
 * audience, signature, expiry), the policy normalizes the claims and applies its deployment rules.
 * `callbackUrl` is Latchkey's own redirect URI for the upstream (from LATCHKEY_ISSUER, never the request).
 */
export async function redeemAnswer(upstream: ResolvedUpstream, answered: AnsweredFederation, callbackUrl: string): Promise<RedeemedAnswer> {
  const current = new URL(callbackUrl);
  // Apple's first-login `user` field rides beside the code; it is profile data, not protocol.
  const appleUser = answered.params.get('user') ?? undefined;
  for (const [key, value] of answered.params) if (key !== 'user') current.searchParams.set(key, value);
  let validated: UpstreamClaims | undefined;
  try {
    // Asked for at each exchange: Apple's client secret is a JWT the policy signs and renews.
    const exchange = await upstream.exchangeConfiguration();
    const tokens = await client.authorizationCodeGrant(exchange, current, {
      pkceCodeVerifier: answered.verifier,
      expectedState: answered.state,
      expectedNonce: answered.nonce,
      idTokenExpected: true,
    });
    validated = tokens.claims();
  } catch (error) {
    return { ok: false, failure: classifyUpstreamFailure(upstream.displayName, error) };
  }
  if (!validated) return { ok: false, failure: { error: 'access_denied', error_description: `${upstream.displayName} sent no ID token.`, detail: 'no id_token' } };
  const claims = upstream.policy.normalizeClaims ? upstream.policy.normalizeClaims(validated) : validated;
  const check = upstream.policy.checkClaims(claims);
  if (!check.ok) return { ok: false, failure: { error: 'access_denied', error_description: check.reason, detail: 'claims refused by policy' } };
  // Keyed on the token's own `iss`: for Entra's multi-tenant authorities the discovered issuer is a
  // `{tenantid}` template, and the validated `iss` names the tenant.
  const issuer = typeof claims.iss === 'string' ? claims.iss : upstream.issuer;
  return { ok: true, claims, issuer, ...(appleUser !== undefined ? { appleUser } : {}) };
}
