import type { Context, Next } from 'koa';
import type { AuditService } from '../audit/audit-service.js';
import { InteractionError, NotFoundError } from '../errors/app-error.js';
import type { Metrics } from '../http/metrics.js';
import type { WithInput } from '../http/validate.js';
import { finishInteraction, type WithInteraction } from '../interaction/load-interaction.js';
import type { WithUpstreamButtons } from '../interaction/prompts/login.js';
import type { Logger } from '../lib/logger.js';
import type { ProviderHolder } from '../oidc/provider-holder.js';
import type { AccountLinking } from './account-linking.js';
import type { CallbackParams } from './federation.schema.js';
import type { GroupMapping } from './group-mapping.js';
import { ACCOUNT_LINK_BINDING, type FederationStates } from './federation-states.js';
import type { ProviderRegistry, ResolvedUpstream } from './provider-types.js';
import { redeemAnswer } from './redeem-answer.js';
import { upstreamAuthorizationUrl, upstreamCallbackUrl } from './upstream-request.js';
import { classifyUpstreamFailure, type UpstreamFailure } from './upstream-failure.js';

export interface FederationFlowDeps {
  holder: ProviderHolder;
  registry: ProviderRegistry;
  states: FederationStates;
  linking: AccountLinking;
  /** Upstream claims mapped to local groups, applied at each sign-in before the tokens are issued. */
  groupMapping: Pick<GroupMapping, 'applyOnSignIn'>;
  /** Which upstreams an app offers (`client create --providers`): null for every configured one. */
  clients: { upstreamProvidersOf(clientId: string): Promise<readonly string[] | null> };
  logger: Logger;
  /** LATCHKEY_ISSUER: the public origin the upstream redirects back to (never the request's own URL). */
  issuer: string;
  /** Records the sign-ins that fail before an account is looked at (the linking policy records its own). */
  audit: Pick<AuditService, 'record'>;
  metrics: Pick<Metrics, 'signIn'>;
}

type Named = Context & { params: Record<string, string> };

/** The hosted-page steps of a federated sign-in. */
export interface FederationFlow {
  /** Before the sign-in page: `identity_provider=NAME` skips it; otherwise the page gets its buttons. */
  offerUpstreams: (ctx: Named & WithInteraction, next: Next) => Promise<void>;
  /** Before a password sign-in, whose page is rendered again when refused: the buttons stay. */
  listButtons: (ctx: Context, next: Next) => Promise<void>;
  /** GET /interaction/:uid/federation/:name: stores the state and sends the browser upstream. */
  start: (ctx: Named & WithInteraction) => Promise<void>;
  /** GET|POST /federation/callback/:name: stores the upstream's answer, back to the interaction's own path. */
  callback: (ctx: Named & WithInput<CallbackParams>) => Promise<void>;
  /** GET /interaction/:uid/federated/:name: validates the answer, links or creates, finishes the login. */
  finish: (ctx: Named & WithInteraction) => Promise<void>;
}

/**
 * The federation flow (openid-client as the relying party towards the upstream):
 *
 * 1. `start`: a random `state`, a nonce and a PKCE verifier are stored against the interaction, and the
 *    browser goes to the upstream with `redirect_uri` = `<LATCHKEY_ISSUER>/federation/callback/<name>`.
 * 2. `callback`: the upstream's answer (a query, or a cross-site `form_post` that carries no SameSite=Lax
 *    cookie) is stored on the state it names, once, and the browser goes on to a same-site GET under
 *    `/interaction/<uid>/`, where the interaction's path-scoped cookie flows again. A forged callback
 *    arriving in a victim's browser therefore finds no interaction of the victim's (login CSRF).
 * 3. `finish`: the interaction (bound to its cookie) consumes its state once, openid-client validates the
 *    answer and the ID token (state, PKCE, nonce, issuer, audience, signature, expiry), the policy checks
 *    the claims, and the linking policy picks the account. Every failure ends the interaction with an
 *    OAuth error to the app (`access_denied`, `temporarily_unavailable`), creating no user and no link.
 */
