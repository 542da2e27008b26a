import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import type { PromptDetail } from 'oidc-provider';
import type { AccountRefusal } from '../directory/account-state.js';
import type { UserService } from '../directory/user-service.js';
import { MAX_PASSWORD_BYTES } from '../directory/password-hasher.js';
import { InteractionError } from '../errors/app-error.js';
import { MalformedInputError } from '../errors/malformed-input-error.js';
import { readForm } from '../http/read-form.js';
import { errorSurface } from '../http/error-surfaces/surface.js';
import type { Logger } from '../lib/logger.js';
import { clientAddress } from './client-address.js';
import { TooManyAttemptsError, type AttemptSubject, type LoginThrottle } from './login-throttle.js';
import type { Metrics } from '../http/metrics.js';
import type { ProviderHolder } from '../oidc/provider-holder.js';
import type { Csrf } from './csrf.js';
import type { Views } from './views.js';

type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;

interface InteractionState {
  interaction: InteractionDetails;
  clientName: string;
  firstParty: boolean;
  form: Record<string, string>;
}

const SCOPE_DESCRIPTIONS: Record<string, string> = {
  openid: 'Sign you in with your account',
  profile: 'See your name and profile',
  email: 'See your e-mail address',
  phone: 'See your phone number',
  offline_access: 'Keep you signed in',
  sts: 'Get short-lived access to your files in storage',
};

const INVALID_CREDENTIALS = 'Incorrect username or password.';
const MALFORMED_FORM = 'The form held characters that cannot be accepted (control characters or invalid text). Check what you typed and try again.';

/** What a refused sign-in shows. Account states are told only to someone who proved the password. */
const SIGN_IN_REFUSALS: Record<'invalid_credentials' | AccountRefusal, string> = {
  invalid_credentials: INVALID_CREDENTIALS,
  disabled: 'This account is disabled. Contact your administrator.',
  unconfirmed: 'This account is not confirmed yet. Confirm it with the link or code you were sent, or contact your administrator.',
  reset_required: 'A password reset is required for this account. Reset your password, or contact your administrator.',
};

export interface InteractionDeps {
  throttle: LoginThrottle;
  metrics: Pick<Metrics, 'login'>;
  holder: ProviderHolder;
  users: UserService;
  views: Views;
  csrf: Csrf;
  logger: Logger;
}

/**
 * The hosted login and consent pages. Each route is a chain of named steps:
 * mark HTML → load the interaction (bound to its cookie) → read the form → check CSRF → handle.
 */
