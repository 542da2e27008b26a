import type { UserRow } from '../../directory/repositories/user.repository.js';
import { isUuid } from '../../lib/uuid.js';
import { InvalidRequestError } from '../../errors/app-error.js';
import type { CognitoOperation } from '../cognito-operation.js';
import { listUsersInGroupRequest } from './admin.schema.js';
import { adminOperation, type CognitoAdminDeps } from './admin-operation.js';
import { presentCognitoUser } from './cognito-user.presenter.js';

/** ListUsersInGroup: a group's members in pages (60 at most); a missing group is ResourceNotFoundException. */
export function listUsersInGroup(deps: CognitoAdminDeps): CognitoOperation {
  return adminOperation(deps, listUsersInGroupRequest, async (input) => {
    const limit = input.Limit || 60;
    const after = input.NextToken ?? null;
    if (after !== null && !isUuid(after)) throw new InvalidRequestError('Invalid pagination token', [{ path: 'NextToken', message: 'is not a token ListUsersInGroup gave' }]);
    const members = await deps.groups.members(input.GroupName, { after, limit: limit + 1 });
    const page = members.slice(0, limit);
    const users = (await Promise.all(page.map((m) => deps.users.findById(m.user_id)))).filter((u): u is UserRow => u !== undefined);
    const last = page[page.length - 1];
    return { Users: users.map((u) => presentCognitoUser(u)), ...(members.length > limit && last ? { NextToken: last.user_id } : {}) };
  });
}
