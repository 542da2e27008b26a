import { AsyncLocalStorage } from 'node:async_hooks';

/** Who acted, as an audit event records it. */
export interface AuditActor {
  /**
   * `user`: a user acting on their own account; `admin`: a member of the admin group through the admin API
   * or console; `client`: a client with the `admin` scope (client credentials); `cli`: the `latchkey`
   * command; `system`: Latchkey itself (maintenance, federation group rules); `anonymous`: nobody proven yet.
   */
  kind: 'user' | 'admin' | 'client' | 'cli' | 'system' | 'anonymous';
  /** The user id, client id or operating-system account; null when not known. */
  id: string | null;
}

/**
 * What the edge knows about a request, for every event the domain records while serving it: the actor, the
 * client the request came through and the caller's address. The domain says what happened; the edge says
 * who asked. Mutable so that later steps of a route's chain (bearer verification) can name the actor.
 */
export interface AuditContext {
  actor: AuditActor;
  clientId: string | null;
  address: string | null;
}

const storage = new AsyncLocalStorage<AuditContext>();

const SYSTEM: AuditContext = Object.freeze({ actor: Object.freeze({ kind: 'system', id: null }), clientId: null, address: null });

/** Runs `work` with `context` as the audit context of everything it records. */
export function withAuditContext<T>(context: AuditContext, work: () => T): T {
  return storage.run(context, work);
}

/** The audit context of the work in progress; Latchkey itself when nothing set one. */
export function currentAuditContext(): AuditContext {
  return storage.getStore() ?? SYSTEM;
}

/** Names the actor for the rest of the current request (after its credentials were verified). */
export function setAuditActor(actor: AuditActor, clientId?: string | null): void {
  const context = storage.getStore();
  if (!context) return;
  context.actor = actor;
  if (clientId !== undefined) context.clientId = clientId;
}