export function interactionRoutes(deps: InteractionDeps): Router {
  const { holder, views, csrf } = deps;
  const router = new Router();

  const renderErrorsAsHtml = errorSurface('page');

  /** Loads the interaction from the provider; its cookie must match the uid in the path. */
  async function loadInteraction(ctx: Context, next: Next) {
    const interaction = await holder.provider.interactionDetails(ctx.req, ctx.res);
    if (interaction.uid !== (ctx.params as Record<string, string>).uid) throw new InteractionError('interaction_mismatch', 'This sign-in page belongs to another session. Start signing in again from the application.');
    const client = await holder.provider.Client.find(String(interaction.params.client_id));
    ctx.state.interaction = interaction;
    ctx.state.clientName = client?.clientName ?? String(interaction.params.client_id);
    ctx.state.firstParty = client?.latchkey_first_party === true;
    await next();
  }

  function requirePrompt(name: string) {
    return async function checkPrompt(ctx: Context, next: Next) {
      const { interaction } = ctx.state as InteractionState;
      if (interaction.prompt.name !== name) throw new InteractionError('wrong_step', 'This step is not expected now. Start signing in again from the application.');
      await next();
    };
  }

  async function parseForm(ctx: Context, next: Next) {
    try {
      ctx.state.form = await readForm(ctx);
    } catch (error) {
      // Control characters or bytes that are not UTF-8: the sign-in form comes back, so the user can retry.
      if (error instanceof MalformedInputError && ctx.path.endsWith('/login')) return renderLogin(ctx, 400, { error: MALFORMED_FORM });
      throw error;
    }
    await next();
  }

  async function checkCsrf(ctx: Context, next: Next) {
    const { interaction, form } = ctx.state as InteractionState;
    csrf.verify(interaction.uid, form.csrf);
    await next();
  }

  function renderLogin(ctx: Context, status: number, extra: { error?: string; username?: string }) {
    const { interaction, clientName } = ctx.state as InteractionState;
    const hint = typeof interaction.params.login_hint === 'string' ? interaction.params.login_hint.slice(0, 254) : '';
    views.render(ctx, 'login.njk', { title: 'Sign in', uid: interaction.uid, csrf: csrf.issue(interaction.uid), clientName, username: extra.username ?? hint, error: extra.error }, status);
  }

  async function showPrompt(ctx: Context) {
    const { interaction, clientName } = ctx.state as InteractionState;
    if (interaction.prompt.name === 'login') return renderLogin(ctx, 200, {});
    if (interaction.prompt.name === 'consent') {
      // A first-party app's users are not asked, unless the app itself asks for the page (prompt=consent).
      const asked = typeof interaction.params.prompt === 'string' && interaction.params.prompt.split(' ').includes('consent');
      if ((ctx.state as InteractionState).firstParty && !asked) return consent(ctx);
      const details = interaction.prompt.details as PromptDetail['details'] & { missingOIDCScope?: string[]; missingResourceScopes?: Record<string, string[]> };
      const scopes = new Set<string>([...(details.missingOIDCScope ?? []), ...Object.values(details.missingResourceScopes ?? {}).flat()]);
      return views.render(ctx, 'consent.njk', {
        title: 'Allow access',
        uid: interaction.uid,
        csrf: csrf.issue(interaction.uid),
        clientName,
        scopes: [...scopes].map((s) => SCOPE_DESCRIPTIONS[s] ?? s),
      });
    }
    throw new InteractionError('unsupported_prompt', 'This sign-in step is not supported.');
  }

  async function login(ctx: Context) {
    const { form } = ctx.state as InteractionState;
    const username = (form.username ?? '').trim();
    const password = form.password ?? '';
    if (!username || !password) return renderLogin(ctx, 400, { error: 'Enter your username or e-mail and your password.', username });
    if (username.length > 254 || Buffer.byteLength(password) > MAX_PASSWORD_BYTES) return renderLogin(ctx, 400, { error: INVALID_CREDENTIALS });
    const address = clientAddress(ctx);
    if (!address) {
      deps.logger.warn({ event: 'login.bad_client_address' }, 'sign-in refused: the forwarded client address is not an IP address');
      return renderLogin(ctx, 400, { error: 'Your network address could not be determined. Try again, or contact your administrator.', username });
    }
    // Counted against the account the identifier names (however it was typed), before any argon2 work.
    const account = await deps.users.findSignInAccount(username);
    const subject: AttemptSubject = account.user ? { userId: account.user.id } : { identifier: account.identifier };
    try {
      await deps.throttle.attempt(subject, address);
    } catch (error) {
      if (!(error instanceof TooManyAttemptsError)) throw error;
      deps.logger.warn({ event: 'login.throttled' }, 'sign-in attempts throttled');
      deps.metrics.login('throttled');
      ctx.set('Retry-After', String(error.retryAfterSeconds));
      return renderLogin(ctx, 429, { error: error.message, username });
    }
    const result = await deps.users.verifyPassword(account, password);
    if (!result.ok) {
      deps.logger.info({ event: 'login.failed', reason: result.reason }, 'login failed');
      deps.metrics.login(result.reason);
      const message = SIGN_IN_REFUSALS[result.reason];
      // RFC 9110 §15.5.2: a 401 carries a challenge; ours is the form itself.
      ctx.set('WWW-Authenticate', 'Form realm="Latchkey"');
      return renderLogin(ctx, 401, { error: message, username });
    }
    deps.logger.info({ event: 'login.succeeded', userId: result.user.id }, 'login succeeded');
    await deps.throttle.succeeded(subject, address);
    deps.metrics.login('success');
    const returnTo = await holder.provider.interactionResult(ctx.req, ctx.res, {
      login: { accountId: result.user.id, amr: [...result.amr], remember: true },
    }, { mergeWithLastSubmission: false });
    ctx.status = 303;
    ctx.redirect(returnTo);
  }

  async function consent(ctx: Context) {
    const { interaction } = ctx.state as InteractionState;
    const { provider } = holder;
    const details = interaction.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
    const accountId = interaction.session?.accountId;
    if (!accountId) throw new InteractionError('login_required', 'Sign in first.');
    const grant = interaction.grantId
      ? await provider.Grant.find(interaction.grantId)
      : new provider.Grant({ accountId, clientId: String(interaction.params.client_id) });
    if (!grant) throw new InteractionError('grant_not_found', 'This sign-in expired. Start again from the application.');
    if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
    if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
    const grantId = await grant.save();
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, { consent: interaction.grantId ? {} : { grantId } }, { mergeWithLastSubmission: true });
    ctx.status = 303;
    ctx.redirect(returnTo);
  }

  async function abort(ctx: Context) {
    const returnTo = await holder.provider.interactionResult(ctx.req, ctx.res, {
      error: 'access_denied',
      error_description: 'End-User aborted interaction',
    }, { mergeWithLastSubmission: false });
    ctx.status = 303;
    ctx.redirect(returnTo);
  }

  router.get('/interaction/:uid', renderErrorsAsHtml, loadInteraction, showPrompt);
  router.post('/interaction/:uid/login', renderErrorsAsHtml, loadInteraction, requirePrompt('login'), parseForm, checkCsrf, login);
  router.post('/interaction/:uid/consent', renderErrorsAsHtml, loadInteraction, requirePrompt('consent'), parseForm, checkCsrf, consent);
  router.post('/interaction/:uid/abort', renderErrorsAsHtml, loadInteraction, parseForm, checkCsrf, abort);
  return router;
}
