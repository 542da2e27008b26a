import type { Context } from 'koa';
import { NotFoundError } from '../../errors/app-error.js';
import type { ProviderRegistry, ProviderSummary } from '../../federation/provider-types.js';
import type { WithInput } from '../../http/validate.js';
import type { WithMember } from './console-member.js';
import { consoleTime } from './console-presenters.js';
import type { ConsoleView } from './console-view.js';
import type { ProviderForm, ProviderParams } from './console.schema.js';

/** A provider by whitelist: whether it has a client secret, never the secret. */
function presentProvider(provider: ProviderSummary) {
  return {
    name: provider.name,
    displayName: provider.display_name,
    issuer: provider.issuer,
    rows: [
      ['Name', provider.name], ['Shown as', provider.display_name], ['Issuer', provider.issuer], ['Client id', provider.client_id],
      ['Client secret', provider.has_client_secret ? 'set' : 'none'], ['Scopes', provider.scopes],
      ['Trusted to verify e-mail', provider.trusts_email_verification ? 'yes' : 'no'], ['Added', consoleTime(provider.created_at)],
    ] as [string, string][],
  };
}

/** Upstream providers added at run time: list, view, remove (their identities and users stay). */
export function createProviderPages(deps: { providers: ProviderRegistry; view: ConsoleView }) {
  const { providers, view } = deps;

  async function requireProvider(name: string) {
    const provider = (await providers.list()).find((candidate) => candidate.name === name);
    if (!provider) throw new NotFoundError('There is no such provider. It may have been removed.');
    return presentProvider(provider);
  }

  return {
    list: async (ctx: Context & WithMember): Promise<void> => {
      view.render(ctx, 'providers.njk', { title: 'Upstream providers', section: '/admin/providers', providers: (await providers.list()).map(presentProvider) });
    },
    show: async (ctx: Context & WithMember & WithInput<ProviderParams>): Promise<void> => {
      const provider = await requireProvider(ctx.input.name);
      view.render(ctx, 'provider.njk', { title: provider.displayName, section: '/admin/providers', breadcrumb: { href: '/admin/providers', label: 'Upstream providers' }, provider });
    },
    confirmRemove: async (ctx: Context & WithMember & WithInput<ProviderParams>): Promise<void> => {
      const provider = await requireProvider(ctx.input.name);
      view.render(ctx, 'confirm.njk', {
        title: `Remove ${provider.displayName}`,
        section: '/admin/providers',
        breadcrumb: { href: `/admin/providers/${provider.name}`, label: provider.displayName },
        confirm: {
          question: `Remove the provider ${provider.displayName}?`,
          consequences: ['Nobody can sign in with it any more. Users and their linked identities are kept, so adding it again under the same name restores their sign-in.'],
          action: `/admin/providers/${provider.name}/remove`,
          button: 'Remove provider',
          cancel: `/admin/providers/${provider.name}`,
        },
      });
    },
    remove: async (ctx: Context & WithMember & WithInput<ProviderForm>): Promise<void> => {
      await providers.remove(ctx.input.name);
      ctx.status = 303;
      ctx.redirect('/admin/providers?notice=provider_removed');
    },
  };
}
