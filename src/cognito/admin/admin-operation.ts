import type { z } from 'zod';
import type { GroupService } from '../../directory/group-service.js';
import type { UserPoolSettings } from '../../directory/user-pool-settings.js';
import type { UserSearch } from '../../directory/user-search.js';
import type { UserService } from '../../directory/user-service.js';
import { NotFoundError } from '../../errors/app-error.js';
import { cognitoOperation, type CognitoOperation, type OperationOutput, type OperationRequest } from '../cognito-operation.js';
import type { RequestAuthorizer } from '../sigv4-authorization.js';

/** What the admin operations work with: the same directory services the admin REST API calls. */
export interface CognitoAdminDeps {
  users: UserService;
  groups: GroupService;
  userSearch: UserSearch;
  settings: Pick<UserPoolSettings, 'identifiers'>;
  /** SigV4 with an admin client's access key: every admin operation runs it before reading the body. */
  authorize: RequestAuthorizer;
}

/**
 * An operation Cognito protects with SigV4: the dispatcher verifies the signature over the raw request
 * first (`authorize`), then the body is validated, and the `UserPoolId` must be this pool's
 * (ResourceNotFoundException otherwise, as Cognito answers for a pool it does not have).
 */
export function adminOperation<S extends z.ZodType<{ UserPoolId: string }>>(deps: CognitoAdminDeps, schema: S, handler: (input: z.output<S>, request: OperationRequest) => Promise<OperationOutput>): CognitoOperation {
  const operation = cognitoOperation(schema, async (input, request) => {
    const { userPoolId } = await deps.settings.identifiers();
    if (input.UserPoolId !== userPoolId) throw new NotFoundError(`User pool ${input.UserPoolId.slice(0, 64)} does not exist.`);
    return handler(input, request);
  });
  return { ...operation, authorize: deps.authorize };
}
