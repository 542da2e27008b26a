import type { UpstreamClaims } from './upstream-policy.js';

/** Claim names as upstreams write them: `groups`, `hd`, `roles`, `custom:dept`, `https://example.com/groups`. */
export const CLAIM_NAME = /^[A-Za-z_][A-Za-z0-9_:./-]{0,127}$/;
/** Long enough for any group id or domain, short enough to keep rules readable (an Entra group id is 36). */
export const MAX_RULE_VALUE = 256;

function scalarEquals(value: unknown, expected: string): boolean {
  if (typeof value === 'string') return value === expected;
  // `email_verified: true` or a numeric tenant id match their text form ("true", "42").
  if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return String(value) === expected;
  return false;
}

/**
 * Whether the upstream's claim `claim` carries `expected`: the claim equals it, or is an array holding it
 * (Entra's `groups`, a `roles` list). Objects never match, and only the claims' own properties count, so a
 * rule on `__proto__` or `constructor` matches nothing.
 */
export function claimMatches(claims: UpstreamClaims, claim: string, expected: string): boolean {
  if (!Object.hasOwn(claims, claim)) return false;
  const value = claims[claim];
  if (Array.isArray(value)) return value.some((item) => scalarEquals(item, expected));
  return scalarEquals(value, expected);
}

/**
 * Whether the token does not carry `claim` itself but points to it elsewhere (OIDC Core §5.6.2 distributed
 * claims, `_claim_names`). Entra does this for `groups` when a user is in too many groups ("overage"): the
 * token then says nothing about membership, so rules on that claim must neither grant nor withdraw.
 */
export function claimDeferred(claims: UpstreamClaims, claim: string): boolean {
  const names = claims['_claim_names'];
  return typeof names === 'object' && names !== null && !Array.isArray(names) && Object.hasOwn(names, claim);
}
