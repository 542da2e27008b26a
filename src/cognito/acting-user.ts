import { setAuditActor } from '../audit/audit-context.js';
import type { UserWithGroupsRow } from '../directory/repositories/user.repository.js';
import { InvalidTokenError } from '../errors/app-error.js';
import type { CognitoDeps } from './cognito-operation.js';
import { tokenUser } from './token-user.js';

/**
 * The user an access token names, for an operation that changes their account: the token verified and live
 * (token-user.ts), the user still allowed to act, and the audit trail naming them (through the token's
 * client) as the actor of what follows, as the account page names its signed-in user.
 */
export async function actingUser(deps: CognitoDeps, accessToken: string): Promise<{ user: UserWithGroupsRow; clientId: string }> {
  const { userId, clientId } = await tokenUser(deps, accessToken);
  const user = await deps.users.findActingUser(userId);
  if (!user) throw new InvalidTokenError('the access token user may no longer act');
  setAuditActor({ kind: 'user', id: user.id }, clientId);
  return { user, clientId };
}
