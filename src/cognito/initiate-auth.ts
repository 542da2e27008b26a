import { InvalidRequestError } from '../errors/app-error.js';
import { cognitoOperation, type CognitoDeps, type CognitoOperation } from './cognito-operation.js';
import { initiateAuthSchema } from './initiate-auth.schema.js';
import { passwordAuth } from './password-auth.js';
import { refreshAuth } from './refresh-auth.js';
import { srpAuth } from './srp-auth.js';

/**
 * InitiateAuth: USER_SRP_AUTH and USER_PASSWORD_AUTH (per client, as Cognito's ExplicitAuthFlows) and REFRESH_TOKEN_AUTH
 * (REFRESH_TOKEN its alias). Other flows are InvalidParameterException, as for a flow a pool does not support.
 */
export function initiateAuth(deps: CognitoDeps): CognitoOperation {
  return cognitoOperation(initiateAuthSchema, async (input, request) => {
    switch (input.AuthFlow) {
      case 'USER_SRP_AUTH':
        return srpAuth(deps, input.ClientId, input.AuthParameters);
      case 'USER_PASSWORD_AUTH':
        return passwordAuth(deps, input.ClientId, input.AuthParameters, request);
      case 'REFRESH_TOKEN_AUTH':
      case 'REFRESH_TOKEN':
        return refreshAuth(deps, input.ClientId, input.AuthParameters.REFRESH_TOKEN, 'REFRESH_TOKEN_AUTH');
      default:
        throw new InvalidRequestError(`${input.AuthFlow.slice(0, 64)} flow not supported`, [{ path: 'AuthFlow', message: 'must be USER_SRP_AUTH, USER_PASSWORD_AUTH or REFRESH_TOKEN_AUTH' }]);
    }
  });
}
