import type { Context, Next } from 'koa';
import { setAuditActor } from '../audit/audit-context.js';
import type { UserService } from '../directory/user-service.js';
import type { Clock } from '../lib/clock.js';
import type { ProviderHolder } from '../oidc/provider-holder.js';

/** The signed-in user of the account page, from the provider's own session (the `_session` cookie). */
export interface AccountSession {
  user: NonNullable<Awaited<ReturnType<UserService['findActingUser']>>>;
  /** When the user last authenticated (seconds since the epoch). */
  loginTs: number;
  /** The provider session's uid: CSRF tokens of the account page are bound to it. */
  sessionUid: string;
}

/** The context after {@link loadAccountSession}. */
export interface WithAccount {
  account: AccountSession;
}

/** Paths the sign-in may return to: the account page and its link starts only (never an open redirect). */
const RETURN_PATH = /^\/account(\/link\/[a-z][a-z0-9-]{0,31})?$/;

export function safeReturnPath(value: unknown): string {
  return typeof value === 'string' && RETURN_PATH.test(value) ? value : '/account';
}

function toSignIn(ctx: Context, returnPath: string, fresh: boolean): void {
  ctx.status = 303;
  ctx.redirect(`/account/sign-in?return=${encodeURIComponent(returnPath)}${fresh ? '&fresh=1' : ''}`);
}

/**
 * The step that finds who is signed in: the session oidc-provider keeps for the browser, and a user who may
 * still act (a disabled user or one signed out everywhere has no session or is refused). Without one, the
 * browser is sent to sign in and comes back here.
 */
export function loadAccountSession(deps: { holder: ProviderHolder; users: UserService }) {
  return async function loadAccountSessionStep(ctx: Context & Partial<WithAccount>, next: Next): Promise<void> {
    const session = await deps.holder.provider.Session.get(ctx);
    const user = session.accountId ? await deps.users.findActingUser(session.accountId) : undefined;
    if (!user) return toSignIn(ctx, safeReturnPath(ctx.path), false);
    // The user changes their own account: every change the page makes is theirs.
    setAuditActor({ kind: 'user', id: user.id });
    ctx.account = { user, loginTs: session.loginTs ?? 0, sessionUid: session.uid };
    await next();
  };
}

/**
 * The step in front of changes to how the user signs in (linking, unlinking): the user must have
 * authenticated within `maxAgeSeconds`, so a session left open on a shared computer cannot attach an
 * attacker's upstream account. Otherwise they sign in again (`prompt=login`) and come back.
 */
export function requireRecentSignIn(deps: { clock: Clock; maxAgeSeconds: number }) {
  return async function requireRecentSignInStep(ctx: Context & WithAccount, next: Next): Promise<void> {
    const age = Math.floor(deps.clock.now().getTime() / 1000) - ctx.account.loginTs;
    if (age > deps.maxAgeSeconds) return toSignIn(ctx, ctx.method === 'GET' ? safeReturnPath(ctx.path) : '/account', true);
    await next();
  };
}
