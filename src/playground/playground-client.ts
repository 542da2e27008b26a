import { SUPPORTED_SCOPES } from '../oidc/claims.js';
import { STS_SCOPE } from '../identity-pool/credential-service.js';

/** The client id of the playground, a public authorization-code client of Latchkey itself. */
export const PLAYGROUND_CLIENT_ID = 'latchkey-playground';

/** Where the playground lives; its cookies are scoped to this path. */
export const PLAYGROUND_PATH = '/playground';

/** Where the playground's sign-in returns, from LATCHKEY_ISSUER. */
export function playgroundCallbackUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}${PLAYGROUND_PATH}/callback`;
}

/**
 * The scopes the playground asks for: the standard ones, `groups` where the provider offers it as a scope,
 * and `sts` when the identity pool is configured, so its access token can be exchanged for credentials.
 */
export function playgroundScopes(options: { identityPool: boolean }): string {
  const scopes = ['openid', 'profile', 'email', 'offline_access'];
  if ((SUPPORTED_SCOPES as readonly string[]).includes('groups')) scopes.push('groups');
  if (options.identityPool) scopes.push(STS_SCOPE);
  return scopes.join(' ');
}
