import { UnauthorizedError } from '../errors/app-error.js';
import { AMR_AFTER } from '../interaction/mfa/mfa-pages.js';
import { requirePublicClient } from './app-client.js';
import type { CognitoDeps, OperationOutput } from './cognito-operation.js';
import { issueTokens } from './proven-sign-in.js';

const SPENT_SESSION = 'Invalid session for the user, session is expired.';

/**
 * RespondToAuthChallenge MFA_SETUP: the last step after a password, AssociateSoftwareToken and a
 * VerifySoftwareToken that activated the authenticator. Only that VerifySoftwareToken issues a Session of
 * this step (its own purpose: MFA_SETUP's first Session, or a SOFTWARE_TOKEN_MFA one, never opens it), for
 * this client; it is spent here. The authenticator is checked again (active, user may act), then the tokens,
 * with `amr` naming the password and the code just verified.
 */
export async function mfaSetupAnswer(deps: CognitoDeps, clientId: string, session: string, responses: Record<string, string>): Promise<OperationOutput> {
  const client = await requirePublicClient(deps.clients, clientId);
  const userId = await deps.mfaSessions.consume(client.clientId, session, 'setup_verified');
  if (!userId) throw new UnauthorizedError('invalid_session', SPENT_SESSION);
  // USERNAME, when sent, names the Session's user: by username or e-mail, or by `sub` (an SRP client's).
  const username = responses.USERNAME?.trim();
  if (username && username.toLowerCase() !== userId && (await deps.users.findSignInAccount(username.slice(0, 254))).user?.id !== userId) throw new UnauthorizedError('invalid_session', SPENT_SESSION);
  const [user, status] = await Promise.all([deps.users.findActingUser(userId), deps.mfa.status(userId)]);
  if (!user || !status.enrolled) throw new UnauthorizedError('invalid_session', SPENT_SESSION);
  deps.logger.info({ event: 'mfa.succeeded', userId, method: 'totp', at: 'setup' }, 'second factor set up at sign-in');
  deps.metrics.signIn('mfa', 'success');
  return issueTokens(deps, client.clientId, userId, ['pwd', ...AMR_AFTER.totp]);
}
