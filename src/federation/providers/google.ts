import type { GoogleConfig } from '../../config/federation-config.js';
import { CLAIMS_OK, standardProfile, stringClaim, type ClaimCheck, type ClientAuthentication, type UpstreamClaims, type UpstreamPolicy } from '../upstream-policy.js';

/**
 * Google's rules. The `hd` authorization parameter is only a hint for Google's account chooser, which the
 * user can edit; the hosted domain is enforced on the `hd` claim of the validated ID token, the only value
 * Google says may be trusted (developers.google.com/identity/openid-connect/openid-connect#hd-param, quoted
 * in oauth2-proxy/oauth2-proxy#2363). Personal accounts carry no `hd`, so with an allow-list they are refused.
 */
export function googlePolicy(config: Pick<GoogleConfig, 'clientSecret' | 'hostedDomains'>): UpstreamPolicy {
  const allowed = new Set(config.hostedDomains.map((domain) => domain.toLowerCase()));
  const auth: ClientAuthentication = Object.freeze({ method: 'client_secret_post', clientSecret: config.clientSecret });
  // With one domain the hint preselects it; with several there is no single hint to give.
  const only = allowed.size === 1 ? [...allowed][0] : undefined;
  const params: Readonly<Record<string, string>> = only === undefined ? Object.freeze({}) : Object.freeze({ hd: only });

  const checkClaims = (claims: UpstreamClaims): ClaimCheck => {
    if (allowed.size === 0) return CLAIMS_OK;
    const hd = stringClaim(claims, 'hd')?.toLowerCase();
    if (hd === undefined) return { ok: false, reason: 'This Google account does not belong to an allowed organisation (it has no hosted domain).' };
    if (!allowed.has(hd)) return { ok: false, reason: `The Google Workspace domain ${hd} is not allowed to sign in here.` };
    return CLAIMS_OK;
  };

  return Object.freeze({
    kind: 'google',
    scope: 'openid email profile',
    authorizationParams: () => params,
    clientAuthentication: () => Promise.resolve(auth),
    checkClaims,
    verifiedEmail: (claims: UpstreamClaims) => {
      // Google's email_verified is a JSON boolean; anything else (a string included) is not a verification.
      if (claims['email_verified'] !== true || !checkClaims(claims).ok) return null;
      const email = stringClaim(claims, 'email');
      if (email === undefined) return null;
      // Google vouches for an address only where it is authoritative: a Gmail address, or a Workspace
      // account (`hd`). For any other address email_verified records a check made when the Google account
      // was created, and the address may have changed hands since (Google's OpenID Connect guide,
      // "Authenticate the user"), so it must not take over the local account that owns it now.
      return stringClaim(claims, 'hd') !== undefined || email.toLowerCase().endsWith('@gmail.com') ? email : null;
    },
    profile: (claims: UpstreamClaims) => standardProfile(claims),
  });
}
