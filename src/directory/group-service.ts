import { recordAudit } from '../audit/record-audit.js';
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
        created = await db.transaction(async (tx) => {
          const row = await groups.insertGroup(tx, { name: input.name, description: input.description ?? '', precedence, roleName: input.role ?? null });
          if (row) await recordAudit(tx, { type: 'group.created', details: { group: row.name, precedence, role: input.role ?? null } });
          return row;
        });
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
      return db.transaction(async (tx) => {
        const added = await groups.insertGroupMember(tx, group.id, user.id);
        if (added) await recordAudit(tx, { type: 'group.member_added', subjectId: user.id, details: { group: group.name } });
        return { added };
      });
    },
    namesOf: (userId) => groups.findGroupNamesByUserId(db, userId),
    async removeUser(groupName, userReference) {
      const group = await requireGroup(groupName);
      const user = await deps.users.resolve(userReference);
      return db.transaction(async (tx) => {
        const removed = await groups.deleteGroupMember(tx, group.id, user.id);
        if (removed) await recordAudit(tx, { type: 'group.member_removed', subjectId: user.id, details: { group: group.name } });
        return { removed };
      });
    },
  };
}
