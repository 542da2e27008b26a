import { recordAudit } from '../audit/record-audit.js';
import type { Database } from '../db/database.js';
import { ConflictError, InvalidRequestError, NotFoundError } from '../errors/app-error.js';
import * as groups from './repositories/group.repository.js';
import type { GroupMemberRow, GroupRow } from './repositories/group.repository.js';
import type { UserService } from './user-service.js';

/** A group's name: letters, digits and . _ - (1-128), starting with a letter or digit. */
export const GROUP_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

function precedenceProblem(precedence: number): { path: string; message: string } | undefined {
  return Number.isInteger(precedence) && precedence >= 0 && precedence <= 2_147_483_647 ? undefined : { path: 'precedence', message: 'must be a non-negative integer' };
}

export interface GroupService {
  create(input: { name: string; description?: string; precedence?: number; role?: string | null }): Promise<GroupRow>;
  list(): Promise<(GroupRow & { members: number })[]>;
  addUser(groupName: string, userReference: string): Promise<{ added: boolean; userId: string }>;
  removeUser(groupName: string, userReference: string): Promise<{ removed: boolean }>;
  /** The names of a user's groups in precedence order (lowest first). */
  namesOf(userId: string): Promise<string[]>;
  /** One group with its member count; NotFoundError when there is none. */
  get(name: string): Promise<GroupRow & { members: number }>;
  /** Changes the fields given; `role: null` takes the role off. NotFoundError for an unknown group or role. */
  update(name: string, changes: { description?: string; precedence?: number; role?: string | null }): Promise<GroupRow & { members: number }>;
  /** Deletes a group: its memberships and provider group rules go with it. */
  delete(name: string): Promise<void>;
  /** A page of a group's members in user-id order, after the user id `after`. */
  members(name: string, page: { after: string | null; limit: number }): Promise<GroupMemberRow[]>;
}

export function createGroupService(deps: { db: Database; users: UserService }): GroupService {
  const { db } = deps;
  async function requireGroup(name: string): Promise<GroupRow> {
    const group = await groups.findGroupByName(db, name);
    if (!group) throw new NotFoundError(`no group "${name}"`);
    return group;
  }
  async function get(name: string): Promise<GroupRow & { members: number }> {
    const group = await groups.findGroupWithMemberCountByName(db, name);
    if (!group) throw new NotFoundError(`no group "${name}"`);
    return group;
  }
  return {
    async create(input) {
      if (!GROUP_NAME.test(input.name)) {
        throw new InvalidRequestError('invalid group', [{ path: 'name', message: 'letters, digits and . _ - (1-128), starting with a letter or digit' }]);
      }
      const precedence = input.precedence ?? 0;
      const problem = precedenceProblem(precedence);
      if (problem) throw new InvalidRequestError('invalid group', [problem]);
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
        return { added, userId: user.id };
      });
    },
    namesOf: (userId) => groups.findGroupNamesByUserId(db, userId),
    get,
    async update(name, changes) {
      const problem = changes.precedence === undefined ? undefined : precedenceProblem(changes.precedence);
      if (problem) throw new InvalidRequestError('invalid group', [problem]);
      const fields = Object.keys(changes).filter((key) => changes[key as keyof typeof changes] !== undefined);
      try {
        await db.transaction(async (tx) => {
          const row = await groups.updateGroupByName(tx, name, {
            description: changes.description ?? null, precedence: changes.precedence ?? null, setRole: changes.role !== undefined, roleName: changes.role ?? null,
          });
          if (!row) throw new NotFoundError(`no group "${name}"`);
          await recordAudit(tx, { type: 'group.updated', details: { group: name, fields } });
        });
      } catch (error) {
        if ((error as { code?: string }).code === '23503') throw new NotFoundError(`no role "${changes.role}"; create it with \`latchkey role create\``);
        throw error;
      }
      return get(name);
    },
    async delete(name) {
      await db.transaction(async (tx) => {
        const row = await groups.deleteGroupByName(tx, name);
        if (!row) throw new NotFoundError(`no group "${name}"`);
        await recordAudit(tx, { type: 'group.deleted', details: { group: name, members: row.members } });
      });
    },
    async members(name, page) {
      const group = await requireGroup(name);
      return groups.listGroupMembers(db, group.id, { afterUserId: page.after, limit: page.limit });
    },
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
