import { AsyncLocalStorage } from 'node:async_hooks';
import type { Queryable } from '../db/database.js';
import { applyOidcModelWrites, type OidcModelWrite } from './repositories/oidc-model-writes.repository.js';

/**
 * The writes an authorization request makes to `oidc_model`, held until the request's answer is ready and then
 * made in one statement. Resuming a sign-in deletes its interaction and saves the session, the grant and the
 * code (and a new interaction when a prompt remains, the session's old id gone when it rotates): one round trip
 * where there were up to five.
 *
 * What keeps this equivalent to writing at once:
 * - Nothing leaves before the writes are made: they are made by provider middleware after the route's answer is
 *   set and before Koa sends it; if they fail, the answer is replaced (no redirect with a code that was never
 *   stored, no cookie for a session that was never stored).
 * - A request reads its own writes: before the adapter reads a model the request holds writes of (and before a
 *   consumption or a revocation by grant, which act on other rows by their own rules), the held writes are made.
 * - One write per instance, so that the statement never touches one row twice: a write of an instance already
 *   held replaces it (after an upsert, a later upsert or a deletion is what the two leave behind); an upsert after
 *   a deletion makes the held writes first.
 * - Only requests of the authorization endpoint and its resumption hold writes (a code or token grant's writes
 *   decide races in their own statements: postgres-adapter.ts), and only of the models they write; and a step of
 *   the hosted pages that asks for it (`within`: the consent form saves the grant and the interaction's result in
 *   one statement, made before its redirect is set).
 *
 * Entries are keyed by the request's context object in a WeakMap, so nothing is shared between requests.
 */
export interface DeferredModelWrites {
  /** The current request, when its writes of `model` are held; undefined to write at once. */
  holder(model: string): object | undefined;
  /** Holds `write`, the adapter's write of instance `id` (raw) of its model, for `request`. */
  hold(request: object, id: string, write: OidcModelWrite): Promise<void>;
  /** Makes the current request's held writes first, when it holds writes of one of `models` (any, when omitted). */
  before(models?: readonly string[]): Promise<void>;
  /** Makes every write `request` holds, in one statement; nothing is held afterwards (also when it fails). */
  flush(request: object): Promise<void>;
  /**
   * Runs `work` holding its writes of the held models, then makes them in one statement before returning its
   * result. Should `work` fail, its held writes are dropped: none of them is made.
   */
  within<T>(work: () => Promise<T>): Promise<T>;
}

/** The models the authorization endpoint and its resumption write. */
const HELD_MODELS: ReadonlySet<string> = new Set(['Interaction', 'Session', 'Grant', 'AuthorizationCode']);

/**
 * `requestHolder`: the current request when it holds its writes by its route (the provider's context); a step
 * running in `within` holds them under a scope of its own.
 */
export function createDeferredModelWrites(db: Queryable, requestHolder: () => object | undefined): DeferredModelWrites {
  const explicit = new AsyncLocalStorage<object>();
  const currentHolder = () => explicit.getStore() ?? requestHolder();
  /** Per request: its held writes by model and raw id. */
  const byRequest = new WeakMap<object, Map<string, OidcModelWrite>>();
  const keyOf = (model: string, id: string) => `${model}\u0000${id}`;

  /** Per request: its statement under way, which the next one waits for, so that writes are made in order. */
  const making = new WeakMap<object, Promise<void>>();

  async function flush(request: object): Promise<void> {
    const held = byRequest.get(request);
    byRequest.delete(request);
    const earlier = making.get(request);
    if (!held || held.size === 0) return earlier;
    const made = (async () => {
      await earlier?.catch(() => {});
      await applyOidcModelWrites(db, [...held.values()]);
    })();
    making.set(request, made);
    return made;
  }

  return {
    holder: (model) => (HELD_MODELS.has(model) ? currentHolder() : undefined),
    async hold(request, id, write) {
      const key = keyOf(write.model, id);
      // An upsert after a deletion is made after it: the new row must not inherit the old one's consumption.
      if (write.op === 'upsert' && byRequest.get(request)?.get(key)?.op === 'delete') await flush(request);
      let held = byRequest.get(request);
      if (!held) byRequest.set(request, (held = new Map<string, OidcModelWrite>()));
      // The statement makes its writes at once, so their order does not matter: an instance's last write counts.
      held.set(key, write);
    },
    async before(models) {
      const request = currentHolder();
      if (!request) return;
      const held = byRequest.get(request);
      const seen = held && [...held.values()].some((write) => !models || models.includes(write.model));
      // Else a statement already under way (a parallel call's flush, as the provider revokes a grant model by
      // model at once) is still waited for: what it writes may be what this call reads or acts on.
      await (seen ? flush(request) : making.get(request));
    },
    flush,
    async within(work) {
      const scope = {};
      const result = await explicit.run(scope, work);
      await flush(scope);
      return result;
    },
  };
}
