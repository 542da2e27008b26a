import type { z } from 'zod';
import type { PasswordPolicySource } from '../directory/password-policy-source.js';
import type { UserPoolSettings } from '../directory/user-pool-settings.js';
import type { UserService } from '../directory/user-service.js';
import { InvalidRequestError } from '../errors/app-error.js';
import type { RateCounters } from '../http/rate-counters.js';
import { fieldProblems } from '../http/validate.js';
import type { LoginThrottle } from '../interaction/login-throttle.js';
import type { AccountCodes } from '../interaction/self-service/account-codes.js';
import type { Logger } from '../lib/logger.js';
import type { ClientService } from '../oidc/client-service.js';
import type { RequestAuthorizer } from './sigv4-authorization.js';
import type { MfaService } from '../directory/mfa/mfa-service.js';
import type { Metrics } from '../http/metrics.js';
import type { AccessTokenVerifier } from '../oidc/access-token-verifier.js';
import type { ProviderHolder } from '../oidc/provider-holder.js';
import type { MfaSessions } from './mfa-session.js';
import type { SrpSignIn } from './srp/srp-sign-in.js';
import type { EmailChange } from '../directory/email-change.js';
import type { Mailer } from '../mail/mailer.js';

/**
 * What the Cognito operations work with: the directory's and the provider's services, the hosted UI's
 * account codes (the same codes, mails and cool-downs whichever surface asks), the sign-in throttle, and for
 * sign-in the provider (tokens), the MFA service and the access-token verifier.
 */
export interface CognitoDeps {
  users: UserService;
  codes: AccountCodes;
  settings: UserPoolSettings;
  clients: ClientService;
  policy: PasswordPolicySource;
  throttle: LoginThrottle;
  counters: RateCounters;
  logger: Logger;
  /** Sign-in: the provider issues the tokens (in process), the MFA service checks the second factor. */
  holder: ProviderHolder;
  issuer: string;
  mfa: MfaService;
  mfaSessions: MfaSessions;
  metrics: Pick<Metrics, 'signIn'>;
  verifier: AccessTokenVerifier;
  /** USER_SRP_AUTH: the PASSWORD_VERIFIER challenge and the check of its answer. */
  srp: SrpSignIn;
  /** UpdateUserAttributes' `email`: pending until the code mailed to the new address comes back. */
  emailChange: EmailChange;
  /** Notices (a changed password), as the account page sends them. */
  mailer: Mailer;
}

/** Facts about the HTTP request an operation needs: the client's address, to throttle by. */
export interface OperationRequest {
  address: string;
}

/** One operation's JSON answer (the SDK's `Output` shape). */
export type OperationOutput = Record<string, unknown>;

/** A dispatchable operation: validates its JSON body with its schema, then does the work. */
export interface CognitoOperation {
  run(body: unknown, request: OperationRequest): Promise<OperationOutput>;
  /** Set on the operations Cognito protects with SigV4: the dispatcher runs it over the raw request first. */
  authorize?: RequestAuthorizer;
}

/**
 * Pairs a schema with its handler. A body that does not fit is an InvalidRequestError listing the members
 * (InvalidParameterException on the wire), as Cognito's "1 validation error detected" is.
 */
export function cognitoOperation<S extends z.ZodType>(schema: S, handler: (input: z.output<S>, request: OperationRequest) => Promise<OperationOutput>): CognitoOperation {
  return {
    async run(body, request) {
      const parsed = schema.safeParse(body);
      if (!parsed.success) {
        const problems = fieldProblems(parsed.error);
        throw new InvalidRequestError(`${problems.length} validation error(s) detected: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`.slice(0, 500), problems);
      }
      return handler(parsed.data, request);
    },
  };
}
