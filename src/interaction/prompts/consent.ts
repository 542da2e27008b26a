import type { Context } from 'koa';
import type { UserRow } from '../../directory/repositories/user.repository.js';
import type { UserService } from '../../directory/user-service.js';
import { InteractionError } from '../../errors/app-error.js';
import type { WithInput } from '../../http/validate.js';
import type { DeferredModelWrites } from '../../oidc/deferred-model-writes.js';
import type { ProviderHolder } from '../../oidc/provider-holder.js';
import type { Csrf } from '../csrf.js';
import { finishInteraction, type WithInteraction } from '../load-interaction.js';
import type { Views } from '../views.js';
import type { ConsentForm } from './consent.schema.js';

const SCOPE_DESCRIPTIONS: Record<string, string> = {
  openid: 'Sign you in with your account',
  profile: 'See your name and profile',
  email: 'See your e-mail address',
  groups: 'See the groups you belong to',
  phone: 'See your phone number',
  offline_access: 'Keep you signed in',
  sts: 'Get short-lived access to your files in storage',
};

/** What the provider says is missing from the grant (its `consent` prompt checks). */
interface MissingGrants {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

export interface ConsentPrompt {
  /** Renders "<app> is asking to: …" for what the grant lacks. */
  show: (ctx: Context & WithInteraction) => Promise<void>;
  /** POST /interaction/:uid/consent ("Allow"), after validation and CSRF: extends the grant by what was shown. */
  submit: (ctx: Context & WithInteraction & WithInput<ConsentForm>) => Promise<void>;
}

/**
 * The `consent` prompt, for third-party apps, and for a first-party app that asks for it with
 * `prompt=consent`. Other first-party consent is implied by the provider's grant hook (`loadExistingGrant`
 * in oidc/provider-factory.ts), so the page never appears for it.
 */
export function createConsentPrompt(deps: { holder: ProviderHolder; modelWrites: Pick<DeferredModelWrites, 'within'>; views: Views; csrf: Csrf; users: Pick<UserService, 'findById'> }): ConsentPrompt {
  return {
    async show(ctx) {
      const { uid, details, clientName } = ctx.interaction;
      // Whose access is being granted: the session's account, so someone at a shared computer notices.
      const accountId = details.session?.accountId;
      const user = accountId ? await deps.users.findById(accountId) : undefined;
      const missing = details.prompt.details as MissingGrants;
      const scopes = new Set<string>([...(missing.missingOIDCScope ?? []), ...Object.values(missing.missingResourceScopes ?? {}).flat()]);
      deps.views.render(ctx, 'consent.njk', {
        title: 'Allow access',
        uid,
        csrf: deps.csrf.issue(uid),
        clientName,
        scopes: [...scopes].map((s) => SCOPE_DESCRIPTIONS[s] ?? s),
        account: user ? presentAccount(user) : undefined,
      });
    },

    async submit(ctx) {
      const { details } = ctx.interaction;
      const { provider } = deps.holder;
      const missing = details.prompt.details as MissingGrants;
      const accountId = details.session?.accountId;
      if (!accountId) throw new InteractionError('login_required', 'Sign in first.');
      // The grant and the interaction's result are made in one statement, before the redirect is set; should
      // either fail, neither is made (deferred-model-writes.ts).
      const returnTo = await deps.modelWrites.within(async () => {
        const grant = details.grantId
          ? await provider.Grant.find(details.grantId)
          : new provider.Grant({ accountId, clientId: String(details.params.client_id) });
        if (!grant) throw new InteractionError('grant_not_found', 'This sign-in expired. Start again from the application.');
        if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
        if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
        for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
        const grantId = await grant.save();
        return finishInteraction(ctx, deps.holder, { consent: details.grantId ? {} : { grantId } }, { mergeWithLastSubmission: true });
      });
      ctx.status = 303;
      ctx.redirect(returnTo);
    },
  };
}

/** The consent page's "Signed in as" line: a display name and the identifier the person signs in with. */
function presentAccount(user: UserRow): { name: string | undefined; identifier: string | undefined } {
  const name = typeof user.profile.name === 'string' && user.profile.name.trim() ? user.profile.name : undefined;
  return { name, identifier: user.email ?? user.username ?? user.phone_number ?? undefined };
}
