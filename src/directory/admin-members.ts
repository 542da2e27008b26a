import type { Database } from '../db/database.js';
import { recordAudit } from '../audit/record-audit.js';
import { deleteAdminMemberByUserId, findAdminAccessByUserId, findAdminMembers, upsertAdminMember, type AdminAccess, type AdminMemberRow } from './repositories/admin-member.repository.js';
import type { UserService } from './user-service.js';

export type { AdminAccess, AdminMemberRow };

/**
 * The admin group (`latchkey admin grant USER`): who may use the admin API and console as a signed-in user.
 * Access is read at every request, so revoking it takes effect at once, whatever tokens are outstanding.
 */
export interface AdminMembers {
  grant(userReference: string, access: AdminAccess): Promise<{ userId: string; access: AdminAccess; changed: boolean }>;
  revoke(userReference: string): Promise<{ userId: string; revoked: boolean }>;
  accessOf(userId: string): Promise<AdminAccess | null>;
  list(): Promise<AdminMemberRow[]>;
}

export function createAdminMembers(deps: { db: Database; users: UserService }): AdminMembers {
  const { db, users } = deps;
  return {
    async grant(userReference, access) {
      const user = await users.resolve(userReference);
      return db.transaction(async (tx) => {
        const { previous } = await upsertAdminMember(tx, user.id, access);
        if (previous !== access) await recordAudit(tx, { type: 'admin.granted', subjectId: user.id, details: { access, previous } });
        return { userId: user.id, access, changed: previous !== access };
      });
    },
    async revoke(userReference) {
      const user = await users.resolve(userReference);
      return db.transaction(async (tx) => {
        const revoked = await deleteAdminMemberByUserId(tx, user.id);
        if (revoked) await recordAudit(tx, { type: 'admin.revoked', subjectId: user.id });
        return { userId: user.id, revoked };
      });
    },
    accessOf: (userId) => findAdminAccessByUserId(db, userId),
    list: () => findAdminMembers(db),
  };
}
