import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { Database } from '../db/database.js';
import * as store from './repositories/oidc-model.repository.js';
import * as grantTokens from './repositories/token-grant.repository.js';
import type { GrantTokenModel } from './repositories/token-grant.repository.js';
import type { TokenGrantMemo } from './token-grant-memo.js';
import type { DeferredModelWrites } from './deferred-model-writes.js';
import type { ClientLookup } from './client-lookup.js';
import type { ModelAtRest } from './model-at-rest.js';

/**
 * oidc-provider's persistence (example/my_adapter.js contract) on the `oidc_model` table.
 *
 * - Ids, uids and user codes are stored as keyed hashes and payloads sealed (model-at-rest.ts); every
 *   lookup tries each configured secret and the raw legacy form in one query.
 * - `find*` return `undefined` when nothing is found, never `{}` (tsedio/tsed#2161).
 * - After `consume`, `find` returns the payload with a truthy `consumed`; the provider then revokes the
 *   whole grant when a code or rotated refresh token is replayed.
 * - Clients are not stored here: they come read-only from the `clients` table, through the in-process
 *   lookup that keeps them while changes are announced (client-lookup.ts; dynamic registration is off).
 * - An authorization-code grant and a rotating refresh-token grant take two round trips instead of six or
 *   seven: `tokenGrant` below, token-grant-memo.ts.
 * - The authorization endpoint's writes are made in one statement when its answer is ready: `deferred`,
 *   deferred-model-writes.ts. Every read first makes the writes it could see.
 */
