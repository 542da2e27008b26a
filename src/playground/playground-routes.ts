import { createHash, randomBytes } from 'node:crypto';
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { InteractionError } from '../errors/app-error.js';
import { errorSurface } from '../http/error-surfaces/surface.js';
import { formBody, validate, type WithInput } from '../http/validate.js';
import type { Csrf } from '../interaction/csrf.js';
import { csrfFormSchema, type CsrfForm } from '../interaction/csrf.schema.js';
import type { Views } from '../interaction/views.js';
import { constantTimeEqual } from '../lib/hashing.js';
import { PLAYGROUND_CLIENT_ID, PLAYGROUND_PATH, playgroundCallbackUrl } from './playground-client.js';
import type { PlaygroundCookies } from './playground-cookies.js';
import type { PlaygroundExchange } from './playground-exchange.js';

const random = () => randomBytes(32).toString('base64url');

/**
 * The sign-in playground: a first-party public client that runs the authorization code flow with PKCE
 * against this Latchkey, entirely server-side (hosted pages run no script). Start: state, nonce and PKCE
 * verifier go into a signed cookie scoped to /playground, the browser goes to /auth. Callback: the state
 * must be this browser's, the code is redeemed in-process, and the page shows the decoded tokens and the
 * userinfo answer. With the identity pool, a button exchanges the access token for storage credentials.
 * Every page is no-store (views.render), and no token value is logged or shown whole.
 */
export function playgroundRoutes(deps: {
  views: Views; csrf: Csrf; cookies: PlaygroundCookies; exchange: PlaygroundExchange;
  issuer: string; scope: string; identityPool: boolean; now: () => number;
}): Router {
  const router = new Router();
  const base = deps.issuer.replace(/\/+$/, '');
  const redirectUri = playgroundCallbackUrl(base);
  const page = errorSurface('page');
  const client = { clientId: PLAYGROUND_CLIENT_ID, redirectUri, scope: deps.scope, discoveryUrl: `${base}/.well-known/openid-configuration` };

  router.get(PLAYGROUND_PATH, page, (ctx: Context) => {
    deps.views.render(ctx, 'playground.njk', { title: 'Sign-in playground', client, identityPool: deps.identityPool });
  });

  router.get(`${PLAYGROUND_PATH}/start`, page, (ctx: Context) => {
    const pending = { state: random(), nonce: random(), verifier: random() };
    deps.cookies.setPending(ctx, pending);
    const url = new URL(`${base}/auth`);
    url.search = new URLSearchParams({
      client_id: PLAYGROUND_CLIENT_ID,
      response_type: 'code',
      scope: deps.scope,
      redirect_uri: redirectUri,
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: createHash('sha256').update(pending.verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    ctx.status = 303;
    ctx.redirect(url.href);
  });

  router.get(`${PLAYGROUND_PATH}/callback`, page, async (ctx: Context) => {
    const pending = deps.cookies.takePending(ctx);
    const state = typeof ctx.query.state === 'string' ? ctx.query.state : '';
    // A state that is not this browser's is a forged or replayed callback (RFC 6749 §10.12): refused
    // before the code is looked at, so a code injected from elsewhere is never redeemed.
    if (!pending || !state || !constantTimeEqual(pending.state, state)) {
      throw new InteractionError('playground_state_mismatch', 'This sign-in does not belong to this browser, or it expired (state mismatch). Start again from the playground.');
    }
    if (typeof ctx.query.error === 'string') {
      const description = typeof ctx.query.error_description === 'string' ? `: ${ctx.query.error_description.slice(0, 300)}` : '';
      throw new InteractionError('playground_sign_in_failed', `The sign-in ended with ${ctx.query.error.slice(0, 64)}${description}. Start again from the playground.`);
    }
    const code = typeof ctx.query.code === 'string' ? ctx.query.code : '';
    if (!code) throw new InteractionError('playground_sign_in_failed', 'The sign-in returned no code. Start again from the playground.');
    const signedIn = await deps.exchange.redeem({ code, verifier: pending.verifier, redirectUri, nonce: pending.nonce });
    const userinfo = await deps.exchange.userinfo(signedIn.accessToken);
    const csrfId = random();
    if (deps.identityPool) deps.cookies.holdToken(ctx, { accessToken: signedIn.accessToken, csrfId, expiresAt: deps.now() + signedIn.expiresIn * 1000 });
    deps.views.render(ctx, 'playground.njk', {
      title: 'Signed in',
      client,
      identityPool: deps.identityPool,
      result: {
        subject: signedIn.idToken.claims.sub,
        email: signedIn.idToken.claims.email,
        scope: signedIn.scope,
        expiresIn: signedIn.expiresIn,
        refreshTokenIssued: signedIn.refreshTokenIssued,
        idToken: { header: signedIn.idToken.header, payload: signedIn.idToken.payload },
        accessToken: { header: signedIn.access.header, payload: signedIn.access.payload },
        userinfo,
        stsAllowed: deps.identityPool && signedIn.scope.split(' ').includes('sts'),
      },
      csrf: deps.csrf.issue(`playground:${csrfId}`),
    });
  });

  async function heldToken(ctx: Context & { held?: { accessToken: string; csrfId: string } }, next: Next) {
    const held = deps.cookies.readToken(ctx);
    if (!held) throw new InteractionError('playground_signed_out', 'The playground holds no live access token. Sign in again from the playground.');
    ctx.held = held;
    await next();
  }

  if (deps.identityPool) router.post(`${PLAYGROUND_PATH}/credentials`, page, heldToken, validate(csrfFormSchema, formBody()), async (ctx: Context & WithInput<CsrfForm> & { held?: { accessToken: string; csrfId: string } }) => {
    const held = ctx.held!;
    deps.csrf.verify(`playground:${held.csrfId}`, ctx.input.csrf);
    const credentials = await deps.exchange.credentials(held.accessToken);
    deps.views.render(ctx, 'playground.njk', { title: 'Storage credentials', client, identityPool: deps.identityPool, credentials });
  });

  return router;
}
