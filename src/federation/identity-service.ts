import { recordAudit } from '../audit/record-audit.js';
import type { Database } from '../db/database.js';
import type { UserService } from '../directory/user-service.js';
import { ConflictError, NotFoundError } from '../errors/app-error.js';
import * as repo from './repositories/federated-identity.repository.js';

/** A linked identity as shown to administrators and users: no claims beyond the e-mail. */
export interface PresentedIdentity {
  provider: string;
  issuer: string;
  subject: string;
  email: string | null;
  created_at: string;
  last_sign_in_at: string;
}

export interface IdentityService {
  /** The user's linked upstream identities, oldest first. */
  listForUser(userId: string): Promise<PresentedIdentity[]>;
  /** The names of the providers the user has linked, for the `identities` token claim. */
  providerNamesOf(userId: string): Promise<string[]>;
  /**
   * Unlinks the user's identity at `provider` (user by id, username or e-mail). Refused (ConflictError) when
   * it is the user's last way to sign in: no password, no passkey and no other identity.
   */
  unlink(userReference: string, provider: string): Promise<PresentedIdentity>;
}

function present(row: repo.FederatedIdentityRow): PresentedIdentity {
  return {
    provider: row.provider,
    issuer: row.issuer,
    subject: row.subject,
    email: row.email,
    created_at: row.created_at.toISOString(),
    last_sign_in_at: row.last_sign_in_at.toISOString(),
  };
}

/** Linked identities: listing and unlinking, with the rule that nobody loses their last way to sign in. */
export function createIdentityService(deps: { db: Database; users: UserService }): IdentityService {
  const { db, users } = deps;
  return {
    listForUser: async (userId) => (await repo.listFederatedIdentitiesByUserId(db, userId)).map(present),
    providerNamesOf: (userId) => repo.listProviderNamesByUserId(db, userId),

    async unlink(userReference, provider) {
      const user = await users.resolve(userReference);
      const deleted = await db.transaction(async (tx) => {
        await repo.lockFederatedIdentitiesByUserId(tx, user.id);
        const removed = await repo.deleteFederatedIdentityUnlessLast(tx, user.id, provider, user.password_hash !== null);
        if (removed) await recordAudit(tx, { type: 'federation.unlinked', subjectId: user.id, details: { provider } });
        return removed;
      });
      if (deleted) return present(deleted);
      const linked = (await repo.listFederatedIdentitiesByUserId(db, user.id)).some((identity) => identity.provider === provider);
      if (!linked) throw new NotFoundError(`the user has no identity at "${provider}"`);
      throw new ConflictError(`the identity at "${provider}" is the user's last way to sign in (no password, no passkey, no other identity)`);
    },
  };
}
