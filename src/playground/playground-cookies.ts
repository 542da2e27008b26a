import type { Context } from 'koa';
import type { SecretBox } from '../lib/secret-box.js';
import { PLAYGROUND_PATH } from './playground-client.js';
import { pageCookie } from '../http/page-cookie.js';

const PENDING_COOKIE = 'lk_playground_signin';
const TOKEN_COOKIE = 'lk_playground_token';
const PENDING_TTL_MS = 10 * 60 * 1000;
const SEALED_PURPOSE = 'playground access token';

/** A sign-in the playground started: what its callback must see again (state, nonce) and the PKCE verifier. */
export interface PendingSignIn {
  state: string;
  nonce: string;
  verifier: string;
}

/** What the credentials button needs after a sign-in: the access token and the form's CSRF binding. */
export interface HeldToken {
  accessToken: string;
  csrfId: string;
  expiresAt: number;
}

/**
 * The playground's two cookies, both HttpOnly, SameSite=Lax and scoped to /playground, so no other page of
 * the origin (nor any script) sees them. The pending sign-in is signed (its verifier is only useful with the
 * code, which only this browser receives); the access token is sealed (AES-256-GCM under LATCHKEY_SECRET),
 * since it is a bearer credential of its own, and lives no longer than the token.
 */
export function createPlaygroundCookies(deps: { issuer: string; box: SecretBox; now: () => number }) {
  const options = (maxAge: number, signed: boolean) => pageCookie({ path: PLAYGROUND_PATH, secure: deps.issuer.startsWith('https:'), maxAge, signed });

  return {
    setPending(ctx: Context, pending: PendingSignIn): void {
      ctx.cookies.set(PENDING_COOKIE, Buffer.from(JSON.stringify(pending)).toString('base64url'), options(PENDING_TTL_MS, true));
    },

    /** The pending sign-in, removed as it is read: a callback is answered once. */
    takePending(ctx: Context): PendingSignIn | null {
      const raw = ctx.cookies.get(PENDING_COOKIE, { signed: true });
      ctx.cookies.set(PENDING_COOKIE, null, options(0, true));
      if (!raw) return null;
      try {
        const value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<PendingSignIn>;
        const { state, nonce, verifier } = value;
        return typeof state === 'string' && typeof nonce === 'string' && typeof verifier === 'string' ? { state, nonce, verifier } : null;
      } catch {
        return null;
      }
    },

    holdToken(ctx: Context, held: HeldToken): void {
      const maxAge = Math.max(0, held.expiresAt - deps.now());
      ctx.cookies.set(TOKEN_COOKIE, deps.box.seal(JSON.stringify(held), SEALED_PURPOSE), options(maxAge, false));
    },

    readToken(ctx: Context): HeldToken | null {
      const raw = ctx.cookies.get(TOKEN_COOKIE);
      if (!raw || raw.length > 8192) return null;
      try {
        const value = JSON.parse(deps.box.open(raw, SEALED_PURPOSE)) as Partial<HeldToken>;
        const { accessToken, csrfId, expiresAt } = value;
        if (typeof accessToken !== 'string' || typeof csrfId !== 'string' || typeof expiresAt !== 'number' || expiresAt <= deps.now()) return null;
        return { accessToken, csrfId, expiresAt };
      } catch {
        return null;
      }
    },

    forgetToken(ctx: Context): void {
      ctx.cookies.set(TOKEN_COOKIE, null, options(0, false));
    },
  };
}

export type PlaygroundCookies = ReturnType<typeof createPlaygroundCookies>;
