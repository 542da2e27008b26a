import { randomUUID } from 'node:crypto';
import { normalizeIdentifier } from '../directory/normalize.js';
import { assertPasswordAllowed } from '../directory/password-policy.js';
import { ConflictError, ForbiddenError, RateLimitedError } from '../errors/app-error.js';
import { SIGNUPS_PER_ADDRESS_HOUR } from '../interaction/self-service/signup-page.js';
import { requirePublicClient } from './app-client.js';
import { emailDelivery } from './code-delivery.js';
import { cognitoOperation, type CognitoDeps, type CognitoOperation } from './cognito-operation.js';
import { createConfirmationCoolDown } from './confirmation-cool-down.js';
import { readSignUpAccount } from './sign-up-attributes.js';
import { signUpSchema } from './sign-up.schema.js';

/**
 * `SignUp`: the hosted sign-up's work over the JSON API. The pool and the app client must allow sign-up;
 * the attributes and the password are checked as the form checks them; the account is created unconfirmed
 * with its password and a code is mailed (AccountCodes, the same code the hosted verification takes).
 *
 * An address that already has an account is answered exactly like a new one: the same shape, the same
 * masked destination, `UserConfirmed: false`, and a random UUID as `UserSub` (a real one is a UUID too, and
 * never shown again), and no mail. A taken *username* is reported (UsernameExistsException), as the hosted
 * form reports it: a username is picked, not proven, so saying it is taken tells nothing private.
 * Counted by the sign-in throttle (the name and the address) and, for accounts created, by the hosted
 * sign-up's per-address hourly budget, which both surfaces share.
 */
export function signUp(deps: CognitoDeps): CognitoOperation {
  const coolDown = createConfirmationCoolDown(deps.counters);
  return cognitoOperation(signUpSchema, async (input, { address }) => {
    const client = await requirePublicClient(deps.clients, input.ClientId);
    const settings = await deps.settings.signup();
    if (!settings.enabled || !client.signup) throw new ForbiddenError('signup_disabled', 'SignUp is not permitted for this user pool');
    await deps.throttle.attempt({ identifier: `signup:${normalizeIdentifier(input.Username)}` }, address);
    const account = readSignUpAccount(input, settings.required);
    assertPasswordAllowed(await deps.policy.current(), input.Password, { email: account.email, username: account.username });
    if (account.username && (await deps.users.findSignInAccount(account.username)).user) throw new ConflictError('User already exists');

    const key = `signup:address:${address}`;
    const created = (await deps.counters.hit([key], 3600)).get(key)!;
    if (created.count > SIGNUPS_PER_ADDRESS_HOUR) throw new RateLimitedError('signup_rate', 'Too many accounts were created from your network. Try again later.', created.resetsInSeconds);

    let userSub: string;
    try {
      const user = await deps.users.create({ ...account, password: input.Password, status: 'unconfirmed', emailVerified: false }, { event: 'sign_up.created' });
      await deps.codes.sendVerification(user);
      deps.logger.info({ event: 'cognito.signup.created', userId: user.id, clientId: client.clientId }, 'account signed up through the Cognito API; waiting for confirmation');
      userSub = user.id;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      deps.logger.info({ event: 'cognito.signup.existing_address', clientId: client.clientId }, 'sign-up with an address that has an account');
      userSub = randomUUID();
      // The same write as a real sign-up's code, so the answer takes as long.
      await deps.codes.standInVerification(userSub);
    }
    await coolDown.count(input.Username);
    return { UserConfirmed: false, UserSub: userSub, CodeDeliveryDetails: emailDelivery(account.email) };
  });
}
