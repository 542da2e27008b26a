import type { Context, Next } from 'koa';
import { assertWellFormedBasicCredentials, assertWellFormedPath, decodeUtf8, parseStrictForm, part } from './malformed-input.js';
import { readRawBody, replayRequest } from './raw-body.js';

/** oidc-provider's own body limit (lib/shared/selective_body.js): a larger body fails there anyway. */
export const PROVIDER_BODY_LIMIT = 56 * 1024;

/** A urlencoded body this check read: its decoded fields, in order. */
export interface CheckedProviderForm {
  fields: [string, string][];
}

const CHECKED_FORM = Symbol('checkedProviderForm');

/**
 * The body {@link guardProviderInput} read and checked, for the token bridges: they decide on its fields
 * without reading and decoding the body a second time. Undefined when the request had no urlencoded body.
 */
export function checkedProviderForm(ctx: Context): CheckedProviderForm | undefined {
  return (ctx.state as { [CHECKED_FORM]?: CheckedProviderForm })[CHECKED_FORM];
}

/**
 * The edge check for everything oidc-provider answers (`/auth`, `/token`, `/token/introspection`,
 * `/token/revocation`, `/me`, `/session/end`, `/request`, `/jwks`, discovery, and any unknown path): the
 * path, every query parameter, Basic client credentials and a urlencoded body must be well-formed text by
 * the rules of `malformed-input.ts`, else 400 `invalid_request`, before the provider or a bridge looks up a
 * client, a code or a token. The error is OAuth JSON; a browser's GET gets the hosted error page instead,
 * as the provider itself shows errors it cannot send back to the client.
 *
 * The provider reads raw bodies itself, so a checked body is replayed: `ctx.req` becomes a stand-in holding
 * the same bytes, which the provider then reads as if from the socket; the token bridges take the checked
 * fields instead ({@link checkedProviderForm}). A request
 * passes this check once, whether a bridge or the final fall-through to the provider meets it first.
 */
export async function guardProviderInput(ctx: Context, next: Next): Promise<void> {
  if (ctx.state.providerInputChecked === true) {
    await next();
    return;
  }
  ctx.state.providerInputChecked = true;
  assertWellFormedPath(ctx.path);
  parseStrictForm(ctx.querystring, part('query', 'the query'));
  assertWellFormedBasicCredentials(ctx.get('authorization'));
  if (ctx.method !== 'GET' && ctx.method !== 'HEAD' && ctx.is('application/x-www-form-urlencoded')) {
    const raw = await readRawBody(ctx.req, PROVIDER_BODY_LIMIT);
    const fields = parseStrictForm(decodeUtf8(raw, part('body', 'the form')));
    (ctx.state as { [CHECKED_FORM]?: CheckedProviderForm })[CHECKED_FORM] = { fields };
    const replay = replayRequest(ctx.req, raw);
    ctx.req = replay;
    ctx.request.req = replay;
  }
  await next();
}
