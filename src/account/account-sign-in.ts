import { createHash, randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { InteractionError } from '../errors/app-error.js';
import { constantTimeEqual } from '../lib/hashing.js';
import { ACCOUNT_CLIENT_ID, accountCallbackUrl } from './account-client.js';
import { safeReturnPath } from './account-session.js';
import { pageCookie } from '../http/page-cookie.js';

const STATE_COOKIE = 'lk_account_signin';
const STATE_TTL_MS = 10 * 60 * 1000;

/** Cookie options of the account page's own short-lived cookies: signed, HttpOnly, scoped to /account. */
export function accountCookie(issuer: string, maxAge: number) {
  return pageCookie({ path: '/account', secure: issuer.startsWith('https:'), maxAge });
}

/**
 * Signing in to the account page is an ordinary authorization request of Latchkey's own account client,
 * so every way to sign in (password, federation, and later MFA) applies unchanged, and `prompt=login`
 * forces a fresh authentication before sensitive changes. The page needs no tokens: the provider's session
 * cookie, set during the sign-in, is what it reads. The code is therefore never redeemed, and its PKCE
 * verifier is thrown away at once, so nobody can redeem it either.
 */
export function createAccountSignIn(deps: { issuer: string }) {
  const base = deps.issuer.replace(/\/+$/, '');

  return {
    /** GET /account/sign-in?return=/account[&fresh=1] */
    start: (ctx: Context): void => {
      const state = randomBytes(32).toString('base64url');
      const returnPath = safeReturnPath(ctx.query.return);
      const fresh = ctx.query.fresh === '1';
      ctx.cookies.set(STATE_COOKIE, `${state} ${returnPath}`, accountCookie(deps.issuer, STATE_TTL_MS));
      const unredeemable = createHash('sha256').update(randomBytes(32)).digest('base64url');
      const url = new URL(`${base}/auth`);
      url.search = new URLSearchParams({
        client_id: ACCOUNT_CLIENT_ID,
        response_type: 'code',
        scope: 'openid',
        redirect_uri: accountCallbackUrl(deps.issuer),
        state,
        code_challenge: unredeemable,
        code_challenge_method: 'S256',
        ...(fresh ? { prompt: 'login', max_age: '0' } : {}),
      }).toString();
      ctx.status = 303;
      ctx.redirect(url.href);
    },

    /** GET /account/callback: back from the sign-in; the state must be this browser's. */
    callback: (ctx: Context): void => {
      const stored = ctx.cookies.get(STATE_COOKIE, { signed: true });
      ctx.cookies.set(STATE_COOKIE, null, accountCookie(deps.issuer, 0));
      const [expected, returnPath] = (stored ?? '').split(' ');
      const state = typeof ctx.query.state === 'string' ? ctx.query.state : '';
      if (!expected || !state || !constantTimeEqual(expected, state)) {
        throw new InteractionError('account_sign_in_invalid', 'This sign-in link is invalid or expired. Open your account page again.');
      }
      if (typeof ctx.query.error === 'string') {
        throw new InteractionError('account_sign_in_failed', 'Signing in to your account page did not complete. Open your account page to try again.');
      }
      ctx.status = 303;
      ctx.redirect(safeReturnPath(returnPath));
    },
  };
}
