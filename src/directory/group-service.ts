import type { Database } from '../db/database.js';
import { ConflictError, InvalidRequestError, NotFoundError } from '../errors/app-error.js';
import * as groups from './repositories/group.repository.js';
import type { GroupRow } from './repositories/group.repository.js';
import type { UserService } from './user-service.js';

const GROUP_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export interface GroupService {
  create(input: { name: string; description?: string; precedence?: number; role?: string | null }): Promise<GroupRow>;
  list(): Promise<(GroupRow & { members: number })[]>;
  addUser(groupName: string, userReference: string): Promise<{ added: boolean }>;
  removeUser(groupName: string, userReference: string): Promise<{ removed: boolean }>;
  /** The names of a user's groups in precedence order (lowest first). */
  namesOf(userId: string): Promise<string[]>;
}

export function createGroupService(deps: { db: Database; users: UserService }): GroupService {
  const { db } = deps;
  async function requireGroup(name: string): Promise<GroupRow> {
    const group = await groups.findGroupByName(db, name);
    if (!group) throw new NotFoundError(`no group "${name}"`);
    return group;
  }
  return {
    async create(input) {
      if (!GROUP_NAME.test(input.name)) {
        throw new InvalidRequestError('invalid group', [{ path: 'name', message: 'letters, digits and . _ - (1-128), starting with a letter or digit' }]);
      }
      const precedence = input.precedence ?? 0;
      if (!Number.isInteger(precedence) || precedence < 0 || precedence > 2_147_483_647) {
        throw new InvalidRequestError('invalid group', [{ path: 'precedence', message: 'must be a non-negative integer' }]);
      }
      let created: GroupRow | undefined;
      try {
        created = await groups.insertGroup(db, { name: input.name, description: input.description ?? '', precedence, roleName: input.role ?? null });
      } catch (error) {
        // groups.role_name references roles.name: the role must exist first.
        if ((error as { code?: string }).code === '23503') throw new NotFoundError(`no role "${input.role}"; create it with \`latchkey role create\``);
        throw error;
      }
      if (!created) throw new ConflictError(`group "${input.name}" already exists`);
      return created;
    },
    list: () => groups.listGroups(db),
    async addUser(groupName, userReference) {
      const group = await requireGroup(groupName);
      const user = await deps.users.resolve(userReference);
      return { added: await groups.insertGroupMember(db, group.id, user.id) };
    },
    namesOf: (userId) => groups.findGroupNamesByUserId(db, userId),
    async removeUser(groupName, userReference) {
      const group = await requireGroup(groupName);
      const user = await deps.users.resolve(userReference);
      return { removed: await groups.deleteGroupMember(db, group.id, user.id) };
    },
  };
}
