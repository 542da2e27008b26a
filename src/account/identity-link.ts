import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { InteractionError, NotFoundError } from '../errors/app-error.js';
import type { AccountLinking } from '../federation/account-linking.js';
import { ACCOUNT_LINK_BINDING, type FederationStates } from '../federation/federation-states.js';
import type { GroupMapping } from '../federation/group-mapping.js';
import type { IdentityService } from '../federation/identity-service.js';
import type { ProviderRegistry, ResolvedUpstream } from '../federation/provider-types.js';
import { redeemAnswer } from '../federation/redeem-answer.js';
import { upstreamAuthorizationUrl, upstreamCallbackUrl } from '../federation/upstream-request.js';
import type { Logger } from '../lib/logger.js';
import { accountCookie } from './account-sign-in.js';
import type { WithAccount } from './account-session.js';

const LINK_COOKIE = 'lk_account_link';
const LINK_TTL_MS = 10 * 60 * 1000;

type Named = Context & WithAccount & { params: Record<string, string> };

/**
 * Linking an upstream identity to the signed-in user from the account page: the user proves ownership of
 * the local account by being signed in to it (recently, see `requireRecentSignIn`), then signs in at the
 * upstream. The federation state is bound to the user and to a random value in this browser's cookie
 * (`account:<user id>:<value>`), so a callback carrying someone else's upstream code (a linking CSRF that
 * would attach an attacker's upstream account to the victim) finds no state of the victim's.
 */
export function createIdentityLink(deps: { registry: ProviderRegistry; states: FederationStates; linking: AccountLinking; identities: IdentityService; groupMapping: GroupMapping; logger: Logger; issuer: string }) {
  const { registry, states, linking, identities, logger } = deps;
  const callbackUrl = (name: string) => upstreamCallbackUrl(deps.issuer, name);
  const binding = (userId: string, value: string) => `${ACCOUNT_LINK_BINDING}${userId}:${value}`;

  async function upstreamNamed(name: string): Promise<ResolvedUpstream> {
    try {
      return await registry.resolve(name);
    } catch (error) {
      if (error instanceof NotFoundError) throw new NotFoundError('This sign-in provider is not configured.');
      throw new InteractionError('upstream_unavailable', 'The sign-in provider cannot be reached right now. Try again later.');
    }
  }

  function failed(ctx: Context, code: string): void {
    ctx.status = 303;
    ctx.redirect(`/account?notice=${code}`);
  }

  return {
    /** GET /account/link/:name: starts a sign-in at the upstream for linking. */
    start: async (ctx: Named): Promise<void> => {
      const name = ctx.params.name ?? '';
      const upstream = await upstreamNamed(name);
      if ((await identities.listForUser(ctx.account.user.id)).some((identity) => identity.provider === upstream.name)) return failed(ctx, 'already_linked');
      const value = randomBytes(32).toString('base64url');
      const begun = await states.begin(binding(ctx.account.user.id, value), upstream.name);
      ctx.cookies.set(LINK_COOKIE, value, accountCookie(deps.issuer, LINK_TTL_MS));
      const url = upstreamAuthorizationUrl(upstream, begun, deps.issuer);
      logger.info({ event: 'federation.link_started', provider: upstream.name, userId: ctx.account.user.id }, 'linking from the account page started');
      ctx.status = 303;
      ctx.redirect(url.href);
    },

    /** GET /account/linked/:name: the upstream answered (stored by the federation callback); link it. */
    finish: async (ctx: Named): Promise<void> => {
      const name = ctx.params.name ?? '';
      const value = ctx.cookies.get(LINK_COOKIE, { signed: true });
      ctx.cookies.set(LINK_COOKIE, null, accountCookie(deps.issuer, 0));
      const answered = value ? await states.consume(binding(ctx.account.user.id, value), name) : undefined;
      if (!answered) return failed(ctx, 'link_expired');
      const upstream = await upstreamNamed(name);
      const redeemed = await redeemAnswer(upstream, answered, callbackUrl(upstream.name));
      if (!redeemed.ok) {
        logger.warn({ event: 'federation.link_failed', provider: upstream.name, error: redeemed.failure.error, detail: redeemed.failure.detail }, 'linking from the account page failed');
        return failed(ctx, redeemed.failure.error === 'temporarily_unavailable' ? 'upstream_unavailable' : 'link_refused');
      }
      const outcome = await linking.linkToUser(ctx.account.user.id, { name: upstream.name, issuer: redeemed.issuer, policy: upstream.policy }, redeemed.claims);
      if (!outcome.ok) {
        logger.warn({ event: 'federation.link_failed', provider: upstream.name, detail: outcome.reason }, 'linking from the account page refused');
        return failed(ctx, 'linked_elsewhere');
      }
      // The provider's group rules apply as at a federated sign-in: the claims were validated just now.
      await deps.groupMapping.applyOnSignIn(ctx.account.user.id, upstream.name, redeemed.claims);
      ctx.status = 303;
      ctx.redirect('/account?notice=linked');
    },
  };
}
