import { ServiceUnavailableError, UnauthorizedError } from '../errors/app-error.js';
import type { InProcessAnswer } from '../oidc/in-process-request.js';
import type { OperationOutput } from './cognito-operation.js';

/** Cognito's AuthenticationResult. RefreshToken only when one was issued (a sign-in, or a rotation). */
export interface AuthenticationResult {
  AccessToken: string;
  IdToken?: string;
  RefreshToken?: string;
  ExpiresIn: number;
  TokenType: 'Bearer';
}

/**
 * The provider's token response as Cognito's AuthenticationResult. A refusal by the provider (`invalid_grant`:
 * a refresh token spent, revoked, expired or another client's, or a user who may no longer act) is
 * NotAuthorizedException with `refused`; the database down, 503; anything else is a defect, never shown.
 */
export function authenticationResult(answer: InProcessAnswer, refused: string): OperationOutput & { AuthenticationResult: AuthenticationResult } {
  const body = answer.body;
  if (answer.status === 200 && typeof body.access_token === 'string') {
    return {
      AuthenticationResult: {
        AccessToken: body.access_token,
        ...(typeof body.id_token === 'string' ? { IdToken: body.id_token } : {}),
        ...(typeof body.refresh_token === 'string' ? { RefreshToken: body.refresh_token } : {}),
        ExpiresIn: typeof body.expires_in === 'number' ? body.expires_in : 0,
        TokenType: 'Bearer',
      },
      ChallengeParameters: {},
    };
  }
  if (answer.status === 503) throw new ServiceUnavailableError();
  if (answer.status === 400 && (body.error === 'invalid_grant' || body.error === 'invalid_client')) throw new UnauthorizedError('invalid_grant', refused);
  throw new Error(`the provider refused an in-process token request: ${answer.status} ${String(body.error)}`);
}
