import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { Database } from '../db/database.js';
import * as store from './repositories/oidc-model.repository.js';
import type { ClientRepository } from './repositories/client.repository.js';

/**
 * oidc-provider's persistence (example/my_adapter.js contract) on the `oidc_model` table.
 *
 * - `find*` return `undefined` when nothing is found, never `{}` (tsedio/tsed#2161).
 * - After `consume`, `find` returns the payload with a truthy `consumed`; the provider then revokes the
 *   whole grant when a code or rotated refresh token is replayed.
 * - Clients are not stored here: they come read-only from the `clients` table (dynamic registration is off).
 */
export function createPostgresAdapterClass(db: Database, clients: ClientRepository): new (name: string) => Adapter {
  return class PostgresAdapter implements Adapter {
    readonly model: string;
    constructor(model: string) {
      this.model = model;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      if (this.model === 'Client') throw new Error('clients are managed with `latchkey client create`');
      await store.upsertOidcModel(db, {
        model: this.model,
        id,
        payload,
        // The Grant row carries its own id, so revoking a grant removes it with everything it issued.
        grantId: payload.grantId ?? (this.model === 'Grant' ? id : null),
        userCode: payload.userCode ?? null,
        uid: payload.uid ?? null,
        expiresIn: Number.isFinite(expiresIn) && expiresIn > 0 ? Math.ceil(expiresIn) : null,
      });
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') return clients.findProviderMetadata(id);
      return withConsumed(await store.findOidcModelById(db, this.model, id));
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return withConsumed(await store.findOidcModelByUid(db, this.model, uid));
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return withConsumed(await store.findOidcModelByUserCode(db, this.model, userCode));
    }

    async consume(id: string): Promise<void> {
      // oidc-provider checks `consumed` when it finds the token and consumes it later, so parallel
      // redemptions of one code or refresh token would all pass its check. The atomic UPDATE decides the
      // race; losers are treated as the replay they are: the grant is revoked and the request fails.
      const { consumed, grantId } = await store.consumeOidcModel(db, this.model, id);
      if (!consumed) {
        if (grantId) await store.deleteOidcModelsByGrantId(db, grantId);
        throw new errors.InvalidGrant(`${this.model === 'AuthorizationCode' ? 'authorization code' : 'token'} already used`);
      }
    }

    async destroy(id: string): Promise<void> {
      await store.deleteOidcModel(db, this.model, id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      // One DELETE covers every model carrying this grant id; the provider calls this once per model,
      // so only the first call does work.
      await store.deleteOidcModelsByGrantId(db, grantId);
    }
  };
}

function withConsumed(row: store.OidcModelRow | undefined): AdapterPayload | undefined {
  if (!row) return undefined;
  if (row.consumed_at) return { ...row.payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) };
  return row.payload;
}
