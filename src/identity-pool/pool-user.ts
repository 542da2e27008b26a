import { PROFILE_CLAIMS } from '../directory/attributes.js';
import type { PoolUserRow } from './repositories/role.repository.js';

/**
 * Whether a user may receive storage credentials: the directory's rule for "may act" (enabled and
 * confirmed; an unconfirmed, reset-required or unknown status is refused, as a newer replica may write
 * statuses this build does not know).
 * TODO(account-state): use the directory's `userMayAct` once src/directory/account-state.ts is merged.
 */
export function poolUserMayAct(user: Pick<PoolUserRow, 'enabled' | 'status'> | null | undefined): boolean {
  return user != null && user.enabled && user.status === 'confirmed';
}

/**
 * The claims identity-pool rules may match on: what the directory vouches for. An e-mail address or phone
 * number counts only once verified (before that it is whatever the user typed, and `email endsWith
 * @corp.example` would hand a role to anyone who types such an address). Names follow the ID token's.
 * TODO(account-state): use the directory's `verifiedClaims` once src/directory/verified-claims.ts is merged.
 */
export function matchableClaims(user: PoolUserRow, groups: readonly string[]): Record<string, unknown> {
  const claims: Record<string, unknown> = { sub: user.id, groups: [...groups] };
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