export function createPostgresAdapterClass(
  db: Database,
  clients: Pick<ClientLookup, 'findProviderMetadata'>,
  atRest: ModelAtRest,
  tokenGrant?: TokenGrantOptions,
  deferred?: DeferredModelWrites,
): new (name: string) => Adapter {
  const memo = tokenGrant?.memo;
  const grantRequest = () => tokenGrant?.request();
  return class PostgresAdapter implements Adapter {
    readonly model: string;
    constructor(model: string) {
      this.model = model;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      if (this.model === 'Client') throw new Error('clients are managed with `latchkey client create`');
      const storedId = atRest.storageKey(id);
      const sealed = atRest.seal(this.model, payload);
      const ttl = Number.isFinite(expiresIn) && expiresIn > 0 ? Math.ceil(expiresIn) : null;
      const boundSession = boundSessionUid(this.model, payload);
      const sessionUid = boundSession === undefined ? null : atRest.storageKey(boundSession);
      const request = this.model === 'RefreshToken' ? grantRequest() : undefined;
      const spent = request && memo?.takeDeferredConsume(request.ctx);
      if (request && spent !== undefined) {
        // The refresh token issued for the code or token this request consumed (see `consume`): both in one statement.
        const { issued, grantId } = await grantTokens.consumeAndIssueRefreshToken(db, { model: request.model, ids: atRest.lookupKeys(spent) }, {
          id: storedId, payload: sealed, grantId: payload.grantId ?? null, sessionUid, expiresIn: ttl,
        });
        if (!issued) await this.refuseReplay(grantId, request.model);
        return;
      }
      const row = {
        model: this.model,
        id: storedId,
        staleIds: atRest.lookupKeys(id).filter((candidate) => candidate !== storedId),
        payload: sealed,
        // The Grant row carries its own (raw) id, so revoking a grant removes it with everything it
        // issued, and access-token liveness finds it by the id its tokens name. An Interaction only names
        // the grant it may extend and is not issued under it: revoking that grant (as the logout does when
        // another account signs in with prompt=login) must not delete the sign-in in progress.
        grantId: this.model === 'Interaction' ? null : payload.grantId ?? (this.model === 'Grant' ? id : null),
        userCode: payload.userCode ? atRest.storageKey(payload.userCode) : null,
        uid: payload.uid ? atRest.storageKey(payload.uid) : null,
        sessionUid,
        expiresIn: ttl,
      };
      const holder = deferred?.holder(this.model);
      if (deferred && holder) {
        await deferred.hold(holder, id, { op: 'upsert', ...row });
        return;
      }
      await store.upsertOidcModel(db, row);
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') return clients.findProviderMetadata(id);
      // An interaction is read with its session (findInteraction): a held write of either is made first.
      await deferred?.before(this.model === 'Interaction' ? ['Interaction', 'Session'] : [this.model]);
      const request = memo && grantRequest();
      if (memo && request) {
        if (this.model === request.model) return this.findWithContext(request.ctx, memo, id);
        if (this.model === 'Grant') {
          const held = memo.takeGrant(request.ctx, id);
          if (held) return held;
        }
      }
      const scope = this.model === 'Interaction' && memo ? tokenGrant?.scope?.() : undefined;
      if (memo && scope) return this.findInteraction(scope, memo, id);
      const payload = this.read(await store.findOidcModelById(db, this.model, atRest.lookupKeys(id)));
      // The stored payload leaves its jti out (model-at-rest.ts); the id asked for is the jti by definition.
      return payload && { ...payload, jti: id };
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      await deferred?.before([this.model]);
      if (this.model === 'Session' && memo) {
        const request = grantRequest();
        const held = (request && memo.takeSession(request.ctx, uid)) || memo.takeSession(tokenGrant?.scope?.(), uid);
        if (held) return held;
      }
      return this.read(await store.findOidcModelByUid(db, this.model, atRest.lookupKeys(uid)));
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      await deferred?.before([this.model]);
      return this.read(await store.findOidcModelByUserCode(db, this.model, atRest.lookupKeys(userCode)));
    }

    async consume(id: string): Promise<void> {
      await deferred?.before();
      // The grant consumes the code or token it was given, and the refresh token it issues is saved later in
      // the same request (oidc-provider 9.13.3: lib/actions/grants/refresh_token.js, `consume()` then `save()`;
      // lib/helpers/grant_common.js issueTokens, after authorization_code.js's `consumeGrantSource`, saves the
      // refresh token after the account check, signing the access token in between). Both happen in the refresh
      // token's insert, in one statement that decides the race as the UPDATE below does. Should that insert
      // never run (the request failed between), the presented code or token stays unspent, as if the request
      // had not been made. Deferred only when a refresh token will be issued: `willIssueRefreshToken`.
      const request = this.model === 'AuthorizationCode' || this.model === 'RefreshToken' ? grantRequest() : undefined;
      if (request?.model === this.model && request.willIssueRefreshToken && memo?.deferConsume(request.ctx, id)) return;
      // oidc-provider checks `consumed` when it finds the token and consumes it later, so parallel
      // redemptions of one code or refresh token would all pass its check. The atomic UPDATE decides the
      // race; losers are treated as the replay they are: the grant is revoked and the request fails.
      const { consumed, grantId } = await store.consumeOidcModel(db, this.model, atRest.lookupKeys(id));
      if (!consumed) await this.refuseReplay(grantId);
    }

    async destroy(id: string): Promise<void> {
      const holder = deferred?.holder(this.model);
      if (deferred && holder) {
        await deferred.hold(holder, id, { op: 'delete', model: this.model, ids: atRest.lookupKeys(id) });
        return;
      }
      await store.deleteOidcModel(db, this.model, atRest.lookupKeys(id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await deferred?.before();
      // One DELETE covers every model carrying this grant id; the provider calls this once per model,
      // so only the first call does work.
      await store.deleteOidcModelsByGrantId(db, grantId);
    }

    private async refuseReplay(grantId: string | null, model = this.model): Promise<never> {
      if (grantId) await store.deleteOidcModelsByGrantId(db, grantId);
      throw new errors.InvalidGrant(`${model === 'AuthorizationCode' ? 'authorization code' : 'token'} already used`);
    }

    /**
     * The grant's code or refresh token, read with its grant, session and account (one query for what were
     * four), which the request's next steps take from the memo: the session binding's `Session.findByUid`,
     * `Grant.find` in the provider's validateGrant, and our findAccount. Whatever did not load (no live grant
     * or session, a payload no secret opens, no user) is left out, so those steps read the database as usual.
     */
    private async findWithContext(request: object, memo: TokenGrantMemo, id: string): Promise<AdapterPayload | undefined> {
      const found = await grantTokens.findGrantTokenWithContext(db, this.model as GrantTokenModel, atRest.lookupKeys(id));
      const payload = this.read(found?.token);
      if (!found || !payload) return undefined;
      const grantRow = found.grant;
      const grant = grantRow ? atRest.open('Grant', grantRow.payload) : undefined;
      const session = found.session ? atRest.open('Session', found.session.payload) : undefined;
      memo.remember(request, {
        tokenId: id,
        grant: grantRow && grant ? { id: grantRow.id, payload: { ...grant, jti: grantRow.id } } : undefined,
        session: session && typeof session.uid === 'string' ? { uid: session.uid, payload: session } : undefined,
        user: found.user ?? undefined,
      });
      return { ...payload, jti: id };
    }

    /**
     * An interaction, read with the session it names (one query for two): the provider's #getInteraction
     * (lib/provider.js) reads that session right after, which takes it from the memo for this request only.
     */
    private async findInteraction(scope: object, memo: TokenGrantMemo, id: string): Promise<AdapterPayload | undefined> {
      const found = await store.findInteractionWithSession(db, atRest.lookupKeys(id));
      const payload = this.read(found);
      if (!found || !payload) return undefined;
      const session = found.session_payload ? atRest.open('Session', found.session_payload) : undefined;
      memo.remember(scope, { tokenId: id, session: session && typeof session.uid === 'string' ? { uid: session.uid, payload: session } : undefined });
      return { ...payload, jti: id };
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

/** The token endpoint's shortcuts for the code and refresh-token grants (token-grant-memo.ts), wired by the provider factory. */
export interface TokenGrantOptions {
  memo: TokenGrantMemo;
  /** The current request when it is an authorization-code or refresh-token grant at the token endpoint; undefined otherwise. */
  request: () => TokenGrantRequest | undefined;
  /** The current request's scope (lib/request-scope.ts), which an interaction's session is held for; undefined outside a request. */
  scope?: () => object | undefined;
}

/** A token-endpoint request presenting a code or a refresh token. */
export interface TokenGrantRequest {
  /** The request's context: the memo's key. */
  ctx: object;
  /** The model of what it presents. */
  model: GrantTokenModel;
  /** Whether it will issue a refresh token (the provider's `issueRefreshToken` for this client), into whose insert the consumption may go. */
  willIssueRefreshToken: boolean;
}

/**
 * The raw uid of the session a model instance is bound to, stored (hashed) in `session_uid`: a code's or a
 * token's `sessionUid`, an interaction's `session.uid` (the session it was started in).
 */
function boundSessionUid(model: string, payload: AdapterPayload): string | undefined {
  if (typeof payload.sessionUid === 'string') return payload.sessionUid;
  const session = model === 'Interaction' ? (payload.session as { uid?: unknown } | undefined) : undefined;
  return typeof session?.uid === 'string' ? session.uid : undefined;
}
