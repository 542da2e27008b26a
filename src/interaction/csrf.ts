import type { Context, Next } from 'koa';
import { hmacBase64url, constantTimeEqual } from '../lib/hashing.js';
import { CsrfError } from '../errors/app-error.js';
import type { WithInput } from '../http/validate.js';
import type { CsrfForm } from './csrf.schema.js';
import type { WithInteraction } from './load-interaction.js';

/**
 * CSRF tokens for hosted forms: HMAC(secret, interaction uid). The uid is the value of the path-scoped
 * interaction cookie, so the token is bound to the browser's session (OWASP's HMAC-based token pattern);
 * a cross-site page can neither read the uid nor compute the MAC. SameSite=Lax cookies are a second layer.
 * Every configured secret verifies, so secrets rotate without breaking forms in flight.
 */
export interface Csrf {
  issue(uid: string): string;
  verify(uid: string, token: string | undefined): void;
}

export function createCsrf(secrets: readonly string[]): Csrf {
  const mac = (secret: string, uid: string) => hmacBase64url(secret, `latchkey-csrf:${uid}`);
  return {
    issue: (uid) => mac(secrets[0]!, uid),
    verify(uid, token) {
      if (typeof token !== 'string' || token.length === 0 || token.length > 128) throw new CsrfError();
      // Compare against every secret (no early exit) to keep timing flat.
      let ok = false;
      for (const secret of secrets) ok = constantTimeEqual(mac(secret, uid), token) || ok;
      if (!ok) throw new CsrfError();
    },
  };
}

/** The CSRF step, after the form was validated: its `csrf` field must be the token of this interaction. */
export function checkCsrf(csrf: Csrf) {
  return async function checkCsrfStep(ctx: Context & WithInteraction & WithInput<CsrfForm>, next: Next): Promise<void> {
    csrf.verify(ctx.interaction.uid, ctx.input.csrf);
    await next();
  };
}
