import { PROFILE_CLAIMS } from '../directory/attributes.js';
import { assertPasswordAllowed } from '../directory/password-policy.js';
import type { UserRow } from '../directory/repositories/user.repository.js';
import { InvalidRequestError, UnauthorizedError, type FieldProblem } from '../errors/app-error.js';
import { userClaims } from '../oidc/claims.js';
import { requirePublicClient } from './app-client.js';
import type { CognitoDeps, OperationOutput } from './cognito-operation.js';
import { afterPassword } from './proven-sign-in.js';

const SPENT_SESSION = 'Invalid session for the user, session is expired.';
/** Cognito's words once TemporaryPasswordValidityDays have passed. */
const TEMPORARY_PASSWORD_EXPIRED = 'Temporary password has expired and must be reset by an administrator.';
const ATTRIBUTE_PREFIX = 'userAttributes.';
/** Claims that are no attribute the user may give here: identifiers, verification flags, token-only claims. */
const NOT_SETTABLE = new Set(['sub', 'groups', 'identities', 'email', 'email_verified', 'phone_number', 'phone_number_verified', 'username', 'preferred_username']);

/** The user's attributes as Cognito lists them in the challenge (strings; no `sub`, groups or identities). */
function challengeAttributes(user: UserRow): Record<string, string> {
  const listed: Record<string, string> = {};
  for (const [name, value] of Object.entries(userClaims({ ...user, groups: [] }))) {
    if (name === 'sub' || name === 'groups' || name === 'identities' || value === undefined || value === null) continue;
    listed[name] = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
  }
  return listed;
}

/**
 * After a proven password of a reset_required user: NEW_PASSWORD_REQUIRED when that password is an
 * administrator's temporary one (AdminCreateUser's TemporaryPassword, AdminSetUserPassword Permanent false),
 * with a Session and Cognito's ChallengeParameters (`userAttributes`, `requiredAttributes` as JSON strings);
 * undefined otherwise, and the caller answers PasswordResetRequiredException as before (an imported user, a
 * reset an operator required: the password they know is not one to continue with). A temporary password
 * older than the pool's temporaryPasswordValidityDays is NotAuthorizedException, as Cognito answers: it leads
 * nowhere until an administrator sets a new one (AdminSetUserPassword) or resets the account.
 */
export async function newPasswordChallenge(deps: CognitoDeps, clientId: string, user: UserRow): Promise<OperationOutput | undefined> {
  const temporary = await deps.users.temporaryPassword(user.id);
  if (temporary === 'none') return undefined;
  if (temporary === 'expired') throw temporaryPasswordExpired(deps, user.id);
  deps.logger.info({ event: 'login.new_password_required', userId: user.id }, 'a new password asked for');
  return {
    ChallengeName: 'NEW_PASSWORD_REQUIRED',
    Session: await deps.mfaSessions.issue(clientId, user.id, 'new_password'),
    ChallengeParameters: { USER_ID_FOR_SRP: user.id, userAttributes: JSON.stringify(challengeAttributes(user)), requiredAttributes: '[]' },
  };
}

function temporaryPasswordExpired(deps: CognitoDeps, userId: string): UnauthorizedError {
  deps.logger.info({ event: 'login.temporary_password_expired', userId }, 'temporary password expired');
  return new UnauthorizedError('temporary_password_expired', TEMPORARY_PASSWORD_EXPIRED);
}

/** `userAttributes.<name>` answers as a directory change: profile claims and `custom:*` only. */
function attributeChanges(responses: Record<string, string>): { profile: Record<string, string>; customAttributes: Record<string, string> } {
  const profile: Record<string, string> = {};
  const customAttributes: Record<string, string> = {};
  const problems: FieldProblem[] = [];
  for (const [key, value] of Object.entries(responses)) {
    if (!key.startsWith(ATTRIBUTE_PREFIX)) continue;
    const name = key.slice(ATTRIBUTE_PREFIX.length);
    if (name.startsWith('custom:') && name.length > 'custom:'.length) customAttributes[name.slice('custom:'.length)] = value;
    else if (!NOT_SETTABLE.has(name) && (PROFILE_CLAIMS as readonly string[]).includes(name)) profile[name] = value;
    else problems.push({ path: `ChallengeResponses.${key.slice(0, 64)}`, message: 'cannot be set here' });
  }
  if (problems.length) throw new InvalidRequestError(`Attributes cannot be set with the new password: ${problems.map((p) => p.path).join(', ')}`.slice(0, 500), problems);
  return { profile, customAttributes };
}

/**
 * RespondToAuthChallenge NEW_PASSWORD_REQUIRED: NEW_PASSWORD (the pool's policy, checked before the Session is
 * spent, so a refused password can be retried), the Session (single use, this step's own, this client's), the
 * password still the temporary one and not expired since the challenge (else Cognito's NotAuthorizedException
 * for an expired temporary password), then the attributes given, the new password (which confirms the account
 * and ends the temporary one), and the sign-in goes on as after any password: the second factor or the tokens.
 */
export async function newPasswordAnswer(deps: CognitoDeps, clientId: string, session: string, responses: Record<string, string>): Promise<OperationOutput> {
  const client = await requirePublicClient(deps.clients, clientId);
  if (!client.authFlows.includes('ALLOW_USER_PASSWORD_AUTH') && !client.authFlows.includes('ALLOW_USER_SRP_AUTH')) throw new InvalidRequestError('USER_PASSWORD_AUTH flow not enabled for this client');
  const password = responses.NEW_PASSWORD ?? '';
  if (!password) throw new InvalidRequestError('Missing required parameter NEW_PASSWORD', [{ path: 'ChallengeResponses', message: 'NEW_PASSWORD is required' }]);
  const changes = attributeChanges(responses);
  assertPasswordAllowed(await deps.policy.current(), password, {});
  const userId = await deps.mfaSessions.consume(client.clientId, session, 'new_password');
  if (!userId) throw new UnauthorizedError('invalid_session', SPENT_SESSION);
  const username = responses.USERNAME?.trim();
  if (username && username.toLowerCase() !== userId && (await deps.users.findSignInAccount(username.slice(0, 254))).user?.id !== userId) throw new UnauthorizedError('invalid_session', SPENT_SESSION);
  const user = await deps.users.findById(userId);
  if (!user?.enabled) throw new UnauthorizedError('invalid_session', SPENT_SESSION);
  const temporary = await deps.users.temporaryPassword(userId);
  if (temporary === 'expired') throw temporaryPasswordExpired(deps, userId);
  if (temporary === 'none') throw new UnauthorizedError('invalid_session', SPENT_SESSION);
  // Now also the rules about the account's own e-mail and username, before anything changes.
  assertPasswordAllowed(await deps.policy.current(), password, { email: user.email, username: user.username });
  if (Object.keys(changes.profile).length || Object.keys(changes.customAttributes).length) await deps.users.update(userId, changes, { actor: 'user' });
  const updated = await deps.users.setPassword(userId, password);
  deps.logger.info({ event: 'password.changed', userId, at: 'new_password_required' }, 'temporary password replaced');
  return afterPassword(deps, client.clientId, updated);
}
