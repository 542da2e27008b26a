import type { Context } from 'koa';
import type { ProviderHolder } from '../oidc/provider-holder.js';
import type { WithInteraction } from './load-interaction.js';

/**
 * Parameters of the original request that speak for the account on screen or skip the sign-in page:
 * another account's ID token or name would be refused or prefilled, and `identity_provider` would go
 * straight to an upstream instead of showing the choice.
 */
const DROPPED = new Set(['id_token_hint', 'login_hint', 'identity_provider', 'prompt']);

/**
 * "Not you? Use another account" on the consent page (POST, after CSRF). oidc-provider has no interaction
 * result that takes a login back, so the app's authorization request is made again, from the parameters
 * the provider stored for this interaction, with `prompt=login` added: the provider then shows the sign-in
 * form whatever the session holds. When someone else signs in, its resume step sees an account other than
 * the session's and ends that session first (lib/actions/authorization/resume.js), so the old account is
 * signed out and nothing is granted to it. The abandoned interaction simply expires.
 */
export function switchAccount(holder: ProviderHolder) {
  return async function switchAccountStep(ctx: Context & WithInteraction): Promise<void> {
    const query = new URLSearchParams();
    const prompts = new Set(['login']);
    for (const [name, value] of Object.entries(ctx.interaction.details.params)) {
      if (typeof value !== 'string') continue;
      // Other prompts the app asked for (consent) still apply; `none` would contradict the sign-in page.
      if (name === 'prompt') for (const p of value.split(' ')) if (p && p !== 'none') prompts.add(p);
      if (!DROPPED.has(name)) query.set(name, value);
    }
    query.set('prompt', [...prompts].join(' '));
    const authorization = new URL(holder.provider.urlFor('authorization'));
    authorization.search = query.toString();
    ctx.status = 303;
    ctx.redirect(`${authorization.pathname}${authorization.search}`);
  };
}
