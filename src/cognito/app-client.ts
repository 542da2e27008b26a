import { currentAuditContext, setAuditActor } from '../audit/audit-context.js';
import { ForbiddenError, InvalidRequestError, NotFoundError } from '../errors/app-error.js';
import type { AuthFlow } from '../oidc/client-auth-flows.js';
import type { ClientService } from '../oidc/client-service.js';

/**
 * The app client a request names, which must exist and be public.
 *
 * Cognito asks a client that has a secret for a SecretHash, HMAC-SHA256(client secret, Username + ClientId),
 * on these operations. Latchkey stores only a SHA-256 of a client secret (no secret at rest in plaintext),
 * so it cannot compute that HMAC and cannot check one. Accepting the operations unchecked would let anyone
 * who knows a confidential client's id act as that client; so they are refused for it, and an app with its
 * own UI uses a public client (`latchkey client create --public`), as Cognito recommends for browser and
 * mobile apps anyway. A SecretHash sent for a public client proves nothing and is ignored.
 */
export async function requirePublicClient(clients: ClientService, clientId: string): Promise<{ clientId: string; signup: boolean; authFlows: readonly AuthFlow[] }> {
  const client = await clients.find(clientId);
  if (!client) throw new NotFoundError(`User pool client ${clientId.slice(0, 128)} does not exist.`);
  if (client.token_endpoint_auth_method !== 'none') {
    throw new ForbiddenError('secret_hash_unsupported', 'This app client has a secret, and Latchkey cannot check a SecretHash (it keeps only a hash of client secrets). Use a public app client for this operation.');
  }
  // What the operation records (a sign-up, a verified address, a reset) happens through this app.
  setAuditActor(currentAuditContext().actor, client.client_id);
  return { clientId: client.client_id, signup: client.signup, authFlows: client.explicit_auth_flows };
}

/**
 * The app client of an AdminInitiateAuth, which must allow ALLOW_ADMIN_USER_PASSWORD_AUTH. It is public too:
 * the tokens come from the provider's token endpoint in process, which authenticates a confidential client by
 * its secret, and Latchkey holds only the secret's hash.
 */
export async function requireAdminAuthFlow(clients: ClientService, clientId: string): Promise<{ clientId: string }> {
  return requireAuthFlow(clients, clientId, 'ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ADMIN_USER_PASSWORD_AUTH');
}

/**
 * The client, which must be public and allow `flow` (Cognito's ExplicitAuthFlows). Cognito answers a flow
 * the client does not allow with InvalidParameterException "<FLOW> flow not enabled for this client".
 */
export async function requireAuthFlow(clients: ClientService, clientId: string, flow: AuthFlow, flowName: string): Promise<{ clientId: string }> {
  const client = await requirePublicClient(clients, clientId);
  if (!client.authFlows.includes(flow)) throw new InvalidRequestError(`${flowName} flow not enabled for this client`);
  return client;
}
