import { setAuditActor } from '../audit/audit-context.js';
import type { VerifiedAccessToken } from '../oidc/access-token-verifier.js';

/**
 * Names who asks, once the bearer token is verified: its user (the client, for a client-credentials token),
 * through the token's client. Everything the request records from then on (an issuance) carries them.
 */
export function actAsBearer(token: VerifiedAccessToken): void {
  setAuditActor(token.accountId ? { kind: 'user', id: token.accountId } : { kind: 'client', id: token.clientId }, token.clientId);
}
