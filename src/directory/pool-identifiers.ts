/**
 * The pool's Cognito-shaped names. Amplify reads the region from the user-pool ID (the part before `_`)
 * and requires the identity-pool ID to hold a `:`; aws-jwt-verify requires `^[a-z]{2}-(gov-)?[a-z]+-\d_…`.
 * The stored parts are generated once (migration 0026); the region is LATCHKEY_REGION, so changing it
 * renames the pool without touching what the suffix keys (SRP verifiers use the suffix alone, as Cognito's
 * "pool name").
 */
export interface PoolIdentifiers {
  /** `REGION_suffix`, e.g. `us-east-1_Ab3dE6gH9`: what an app configures as its user-pool ID. */
  userPoolId: string;
  /** The user-pool ID after `_`: Cognito's pool name in SRP (`amazon-cognito-identity-js` splits it off). */
  poolName: string;
  /** `REGION:uuid`: what an app configures as its identity-pool ID. */
  identityPoolId: string;
  region: string;
}

/** Cognito's SRP pool name for a stored user-pool ID suffix: the suffix itself, whatever the region. */
export function srpPoolName(userPoolIdSuffix: string): string {
  return userPoolIdSuffix;
}

export function poolIdentifiers(region: string, stored: { userPoolIdSuffix: string; identityPoolUuid: string }): PoolIdentifiers {
  return {
    userPoolId: `${region}_${stored.userPoolIdSuffix}`,
    poolName: srpPoolName(stored.userPoolIdSuffix),
    identityPoolId: `${region}:${stored.identityPoolUuid}`,
    region,
  };
}
