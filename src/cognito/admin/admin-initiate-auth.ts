import { z } from 'zod';
import { InvalidRequestError } from '../../errors/app-error.js';
import { requireAdminAuthFlow } from '../app-client.js';
import { clientIdField } from '../cognito-fields.schema.js';
import type { CognitoDeps, CognitoOperation } from '../cognito-operation.js';
import { passwordSignIn } from '../password-auth.js';
import { adminOperation, type CognitoAdminDeps } from './admin-operation.js';

const adminInitiateAuthRequest = z.object({
  UserPoolId: z.string().min(1).max(55),
  ClientId: clientIdField,
  AuthFlow: z.string().min(1).max(64),
  AuthParameters: z.record(z.string().max(64), z.string().max(16_384)).default({}),
});

/**
 * AdminInitiateAuth with ADMIN_USER_PASSWORD_AUTH (ADMIN_NO_SRP_AUTH, its older name): a back end signed with
 * an admin client's access key signs a user in with their password, for an app client that allows
 * ALLOW_ADMIN_USER_PASSWORD_AUTH. The password sign-in's rules all apply: the throttle on the account (and on
 * the back end's address, so one back end cannot spray passwords), argon2id, the "may act" rule, audit, and a
 * second factor answered as SOFTWARE_TOKEN_MFA (RespondToAuthChallenge takes it: AdminRespondToAuthChallenge
 * is not served). Refreshing goes through InitiateAuth's REFRESH_TOKEN_AUTH.
 */
export function adminInitiateAuth(deps: CognitoAdminDeps, signIn: CognitoDeps): CognitoOperation {
  return adminOperation(deps, adminInitiateAuthRequest, async (input, request) => {
    if (input.AuthFlow !== 'ADMIN_USER_PASSWORD_AUTH' && input.AuthFlow !== 'ADMIN_NO_SRP_AUTH') {
      throw new InvalidRequestError(`${input.AuthFlow.slice(0, 64)} flow not supported`, [{ path: 'AuthFlow', message: 'must be ADMIN_USER_PASSWORD_AUTH' }]);
    }
    const client = await requireAdminAuthFlow(signIn.clients, input.ClientId);
    return passwordSignIn(signIn, client.clientId, input.AuthParameters, request);
  });
}
