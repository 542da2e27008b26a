import { createHash, randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { InteractionError } from '../../errors/app-error.js';
import { pageCookie } from '../../http/page-cookie.js';
import { constantTimeEqual } from '../../lib/hashing.js';
import { CONSOLE_CLIENT_ID, consoleCallbackUrl } from './console-client.js';

const STATE_COOKIE = 'lk_admin_signin';
const STATE_TTL_MS = 10 * 60 * 1000;

/**
 * Paths the sign-in may return to: console pages only, never the admin API nor another site (no open
 * redirect). Segments of letters, digits and `_.-` (never starting with a dot) cover every console path: user and client ids, group names.
 */
const RETURN_PATH = /^\/admin(\/(?!v1(\/|$))[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}){0,4}$/;

/** The console path to come back to after the sign-in, or the dashboard. */
export function safeConsolePath(value: unknown): string {
  return typeof value === 'string' && RETURN_PATH.test(value) ? value : '/admin';
}

/**
 * Signing in to the console is an ordinary authorization request of Latchkey's own `latchkey-admin` client,
 * as the account page does: every way to sign in (password, federation, MFA, passkeys) applies, and the
 * console then reads the provider's own session. The code is never redeemed and its PKCE verifier is thrown
 * away at once, so nobody can redeem it; the console needs no tokens.
 */
export function createConsoleSignIn(deps: { issuer: string }) {
  const base = deps.issuer.replace(/\/+$/, '');
  const cookie = (maxAge: number) => pageCookie({ path: '/admin', secure: deps.issuer.startsWith('https:'), maxAge });

  return {
    /** GET /admin/sign-in?return=/admin/... */
    start: (ctx: Context): void => {
      const state = randomBytes(32).toString('base64url');
      ctx.cookies.set(STATE_COOKIE, `${state} ${safeConsolePath(ctx.query.return)}`, cookie(STATE_TTL_MS));
      const unredeemable = createHash('sha256').update(randomBytes(32)).digest('base64url');
      const url = new URL(`${base}/auth`);
      url.search = new URLSearchParams({
        client_id: CONSOLE_CLIENT_ID,
        response_type: 'code',
        scope: 'openid',
        redirect_uri: consoleCallbackUrl(deps.issuer),
        state,
        code_challenge: unredeemable,
        code_challenge_method: 'S256',
      }).toString();
      ctx.status = 303;
      ctx.redirect(url.href);
    },

    /** GET /admin/callback: back from the sign-in; the state must be this browser's. */
    callback: (ctx: Context): void => {
      const stored = ctx.cookies.get(STATE_COOKIE, { signed: true });
      ctx.cookies.set(STATE_COOKIE, null, cookie(0));
      const [expected, returnPath] = (stored ?? '').split(' ');
      const state = typeof ctx.query.state === 'string' ? ctx.query.state : '';
      if (!expected || !state || !constantTimeEqual(expected, state)) {
        throw new InteractionError('admin_sign_in_invalid', 'This sign-in link is invalid or expired. Open the admin console again.');
      }
      if (typeof ctx.query.error === 'string') {
        throw new InteractionError('admin_sign_in_failed', 'Signing in to the admin console did not complete. Open the admin console to try again.');
      }
      ctx.status = 303;
      ctx.redirect(safeConsolePath(returnPath));
    },
  };
}
