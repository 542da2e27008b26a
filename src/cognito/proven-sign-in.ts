import { ForbiddenError } from '../errors/app-error.js';
import type { MfaStatus } from '../directory/mfa/mfa-service.js';
import type { UserRow } from '../directory/repositories/user.repository.js';
import { issueSignInTokens } from '../oidc/sign-in-grant.js';
import type { CognitoDeps, OperationOutput } from './cognito-operation.js';
import { authenticationResult } from './token-answer.js';

/**
 * After a proven password: the second factor the hosted sign-in would ask for, else the tokens.
 * - An enrolled authenticator (the pool's MFA mode not `off`, as the hosted step): SOFTWARE_TOKEN_MFA with a
 *   Session; the tokens come only from RespondToAuthChallenge.
 * - MFA required of a user with no second factor at all: MFA_SETUP with a Session, which AssociateSoftwareToken
 *   and VerifySoftwareToken take (software-token.ts); RespondToAuthChallenge MFA_SETUP then issues the tokens
 *   only for a Session a verified authenticator led to (mfa-setup-answer.ts).
 * - A passkey as the only factor: refused, since this API cannot check a passkey; the hosted sign-in can.
 * The password alone never yields tokens where a second factor applies.
 */
export async function afterPassword(deps: CognitoDeps, clientId: string, user: UserRow, known?: MfaStatus): Promise<OperationOutput> {
  // Read with the account by a password sign-in (findSignInAccount); after SRP, read now.
  const status = known ?? await deps.mfa.status(user.id);
  if (status.mode !== 'off') {
    if (status.enrolled) {
      deps.metrics.signIn('password', 'mfa_required');
      deps.logger.info({ event: 'mfa.challenge', userId: user.id }, 'second factor asked for');
      return { ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: await deps.mfaSessions.issue(clientId, user.id), ChallengeParameters: {} };
    }
    if (status.passkeys > 0) {
      deps.metrics.signIn('password', 'refused');
      throw new ForbiddenError('mfa_unavailable', 'This account signs in with a passkey as its second factor, which this API cannot check. Sign in on the hosted pages.');
    }
    if (status.required) {
      deps.metrics.signIn('password', 'mfa_required');
      deps.logger.info({ event: 'mfa.setup_challenge', userId: user.id }, 'second factor set-up asked for');
      return { ChallengeName: 'MFA_SETUP', Session: await deps.mfaSessions.issue(clientId, user.id, 'setup'), ChallengeParameters: { MFAS_CAN_SETUP: '["SOFTWARE_TOKEN_MFA"]' } };
    }
  }
  deps.metrics.signIn('password', 'success');
  return issueTokens(deps, clientId, user.id, ['pwd']);
}

/** The tokens `/token` would issue to this client for this user, through the provider in process. */
export async function issueTokens(deps: CognitoDeps, clientId: string, accountId: string, amr: readonly string[]): Promise<OperationOutput> {
  const answer = await issueSignInTokens(deps.holder.provider, deps.issuer, { clientId, accountId, amr, authTime: Math.floor(Date.now() / 1000) });
  return authenticationResult(answer, 'User cannot sign in.');
}
