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

/**
 * What the Cognito operations work with: the directory's and the provider's services, the hosted UI's
 * account codes (the same codes, mails and cool-downs whichever surface asks), and the sign-in throttle.
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
