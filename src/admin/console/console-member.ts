import type { Context, Next } from 'koa';
import { setAuditActor } from '../../audit/audit-context.js';
import type { AdminAccess, AdminMembers } from '../../directory/admin-members.js';
import type { UserService } from '../../directory/user-service.js';
import { ForbiddenError } from '../../errors/app-error.js';
import type { ProviderHolder } from '../../oidc/provider-holder.js';
import { CONSOLE_CLIENT_ID } from './console-client.js';
import { safeConsolePath } from './console-sign-in.js';

/** The signed-in member of the admin group using the console. */
export interface ConsoleMember {
  userId: string;
  /** What the member's page header shows. */
  displayName: string;
  access: AdminAccess;
  /** The provider session's uid: the console's CSRF tokens are bound to it. */
  sessionUid: string;
}

/** The context after {@link loadConsoleMember}. */
export interface WithMember {
  member: ConsoleMember;
}

/** Raised for a signed-in user outside the admin group, and for a change asked by a read-only member. */
export class NotAnAdministratorError extends ForbiddenError {
  constructor(description: string) {
    super('not_an_administrator', description);
  }
}

/**
 * Raised when a member would disable or delete their own account from the console: one click would lock out
 * the person making it (possibly the last full administrator). Another administrator, or the CLI on the
 * server, can still do it deliberately.
 */
export class SelfLockoutError extends ForbiddenError {
  constructor(action: 'disable' | 'delete') {
    super('self_lockout', `You cannot ${action} your own account from the console. Ask another administrator, or use the latchkey command on the server.`);
  }
}

/** Refuses a lockout of the signed-in member's own account (see {@link SelfLockoutError}). */
export function refuseOwnAccount(member: ConsoleMember, userId: string, action: 'disable' | 'delete'): void {
  if (member.userId === userId) throw new SelfLockoutError(action);
}

/**
 * The step in front of every console route: the provider's own session (its `_session` cookie) names a user
 * who may act, and that user is in the admin group, read now (a revoked member is refused on their next
 * request, whatever session they hold). Without a session the browser is sent to sign in and brought back;
 * a signed-in non-member gets a 403 page. From here on, every audit event names the member as an admin.
 */
export function loadConsoleMember(deps: { holder: ProviderHolder; users: UserService; admins: AdminMembers }) {
  return async function loadConsoleMemberStep(ctx: Context & Partial<WithMember>, next: Next): Promise<void> {
    const session = await deps.holder.provider.Session.get(ctx);
    const user = session.accountId ? await deps.users.findActingUser(session.accountId) : undefined;
    if (!user) {
      ctx.status = 303;
      // A form post has no page to come back to: the dashboard then.
      ctx.redirect(`/admin/sign-in?return=${encodeURIComponent(ctx.method === 'GET' ? safeConsolePath(ctx.path) : '/admin')}`);
      return;
    }
    const access = await deps.admins.accessOf(user.id);
    if (!access) throw new NotAnAdministratorError('Your account is not in the admin group, so the admin console is closed to you. Ask an administrator for access.');
    setAuditActor({ kind: 'admin', id: user.id }, CONSOLE_CLIENT_ID);
    ctx.member = { userId: user.id, displayName: user.username ?? user.email ?? user.id, access, sessionUid: session.uid };
    await next();
  };
}

/** The step in front of every change: read-only members see the pages and change nothing. */
export async function requireWriteAccess(ctx: Context & WithMember, next: Next): Promise<void> {
  if (ctx.member.access !== 'admin') throw new NotAnAdministratorError('Your admin access is read-only, so this change was not made.');
  await next();
}
