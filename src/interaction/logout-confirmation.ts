import { createHash } from 'node:crypto';
import type { KoaContextWithOIDC } from 'oidc-provider';

/**
 * Whether RP-initiated logout may end the session without asking. Only when the app is registered for it
 * (`client create --skip-logout-confirmation`) and presented an `id_token_hint` for this very session:
 * oidc-provider has already verified the hint's signature, issuer and audience (it refuses the request
 * otherwise), and here its subject must be the session's account and its `sid` the session's own for that
 * app (such apps' ID tokens always carry `sid`, see provider-factory.ts). Anything less keeps the question:
 * a link or image elsewhere must not sign the user out (the page is the CSRF defence of a GET logout), and
 * a hint from another browser's session does not speak for this one.
 */
export function mayEndSessionWithoutAsking(ctx: KoaContextWithOIDC): boolean {
  const { client, session, entities } = ctx.oidc;
  const hint = entities.IdTokenHint?.payload;
  if (!client || !session?.accountId || !hint) return false;
  if ((client as { latchkey_skip_logout_confirmation?: unknown }).latchkey_skip_logout_confirmation !== true) return false;
  if (hint.aud !== client.clientId && !(Array.isArray(hint.aud) && hint.aud.includes(client.clientId))) return false;
  if (hint.sub !== session.accountId) return false;
  const sid = session.authorizations?.[client.clientId]?.sid;
  return typeof sid === 'string' && hint.sid === sid;
}

/** The one inline script of the page that continues a logout without asking: it submits the form. */
export const CONTINUE_LOGOUT_SCRIPT = "document.getElementById('op.logoutForm').submit();";

/**
 * The page's policy: the hosted pages' rules plus exactly that script (by hash), as oidc-provider's own
 * auto-submitting pages do. Without script, its button does the same.
 */
export const CONTINUE_LOGOUT_CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'; "
  + `script-src 'sha256-${createHash('sha256').update(CONTINUE_LOGOUT_SCRIPT).digest('base64')}'`;

/**
 * The provider's logout form (a hidden xsrf field) with the answer "yes, sign out everywhere" inside it, so
 * that submitting it, by script or by its button, is the confirmation the provider expects.
 */
export function withLogoutConfirmed(form: string): string {
  return form.replace('</form>', '<input type="hidden" name="logout" value="yes"/></form>');
}
