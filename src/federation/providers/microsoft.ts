import type { MicrosoftConfig } from '../../config/federation-config.js';
import { CLAIMS_OK, stringClaim, type ClaimCheck, type ClientAuthentication, type UpstreamClaims, type UpstreamPolicy, type UpstreamProfile } from '../upstream-policy.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The placeholder Entra's `common` and `organizations` discovery documents put in their `issuer`. */
export const ENTRA_TENANT_PLACEHOLDER = '{tenantid}';

/**
 * The issuer a token from tenant `tid` must carry when discovery published `template`
 * (`https://login.microsoftonline.com/{tenantid}/v2.0` for `common` and `organizations`); a template without
 * the placeholder is returned as it is. Null when `tid` is not a tenant ID, so a token without a usable
 * `tid` can never match.
 *
 * openid-client v6 applies this substitution itself for the real origin `https://login.microsoftonline.com`
 * (`handleEntraId`), so production needs no call to it. A loopback fake skips that logic, so tests keep
 * the real authority URL and route it to the fake with a `customFetch` (rewriting the discovery `issuer`
 * to the template and stripping `iss` from the fake's authorization redirects); this function states the
 * issuer such a fake must sign with, and lets a test assert the mapping without a network.
 */
export function expectedEntraIssuer(template: string, tid: string): string | null {
  if (!template.includes(ENTRA_TENANT_PLACEHOLDER)) return template;
  if (!GUID.test(tid)) return null;
  return template.replaceAll(ENTRA_TENANT_PLACEHOLDER, tid.toLowerCase());
}

/**
 * Microsoft Entra ID's rules. The issuer template of `common` and `organizations` accepts a correctly signed
 * token from any tenant in the world, so the token's `tid` must be on the configured allow-list (a
 * single-tenant authority's list is that tenant alone, see `MicrosoftConfig.allowedTenants`).
 */
export function microsoftPolicy(config: Pick<MicrosoftConfig, 'clientSecret' | 'allowedTenants'>): UpstreamPolicy {
  const allowed = config.allowedTenants === 'any' ? 'any' : new Set(config.allowedTenants.map((t) => t.toLowerCase()));
  const auth: ClientAuthentication = Object.freeze({ method: 'client_secret_post', clientSecret: config.clientSecret });

  const checkClaims = (claims: UpstreamClaims): ClaimCheck => {
    const tid = stringClaim(claims, 'tid')?.toLowerCase();
    if (tid === undefined || !GUID.test(tid)) return { ok: false, reason: 'The Microsoft sign-in did not say which organisation the account belongs to.' };
    if (allowed !== 'any' && !allowed.has(tid)) return { ok: false, reason: 'Accounts of this Microsoft organisation are not allowed to sign in here.' };
    return CLAIMS_OK;
  };

  const profile = (claims: UpstreamClaims): UpstreamProfile => {
    const result: { name?: string; given_name?: string; family_name?: string; email?: string } = {};
    const name = stringClaim(claims, 'name');
    const given = stringClaim(claims, 'given_name');
    const family = stringClaim(claims, 'family_name');
    // preferred_username is usually the sign-in name (a UPN or an address), shown for contact only.
    const contact = stringClaim(claims, 'email') ?? stringClaim(claims, 'preferred_username');
    if (name !== undefined) result.name = name;
    if (given !== undefined) result.given_name = given;
    if (family !== undefined) result.family_name = family;
    if (contact?.includes('@')) result.email = contact;
    return result;
  };

  return Object.freeze({
    kind: 'microsoft',
    scope: 'openid profile email',
    authorizationParams: () => ({}),
    clientAuthentication: () => Promise.resolve(auth),
    checkClaims,
    // Never: Entra sends no email_verified, and `email` is an editable attribute that a tenant administrator
    // can set to anyone's address (nOAuth, Descope 2023; reproduced in authorizerdev/authorizer#748;
    // learn.microsoft.com entra/identity-platform/migrate-off-email-claim-authorization). Linking on it
    // would let any tenant take over a local account, so Entra identities link only by proven ownership.
    verifiedEmail: () => null,
    profile,
  });
}