export function createFederationFlow(deps: FederationFlowDeps): FederationFlow {
  const { holder, registry, states, linking, logger } = deps;
  const callbackUrl = (name: string) => upstreamCallbackUrl(deps.issuer, name);

  async function end(ctx: Context & WithInteraction, provider: string, failure: Omit<UpstreamFailure, 'detail'> & { detail?: string }, options: { audited?: boolean } = {}): Promise<void> {
    logger.warn({ event: 'federation.failed', provider, error: failure.error, detail: failure.detail }, 'federated sign-in failed');
    deps.metrics.signIn('federated', failure.error === 'temporarily_unavailable' ? 'unavailable' : 'refused');
    // The OAuth error code only: the detail may quote the upstream, which is for the log, not the audit trail.
    if (!options.audited) await deps.audit.record({ type: 'sign_in.federated', outcome: 'failure', details: { provider, reason: failure.error } });
    const returnTo = await finishInteraction(ctx, holder, { error: failure.error, error_description: failure.error_description }, { mergeWithLastSubmission: false });
    ctx.status = 303;
    ctx.redirect(returnTo);
  }

  async function unknownProvider(ctx: Context & WithInteraction, name: string): Promise<void> {
    await end(ctx, name.slice(0, 32), { error: 'access_denied', error_description: 'The requested identity provider is not configured.', detail: 'unknown provider' });
  }

  /**
   * The upstreams the interaction's app offers (null: all). The buttons are asked for when the page renders,
   * after the interaction was loaded; should it not be, it is read here, and when it cannot be, no button is
   * offered (the login step then answers with its own error).
   */
  async function offeredBy(ctx: Context & Partial<WithInteraction>): Promise<readonly string[] | null> {
    let details = ctx.interaction?.details;
    if (!details) {
      try {
        details = await holder.provider.interactionDetails(ctx.req, ctx.res);
      } catch {
        return [];
      }
    }
    const clientId = details.params.client_id;
    return typeof clientId === 'string' ? deps.clients.upstreamProvidersOf(clientId) : [];
  }

  /** Puts the buttons on the context, to be read only if the page is rendered (a sign-in that succeeds never is). */
  async function listButtons(ctx: Context & Partial<WithInteraction> & WithUpstreamButtons, next: Next): Promise<void> {
    ctx.upstreamButtons = async () => {
      const [offered, buttons] = await Promise.all([offeredBy(ctx), registry.buttons()]);
      return buttons.filter((button) => offered === null || offered.includes(button.name));
    };
    await next();
  }

  /** The upstream named in the path; undefined once the interaction was ended with an OAuth error. */
  async function resolveOrEnd(ctx: Context & WithInteraction, name: string): Promise<ResolvedUpstream | undefined> {
    try {
      return await registry.resolve(name);
    } catch (error) {
      await (error instanceof NotFoundError ? unknownProvider(ctx, name) : end(ctx, name, classifyUpstreamFailure(name, error)));
      return undefined;
    }
  }

  return {
    async offerUpstreams(ctx, next) {
      const { details, uid } = ctx.interaction;
      const wanted = details.params.identity_provider;
      if (details.prompt.name === 'login' && typeof wanted === 'string' && wanted !== '') {
        ctx.status = 303;
        ctx.redirect(`/interaction/${encodeURIComponent(uid)}/federation/${encodeURIComponent(wanted)}`);
        return;
      }
      await listButtons(ctx, next);
    },

    listButtons,

    async start(ctx) {
      const name = ctx.params.name ?? '';
      // Also the path `identity_provider` takes: an app limited to some upstreams gets access_denied for others.
      const offered = await offeredBy(ctx);
      if (offered !== null && !offered.includes(name)) {
        return end(ctx, name.slice(0, 32), { error: 'access_denied', error_description: 'This application does not offer sign-in with that identity provider.', detail: 'provider not offered by the client' });
      }
      const upstream = await resolveOrEnd(ctx, name);
      if (!upstream) return;
      const begun = await states.begin(ctx.interaction.uid, upstream.name);
      const url = upstreamAuthorizationUrl(upstream, begun, deps.issuer);
      logger.info({ event: 'federation.started', provider: upstream.name }, 'federated sign-in started');
      ctx.status = 303;
      ctx.redirect(url.href);
    },

    async callback(ctx) {
      const name = ctx.params.name ?? '';
      const uid = await states.attach(name, new URLSearchParams(ctx.input));
      if (!uid) {
        logger.warn({ event: 'federation.bad_callback', provider: name.slice(0, 32) }, 'callback with an unknown, expired or used state');
        throw new InteractionError('federation_state_invalid', 'This sign-in link is invalid, expired or was already used. Start signing in again from the application.');
      }
      ctx.status = 303;
      // A link started from the account page is bound to that page's cookie, not to an interaction.
      const accountLink = uid.startsWith(ACCOUNT_LINK_BINDING);
      ctx.redirect(accountLink ? `/account/linked/${encodeURIComponent(name)}` : `/interaction/${encodeURIComponent(uid)}/federated/${encodeURIComponent(name)}`);
    },

    async finish(ctx) {
      const name = ctx.params.name ?? '';
      const answered = await states.consume(ctx.interaction.uid, name);
      if (!answered) {
        return end(ctx, name, { error: 'access_denied', error_description: 'This sign-in expired or was already completed. Try again.', detail: 'no answered state' });
      }
      const upstream = await resolveOrEnd(ctx, name);
      if (!upstream) return;
      const redeemed = await redeemAnswer(upstream, answered, callbackUrl(upstream.name));
      if (!redeemed.ok) return end(ctx, upstream.name, redeemed.failure);
      const { claims, issuer, appleUser } = redeemed;
      const outcome = await linking.signIn({ name: upstream.name, issuer, policy: upstream.policy }, claims, appleUser !== undefined ? { appleUser } : {});
      if (!outcome.ok) return end(ctx, upstream.name, { error: 'access_denied', error_description: outcome.reason, detail: 'linking refused' }, { audited: true });
      await deps.groupMapping.applyOnSignIn(outcome.userId, upstream.name, claims);
      logger.info({ event: 'federation.succeeded', provider: upstream.name, userId: outcome.userId, how: outcome.how }, 'federated sign-in succeeded');
      deps.metrics.signIn('federated', 'success');
      // `fed`: federated authentication (RFC 8176 §2); the upstream's own factors are not vouched for here.
      const returnTo = await finishInteraction(ctx, holder, {
        login: { accountId: outcome.userId, amr: ['fed'], remember: true },
      }, { mergeWithLastSubmission: false });
      ctx.status = 303;
      ctx.redirect(returnTo);
    },
  };
}
