import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { Database } from '../db/database.js';
import * as store from './repositories/oidc-model.repository.js';
import type { ClientRepository } from './repositories/client.repository.js';
import type { ModelAtRest } from './model-at-rest.js';

/**
 * oidc-provider's persistence (example/my_adapter.js contract) on the `oidc_model` table.
 *
 * - Ids, uids and user codes are stored as keyed hashes and payloads sealed (model-at-rest.ts); every
 *   lookup tries each configured secret and the raw legacy form in one query.
 * - `find*` return `undefined` when nothing is found, never `{}` (tsedio/tsed#2161).
 * - After `consume`, `find` returns the payload with a truthy `consumed`; the provider then revokes the
 *   whole grant when a code or rotated refresh token is replayed.
 * - Clients are not stored here: they come read-only from the `clients` table (dynamic registration is off).
 */
export function createPostgresAdapterClass(db: Database, clients: ClientRepository, atRest: ModelAtRest): new (name: string) => Adapter {
  return class PostgresAdapter implements Adapter {
    readonly model: string;
    constructor(model: string) {
      this.model = model;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      if (this.model === 'Client') throw new Error('clients are managed with `latchkey client create`');
      const storedId = atRest.storageKey(id);
      await store.upsertOidcModel(db, {
        model: this.model,
        id: storedId,
        staleIds: atRest.lookupKeys(id).filter((candidate) => candidate !== storedId),
        payload: atRest.seal(this.model, payload),
        // The Grant row carries its own (raw) id, so revoking a grant removes it with everything it
        // issued, and access-token liveness finds it by the id its tokens name. An Interaction only names
        // the grant it may extend and is not issued under it: revoking that grant (as the logout does when
        // another account signs in with prompt=login) must not delete the sign-in in progress.
        grantId: this.model === 'Interaction' ? null : payload.grantId ?? (this.model === 'Grant' ? id : null),
        userCode: payload.userCode ? atRest.storageKey(payload.userCode) : null,
        uid: payload.uid ? atRest.storageKey(payload.uid) : null,
        expiresIn: Number.isFinite(expiresIn) && expiresIn > 0 ? Math.ceil(expiresIn) : null,
      });
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') return clients.findProviderMetadata(id);
      const payload = this.read(await store.findOidcModelById(db, this.model, atRest.lookupKeys(id)));
      // The stored payload's jti is sealed; the id asked for is the jti by definition.
      return payload && { ...payload, jti: id };
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return this.read(await store.findOidcModelByUid(db, this.model, atRest.lookupKeys(uid)));
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return this.read(await store.findOidcModelByUserCode(db, this.model, atRest.lookupKeys(userCode)));
    }

    async consume(id: string): Promise<void> {
      // oidc-provider checks `consumed` when it finds the token and consumes it later, so parallel
      // redemptions of one code or refresh token would all pass its check. The atomic UPDATE decides the
      // race; losers are treated as the replay they are: the grant is revoked and the request fails.
      const { consumed, grantId } = await store.consumeOidcModel(db, this.model, atRest.lookupKeys(id));
      if (!consumed) {
        if (grantId) await store.deleteOidcModelsByGrantId(db, grantId);
        throw new errors.InvalidGrant(`${this.model === 'AuthorizationCode' ? 'authorization code' : 'token'} already used`);
      }
    }

    async destroy(id: string): Promise<void> {
      await store.deleteOidcModel(db, this.model, atRest.lookupKeys(id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      // One DELETE covers every model carrying this grant id; the provider calls this once per model,
      // so only the first call does work.
      await store.deleteOidcModelsByGrantId(db, grantId);
    }

    private read(row: store.OidcModelRow | undefined): AdapterPayload | undefined {
      if (!row) return undefined;
      const payload = atRest.open(this.model, row.payload);
      if (!payload) return undefined;
      if (row.consumed_at) return { ...payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) };
      return payload;
    }
  };
}
