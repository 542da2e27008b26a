import { InvalidRequestError } from '../../errors/app-error.js';
import type { CognitoOperation } from '../cognito-operation.js';
import { adminListGroupsForUserRequest } from './admin.schema.js';
import { adminOperation, type CognitoAdminDeps } from './admin-operation.js';
import { findCognitoUser } from './admin-user-lookup.js';

const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** AdminListGroupsForUser: the user's groups in precedence order, as Cognito's GroupType, in pages. */
export function adminListGroupsForUser(deps: CognitoAdminDeps): CognitoOperation {
  return adminOperation(deps, adminListGroupsForUserRequest, async (input) => {
    const user = await findCognitoUser(deps.users, input.Username);
    const limit = input.Limit || 60;
    const start = input.NextToken === undefined ? 0 : Number(input.NextToken);
    if (!Number.isSafeInteger(start) || start < 0) throw new InvalidRequestError('Invalid pagination token', [{ path: 'NextToken', message: 'is not a token AdminListGroupsForUser gave' }]);
    const names = await deps.groups.namesOf(user.id);
    const groups = await Promise.all(names.slice(start, start + limit).map((name) => deps.groups.get(name)));
    return {
      Groups: groups.map((g) => ({
        GroupName: g.name, UserPoolId: input.UserPoolId, Description: g.description, Precedence: g.precedence,
        CreationDate: epochSeconds(g.created_at), LastModifiedDate: epochSeconds(g.created_at),
      })),
      ...(start + limit < names.length ? { NextToken: String(start + limit) } : {}),
    };
  });
}
