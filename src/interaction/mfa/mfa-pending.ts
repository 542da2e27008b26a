import type { Context } from 'koa';
import { setAuditActor } from '../../audit/audit-context.js';
import type { Clock } from '../../lib/clock.js';
import { pageCookie } from '../../http/page-cookie.js';

/**
 * "The password was proven for user X in this sign-in; the second factor is next." Handed from the login
 * form to the MFA pages in a signed (Koa's signed cookies, keyed by LATCHKEY_SECRET), HttpOnly cookie scoped
 * to `/interaction/<uid>`: it cannot be forged or altered, it names its interaction (a cookie copied into
 * another sign-in is ignored), and it expires. `stage` records how far the second factor got:
 * `challenge` (enrolled, a code is asked for), `enrol` (required, none enrolled yet), `enrolled` (enrolment
 * confirmed in this sign-in, recovery codes shown, the sign-in may finish).
 */
export interface MfaPending {
  stage: 'challenge' | 'enrol' | 'enrolled';
  userId: string;
  /** The factors proven so far (`pwd`). */
  amr: readonly string[];
}

const COOKIE = 'lk_mfa';
const MAX_AGE_SECONDS = 15 * 60;

function options(uid: string, secure: boolean, maxAgeMs: number) {
  return pageCookie({ path: `/interaction/${uid}`, secure, maxAge: maxAgeMs });
}

export function setMfaPending(ctx: Context, uid: string, pending: MfaPending, deps: { clock: Clock; secureCookies: boolean }): void {
  // The expiry is inside the signed value too: a cookie kept past its Max-Age by the browser still dies.
  const exp = Math.floor(deps.clock.now().getTime() / 1000) + MAX_AGE_SECONDS;
  ctx.cookies.set(COOKIE, JSON.stringify({ uid, exp, ...pending }), options(uid, deps.secureCookies, MAX_AGE_SECONDS * 1000));
}

export function clearMfaPending(ctx: Context, uid: string, secure: boolean): void {
  ctx.cookies.set(COOKIE, null, options(uid, secure, 0));
}

/**
 * The pending step of this interaction at `stage`, or undefined (none, another interaction's, expired). The
 * user it names proved their password, so they are the actor of what the step records.
 */
export function mfaPending(ctx: Context, uid: string, stage: MfaPending['stage'], clock: Clock): MfaPending | undefined {
  const raw = ctx.cookies.get(COOKIE, { signed: true });
  if (!raw) return undefined;
  try {
    const parsed = JSON.parse(raw) as { uid?: unknown; exp?: unknown; stage?: unknown; userId?: unknown; amr?: unknown };
    if (parsed.uid !== uid || parsed.stage !== stage || typeof parsed.userId !== 'string') return undefined;
    if (typeof parsed.exp !== 'number' || parsed.exp < clock.now().getTime() / 1000) return undefined;
    if (!Array.isArray(parsed.amr) || !parsed.amr.every((value) => typeof value === 'string')) return undefined;
    setAuditActor({ kind: 'user', id: parsed.userId });
    return { stage, userId: parsed.userId, amr: parsed.amr };
  } catch {
    return undefined;
  }
}
