/**
 * Token lifetimes, apart from the provider factory: the CLI and the services need them (to know how long a
 * retired signing key stays published) without loading oidc-provider, the heaviest module of the server.
 */

/** Token lifetimes in seconds. Defaults follow Cognito (1 h access/ID tokens, 30 d refresh tokens). */
export interface TokenLifetimes {
  accessToken: number;
  idToken: number;
  refreshToken: number;
  authorizationCode: number;
  session: number;
  interaction: number;
}

export function defaultLifetimes(accessTokenTtl: number): TokenLifetimes {
  return { accessToken: accessTokenTtl, idToken: 3600, refreshToken: 30 * 86400, authorizationCode: 60, session: 14 * 86400, interaction: 3600 };
}

/** The longest a signed token lives: how long a retired key must stay published. */
export function longestSignedTokenLifetime(l: TokenLifetimes): number {
  return Math.max(l.accessToken, l.idToken);
}
