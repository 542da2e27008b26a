import { PROFILE_CLAIMS } from './attributes.js';
import type { UserRow } from './repositories/user.repository.js';

/** The fields the claims are read from (a feature's own view of a user row carries at least these). */
export type VerifiableUser = Pick<UserRow, 'id' | 'username' | 'email' | 'email_verified' | 'phone_number' | 'phone_number_verified' | 'profile' | 'custom_attributes'>;

/**
 * The claims an identity-pool rule or a policy template may match on: what the directory vouches for.
 * An e-mail address or phone number counts only once verified; before that it is whatever the user typed,
 * and a rule such as `email endsWith @example.com` would hand out access to anyone who types such an
 * address. Names follow the ID token's (`sub`, `groups`, `preferred_username`, `custom:NAME`), so a rule
 * written against token claims means the same here.
 */
export function verifiedClaims(user: VerifiableUser & { groups: readonly string[] }): Record<string, unknown> {
  const claims: Record<string, unknown> = { sub: user.id, groups: [...user.groups] };
  if (user.username) claims.preferred_username = user.username;
  for (const claim of PROFILE_CLAIMS) {
    const value = user.profile[claim];
    if (typeof value === 'string') claims[claim] = value;
  }
  if (user.email && user.email_verified) {
    claims.email = user.email;
    claims.email_verified = true;
  }
  if (user.phone_number && user.phone_number_verified) {
    claims.phone_number = user.phone_number;
    claims.phone_number_verified = true;
  }
  for (const [name, value] of Object.entries(user.custom_attributes)) claims[`custom:${name}`] = value;
  return claims;
}
