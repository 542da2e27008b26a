import type { Context } from 'koa';
import { pageCookie } from '../../http/page-cookie.js';

/**
 * What a self-service page hands to the next one within a sign-in: the account waiting for its e-mail code
 * (`verify`), or the identifier a reset code was requested for (`reset`). Kept in a signed, HttpOnly cookie
 * scoped to the interaction's path, so it exists only in the browser that did the previous step, only for
 * this sign-in, and cannot be altered (Koa's signed cookies, keyed by LATCHKEY_SECRET).
 */
export interface PendingStep {
  kind: 'verify' | 'reset';
  /** A user id (`verify`) or the identifier as typed (`reset`). */
  subject: string;
}

const COOKIE = 'lk_pending';
const MAX_AGE_MS = 60 * 60 * 1000;

function options(uid: string, secure: boolean, maxAge: number) {
  return pageCookie({ path: `/interaction/${uid}`, secure, maxAge });
}

/**
 * The value travels as base64url JSON: the identifier is whatever the person typed (Hangul, an emoji, `;`),
 * and a cookie value may hold none of these (RFC 6265 §4.1.1); the cookie library throws on them.
 */
export function setPendingStep(ctx: Context, uid: string, step: PendingStep, secure: boolean): void {
  ctx.cookies.set(COOKIE, Buffer.from(JSON.stringify({ uid, ...step }), 'utf8').toString('base64url'), options(uid, secure, MAX_AGE_MS));
}

export function clearPendingStep(ctx: Context, uid: string, secure: boolean): void {
  ctx.cookies.set(COOKIE, null, options(uid, secure, 0));
}

export function pendingStep(ctx: Context, uid: string, kind: PendingStep['kind']): PendingStep | undefined {
  const raw = ctx.cookies.get(COOKIE, { signed: true });
  if (!raw) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as { uid?: unknown; kind?: unknown; subject?: unknown };
    if (parsed.uid !== uid || parsed.kind !== kind || typeof parsed.subject !== 'string') return undefined;
    return { kind, subject: parsed.subject };
  } catch {
    return undefined;
  }
}
