import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import { currentAuditContext, setAuditActor } from '../audit/audit-context.js';
import { InteractionError } from '../errors/app-error.js';
import type { ProviderHolder } from '../oidc/provider-holder.js';

/** oidc-provider's view of a sign-in in progress. */
export type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;

/** The sign-in in progress, as the steps after {@link loadInteraction} see it. */
export interface LoadedInteraction {
  uid: string;
  details: InteractionDetails;
  /** The app's name, for the page ("Sign in to …"). */
  clientName: string;
}

/** The context after {@link loadInteraction}. */
export interface WithInteraction {
  interaction: LoadedInteraction;
}

/**
 * The step that loads the interaction from the provider. Its path-scoped cookie names it, and it must be the
 * one in the URL: a page from another sign-in in the same browser is refused rather than answered for the
 * wrong app. It is read once per request: a step of an earlier router (the federation's, before the sign-in
 * page) that loaded it already leaves it to the steps after it.
 */
export function loadInteraction(holder: ProviderHolder) {
  return async function loadInteractionStep(ctx: Context & Partial<WithInteraction>, next: Next): Promise<void> {
    if (ctx.interaction && ctx.interaction.uid === (ctx.params as Record<string, string>).uid) {
      await next();
      return;
    }
    const details = await holder.provider.interactionDetails(ctx.req, ctx.res);
    if (details.uid !== (ctx.params as Record<string, string>).uid) {
      throw new InteractionError('interaction_mismatch', 'This sign-in page belongs to another session. Start signing in again from the application.');
    }
    const clientId = String(details.params.client_id);
    // What this sign-in records (a refused password, a sign-up, a verified address) happens through this app.
    setAuditActor(currentAuditContext().actor, clientId);
    const client = await holder.provider.Client.find(clientId);
    ctx.interaction = { uid: details.uid, details, clientName: client?.clientName ?? clientId };
    await next();
  };
}

/** The step that refuses a form for a prompt other than the one the provider is waiting for. */
export function requirePrompt(name: string) {
  return async function requirePromptStep(ctx: Context & WithInteraction, next: Next): Promise<void> {
    if (ctx.interaction.details.prompt.name !== name) {
      throw new InteractionError('wrong_step', 'This step is not expected now. Start signing in again from the application.');
    }
    await next();
  };
}

/**
 * oidc-provider's `interactionResult` for the interaction this request loaded: the same change (the result,
 * merged with the last submission or not, saved for the rest of the interaction's lifetime) and the same URL
 * back, without the provider's second read of the interaction (and of its session, when it has one), which
 * this request made already.
 */
export async function finishInteraction(
  ctx: Context & WithInteraction, holder: ProviderHolder, result: InteractionResults, options: { mergeWithLastSubmission: boolean },
): Promise<string> {
  const { details } = ctx.interaction;
  // Expired meanwhile: the provider's own method finds no interaction and refuses as it does for any lost one.
  if (details.exp <= Math.floor(Date.now() / 1000)) return holder.provider.interactionResult(ctx.req, ctx.res, result, options);
  details.result = options.mergeWithLastSubmission && !('error' in result) ? { ...details.lastSubmission, ...result } : result;
  await details.persist();
  return details.returnTo;
}
