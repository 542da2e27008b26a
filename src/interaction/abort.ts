import type { Context } from 'koa';
import type { ProviderHolder } from '../oidc/provider-holder.js';
import { finishInteraction, type WithInteraction } from './load-interaction.js';

/**
 * "Cancel" on any prompt: the provider ends the authorization with `access_denied` and sends the browser
 * back to the app (style rule 4: protocol errors belong to oidc-provider).
 */
export function abortInteraction(holder: ProviderHolder) {
  return async function abort(ctx: Context & WithInteraction): Promise<void> {
    const returnTo = await finishInteraction(ctx, holder, {
      error: 'access_denied',
      error_description: 'End-User aborted interaction',
    }, { mergeWithLastSubmission: false });
    ctx.status = 303;
    ctx.redirect(returnTo);
  };
}
