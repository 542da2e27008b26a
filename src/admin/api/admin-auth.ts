import type { Context, Next } from 'koa';
import { setAuditActor } from '../../audit/audit-context.js';
import type { AdminMembers } from '../../directory/admin-members.js';
import { ForbiddenError, InsufficientScopeError, InvalidTokenError } from '../../errors/app-error.js';
import type { AccessTokenVerifier } from '../../oidc/access-token-verifier.js';
import { bearerToken } from '../../http/bearer-token.js';
import type { AdminCaller } from './admin-route.js';

export const ADMIN_SCOPE = 'admin';
export const ADMIN_READ_SCOPE = 'admin:read';

/** After the bearer step: who is calling. */
export interface WithAdminCaller {
  caller: AdminCaller;
}

/**
 * The admin API's bearer step. A token must be addressed to Latchkey itself and carry `admin` or
 * `admin:read`. A client-credentials token acts as its client. A user's token acts as that user only while
 * they are in the admin group, read at every request (revocation takes effect at once), and never beyond
 * their membership: a read-only member with an `admin` token may only read. A user token from an app that
 * was merely registered with the scope is therefore worthless unless its user administers Latchkey.
 */
export function adminBearer(deps: { verifier: AccessTokenVerifier; admins: AdminMembers; audience: string }) {
  return async function authenticateAdmin(ctx: Context & Partial<WithAdminCaller>, next: Next): Promise<void> {
    const bearer = bearerToken(ctx);
    if (!bearer) throw new InvalidTokenError('send an access token as Authorization: Bearer <token>');
    const token = await deps.verifier.verify(bearer, { audience: deps.audience });
    const scoped = token.scopes.has(ADMIN_SCOPE) ? 'admin' : token.scopes.has(ADMIN_READ_SCOPE) ? 'read' : null;
    if (!scoped) throw new InsufficientScopeError(ADMIN_READ_SCOPE, 'the access token carries neither the "admin" nor the "admin:read" scope');
    if (token.accountId === null) {
      setAuditActor({ kind: 'client', id: token.clientId }, token.clientId);
      ctx.caller = { access: scoped, kind: 'client', id: token.clientId, clientId: token.clientId };
    } else {
      const member = await deps.admins.accessOf(token.accountId);
      if (!member) throw new ForbiddenError('not_an_administrator', 'this user is not in the admin group (latchkey admin grant USER)');
      setAuditActor({ kind: 'admin', id: token.accountId }, token.clientId);
      ctx.caller = { access: member === 'read' || scoped === 'read' ? 'read' : 'admin', kind: 'user', id: token.accountId, clientId: token.clientId };
    }
    await next();
  };
}

/** The access step: a write needs full admin access; `admin:read` and read-only members may only read. */
export function requireAccess(needed: 'read' | 'write') {
  return async function checkAdminAccess(ctx: Context & WithAdminCaller, next: Next): Promise<void> {
    if (needed === 'write' && ctx.caller.access !== 'admin') {
      if (ctx.caller.kind === 'user' && ctx.caller.access === 'read') {
        // Either the member is read-only or the token only carries admin:read: name the one that applies.
        throw new InsufficientScopeError(ADMIN_SCOPE, 'this operation changes the pool: it needs full admin access (the "admin" scope, and a member granted without --read-only)');
      }
      throw new InsufficientScopeError(ADMIN_SCOPE, 'this operation changes the pool: it needs the "admin" scope');
    }
    await next();
  };
}
