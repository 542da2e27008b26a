import { PROFILE_CLAIMS } from '../directory/attributes.js';
import type { UserWithGroupsRow } from '../directory/repositories/user.repository.js';

/**
 * Which claims each scope releases (OpenID Connect Core 1.0 §5.4). `groups` rides on `openid`, as
 * Cognito's `cognito:groups` does: group membership drives authorisation, so every token carries it.
 * The `groups` scope releases it too, for relying parties written for Dex or Keycloak that ask for it
 * by name (oauth2-proxy with `--allowed-group` does).
 */
export const SCOPE_CLAIMS = {
  openid: ['sub', 'groups', 'amr', 'auth_time', 'identities'],
  groups: ['groups'],
  profile: [...PROFILE_CLAIMS, 'preferred_username', 'updated_at'],
  email: ['email', 'email_verified'],
  phone: ['phone_number', 'phone_number_verified'],
} as const satisfies Record<string, readonly string[]>;

export const SUPPORTED_SCOPES = ['openid', 'offline_access', 'profile', 'email', 'phone', 'groups'] as const;

/**
 * Scopes every sign-in client may request beyond those it was registered with: `groups` releases nothing
 * that `openid` does not already (the user's own group names), so no client needs registering again to
 * ask for it. Machine clients (no `openid`) get nothing extra.
 */
const IMPLIED_BY_OPENID = ['groups'] as const;

/** The scopes a client registered with `registered` may request. */
export function requestableScopes(registered: readonly string[]): string[] {
  if (!registered.includes('openid')) return [...registered];
  return [...new Set([...registered, ...IMPLIED_BY_OPENID])];
}

/** All claims of a user, before masking by scope. Missing claims are left out (undefined), never null. */
export function userClaims(user: Omit<UserWithGroupsRow, 'identities' | 'has_password'> & { identities?: string[] }): Record<string, unknown> {
  const claims: Record<string, unknown> = {
    sub: user.id,
    groups: user.groups,
    preferred_username: user.username ?? undefined,
    updated_at: Math.floor(user.updated_at.getTime() / 1000),
  };
  // The upstream providers the user has linked (names only), as Cognito's `identities`: absent for none.
  if (user.identities && user.identities.length > 0) claims.identities = user.identities;
  for (const claim of PROFILE_CLAIMS) {
    const value = user.profile[claim];
    if (typeof value === 'string') claims[claim] = value;
  }
  if (user.email) {
    claims.email = user.email;
    claims.email_verified = user.email_verified;
  }
  if (user.phone_number) {
    claims.phone_number = user.phone_number;
    claims.phone_number_verified = user.phone_number_verified;
  }
  for (const [name, value] of Object.entries(user.custom_attributes)) claims[`custom:${name}`] = value;
  return claims;
}

/** Masks claims by granted scopes, for the userinfo bridge (custom attributes ride on `profile`). */
export function claimsForScopes(claims: Record<string, unknown>, scopes: ReadonlySet<string>): Record<string, unknown> {
  const allowed = new Set<string>();
  for (const [scope, names] of Object.entries(SCOPE_CLAIMS)) {
    if (scopes.has(scope)) for (const name of names) allowed.add(name);
  }
  const result: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(claims)) {
    if (value === undefined) continue;
    if (allowed.has(name) || (name.startsWith('custom:') && scopes.has('profile'))) result[name] = value;
  }
  return result;
}
