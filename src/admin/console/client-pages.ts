import type { Context } from 'koa';
import { NotFoundError } from '../../errors/app-error.js';
import type { WithInput } from '../../http/validate.js';
import type { ClientService } from '../../oidc/client-service.js';
import type { WithMember } from './console-member.js';
import type { ConsoleView } from './console-view.js';
import { consoleTime } from './console-presenters.js';
import type { ClientCreateForm, ClientForm, ClientParams, ClientRotateForm } from './console.schema.js';
import { formProblems, type FormProblems } from './form-problems.js';

type Client = NonNullable<Awaited<ReturnType<ClientService['find']>>>;

/** A client as the console shows it: its settings by whitelist (a secret is never stored to show). */
function presentClient(client: Client) {
  return {
    id: client.client_id,
    name: client.name,
    kind: client.token_endpoint_auth_method === 'none' ? 'public (PKCE)' : 'confidential',
    confidential: client.token_endpoint_auth_method !== 'none',
    rows: [
      ['Client id', client.client_id],
      ['Name', client.name],
      ['Type', client.token_endpoint_auth_method === 'none' ? 'public (PKCE, no secret)' : `confidential (${client.token_endpoint_auth_method})`],
      ['Grant types', client.grant_types.join(', ')],
      ['Scope', client.scope],
      ['Redirect URIs', client.redirect_uris.join(' ')],
      ['Sign-out redirect URIs', client.post_logout_redirect_uris.join(' ')],
      ['First-party (no consent)', client.first_party ? 'yes' : 'no'],
      ['Sign-up', client.signup ? 'allowed' : 'not allowed'],
      ['Upstream providers', client.upstream_providers === null ? 'all' : client.upstream_providers.join(', ') || 'none'],
    ] as [string, string][],
  };
}

/** The clients section: list, create and rotate (a secret shown once, on the answer to the form), detail, delete. */
export function createClientPages(deps: { clients: ClientService; view: ConsoleView }) {
  const { clients, view } = deps;

  async function requireClient(id: string): Promise<Client> {
    const client = await clients.find(id);
    if (!client) throw new NotFoundError('There is no such client. It may have been deleted.');
    return client;
  }

  async function renderList(ctx: Context & WithMember, problems?: FormProblems, values: Partial<ClientCreateForm> = {}): Promise<void> {
    view.render(ctx, 'clients.njk', {
      title: 'Clients',
      section: '/admin/clients',
      clients: (await clients.list()).map(presentClient),
      values: { name: values.name ?? '', redirect_uris: values.redirect_uris ?? '', public: values.public ?? false, first_party: values.first_party ?? false },
      error: problems?.error,
      fieldErrors: problems?.fieldErrors ?? {},
    }, problems?.status ?? 200);
  }

  return {
    list: (ctx: Context & WithMember) => renderList(ctx),

    /**
     * POST /admin/clients. The secret exists in plaintext only in this response (stored as SHA-256): the page
     * says so, and is not cached. Reloading it posts again and creates another client, so it says that too.
     */
    create: async (ctx: Context & WithMember & WithInput<ClientCreateForm>): Promise<void> => {
      const { name, redirect_uris: uris, public: isPublic, first_party: firstParty } = ctx.input;
      let created;
      try {
        created = await clients.create({ name, redirectUris: uris.split(/\s+/).filter(Boolean), public: isPublic, firstParty });
      } catch (error) {
        const problems = formProblems(error);
        if (!problems) throw error;
        return renderList(ctx, problems, ctx.input);
      }
      view.render(ctx, 'client-created.njk', {
        title: `Client ${created.name} created`,
        section: '/admin/clients',
        breadcrumb: { href: '/admin/clients', label: 'Clients' },
        client: presentClient(created),
        secret: created.client_secret,
      }, 201);
    },

    /** GET /admin/clients/:id */
    show: async (ctx: Context & WithMember & WithInput<ClientParams>): Promise<void> => {
      const client = presentClient(await requireClient(ctx.input.id));
      view.render(ctx, 'client.njk', { title: client.name, section: '/admin/clients', breadcrumb: { href: '/admin/clients', label: 'Clients' }, client });
    },

    /** GET /admin/clients/:id/delete: the confirmation step. */
    confirmDelete: async (ctx: Context & WithMember & WithInput<ClientParams>): Promise<void> => {
      const client = presentClient(await requireClient(ctx.input.id));
      view.render(ctx, 'confirm.njk', {
        title: `Delete ${client.name}`,
        section: '/admin/clients',
        breadcrumb: { href: `/admin/clients/${client.id}`, label: client.name },
        confirm: {
          question: `Delete the client ${client.name}?`,
          consequences: ['Its users are signed out of it: every token and grant issued to it stops working now.', 'This cannot be undone.'],
          action: `/admin/clients/${client.id}/delete`,
          button: 'Delete client',
          cancel: `/admin/clients/${client.id}`,
        },
      });
    },

    /**
     * POST /admin/clients/:id/rotate-secret: a new secret, shown on this answer only (as at creation); the
     * previous one keeps working for the chosen grace period so the app's instances can move to the new one.
     */
    rotateSecret: async (ctx: Context & WithMember & WithInput<ClientRotateForm>): Promise<void> => {
      const client = presentClient(await requireClient(ctx.input.id));
      const rotated = await clients.rotateSecret(ctx.input.id, Number(ctx.input.grace));
      view.render(ctx, 'client-created.njk', {
        title: `New secret for ${client.name}`,
        section: '/admin/clients',
        breadcrumb: { href: `/admin/clients/${client.id}`, label: client.name },
        client,
        secret: rotated.client_secret,
        previousUntil: rotated.previous_secret_expires_at ? consoleTime(rotated.previous_secret_expires_at) : null,
        rotated: true,
      });
    },

    /** POST /admin/clients/:id/delete */
    delete: async (ctx: Context & WithMember & WithInput<ClientForm>): Promise<void> => {
      await requireClient(ctx.input.id);
      await clients.delete(ctx.input.id);
      ctx.status = 303;
      ctx.redirect('/admin/clients?notice=client_deleted');
    },
  };
}
