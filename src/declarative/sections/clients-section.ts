import type { ClientChanges } from '../../oidc/client-settings.js';
import { changedFields, normalizeScope, unique } from '../changed-fields.js';
import { formatConfigPath } from '../config-path.js';
import type { DeclarativeServices } from '../declarative-services.js';
import type { DesiredClient } from '../desired-state.js';
import { planKeyedSection, type PlanContext } from '../keyed-section.js';
import type { PlannedStep } from '../plan.js';

type ClientSettings = Omit<DesiredClient, 'secret'>;

const FIELDS = [
  'name', 'redirectUris', 'postLogoutRedirectUris', 'grantTypes', 'scope', 'firstParty', 'upstreamProviders', 'signup',
  'backchannelLogoutUri', 'backchannelLogoutSessionRequired', 'skipLogoutConfirmation', 'explicitAuthFlows',
  'cognitoClaims',
] as const;

/** The clients administrators registered (never Latchkey's own), in the file's shape, by client id. */
async function currentClients(services: DeclarativeServices): Promise<Map<string, ClientSettings>> {
  return new Map((await services.clients.listRegistered()).map((c) => [c.client_id, {
    name: c.name, public: c.token_endpoint_auth_method === 'none', redirectUris: c.redirect_uris, postLogoutRedirectUris: c.post_logout_redirect_uris,
    grantTypes: c.grant_types as ClientSettings['grantTypes'], scope: c.scope, firstParty: c.first_party, upstreamProviders: c.upstream_providers,
    signup: c.signup, backchannelLogoutUri: c.backchannel_logout_uri, backchannelLogoutSessionRequired: c.backchannel_logout_session_required,
    skipLogoutConfirmation: c.skip_logout_confirmation, explicitAuthFlows: [...c.explicit_auth_flows].sort(), cognitoClaims: c.cognito_claims,
  }]));
}

/** A client as the service stores it: lists once each, scopes single-spaced. */
function normalized(client: DesiredClient): DesiredClient {
  return {
    ...client, grantTypes: unique(client.grantTypes), scope: normalizeScope(client.scope),
    upstreamProviders: client.upstreamProviders && unique(client.upstreamProviders), explicitAuthFlows: unique(client.explicitAuthFlows).sort(),
  };
}

/**
 * OAuth clients, through the client service, under the ids the file gives them. A confidential client's secret
 * is compared with the stored SHA-256 digest; a different value replaces it at once (a rotation without grace:
 * the file states the one secret that works). A client's type (public or confidential) cannot change: the
 * plan refuses it. Pruning deletes a client and everything issued to it (as `client delete`).
 */
export async function planClients(ctx: PlanContext, desired: Readonly<Record<string, DesiredClient>>): Promise<PlannedStep[]> {
  const { clients } = ctx.services;
  const current = await currentClients(ctx.services);
  for (const [id, client] of Object.entries(desired)) {
    const held = current.get(id);
    if (held && held.public !== client.public) {
      ctx.problems.push({ path: formatConfigPath(['clients', id, 'public']), message: `the client is ${held.public ? 'public' : 'confidential'} in Latchkey; a client's type cannot change (delete it first, or give the new one another id)` });
    }
  }
  return planKeyedSection({
    section: 'clients', desired: Object.fromEntries(Object.entries(desired).map(([id, c]) => [id, normalized(c)])), current, prune: ctx.prune,
    async changes(id, wanted, held) {
      const fields = changedFields<ClientSettings>(wanted, held, FIELDS);
      const secretChanged = wanted.secret !== null && !(await clients.secretMatches(id, wanted.secret));
      return secretChanged ? [...fields, 'secret'] : fields;
    },
    async add(id, c) {
      await clients.create({
        clientId: id, name: c.name, public: c.public, redirectUris: c.redirectUris, postLogoutRedirectUris: c.postLogoutRedirectUris,
        grantTypes: c.grantTypes, scope: c.scope, firstParty: c.firstParty, signup: c.signup,
        ...(c.upstreamProviders ? { upstreamProviders: c.upstreamProviders } : {}),
        ...(c.secret !== null ? { secret: c.secret } : {}),
        ...(c.backchannelLogoutUri !== null ? { backchannelLogoutUri: c.backchannelLogoutUri, backchannelLogoutSessionRequired: c.backchannelLogoutSessionRequired } : {}),
        skipLogoutConfirmation: c.skipLogoutConfirmation, explicitAuthFlows: c.explicitAuthFlows, cognitoClaims: c.cognitoClaims,
      });
    },
    async change(id, c, _held, fields) {
      const settings = fields.filter((field) => field !== 'secret');
      if (settings.length > 0) {
        const changes: ClientChanges = Object.fromEntries(settings.map((field) => [field, c[field as keyof ClientSettings]]));
        await clients.update(id, changes);
      }
      if (fields.includes('secret') && c.secret !== null) await clients.rotateSecret(id, 0, c.secret);
    },
    async remove(id) {
      await clients.delete(id);
    },
  });
}

/** Clients as a file declares them: a confidential client's secret becomes a reference to `secretVariable(id)`. */
export async function exportClients(services: DeclarativeServices, secretVariable: (clientId: string) => string) {
  return Object.fromEntries([...await currentClients(services)].map(([id, c]) => [id, {
    name: c.name, public: c.public, ...(c.public ? {} : { secret: { env: secretVariable(id) } }),
    redirectUris: c.redirectUris, postLogoutRedirectUris: c.postLogoutRedirectUris, grantTypes: c.grantTypes, scope: c.scope,
    firstParty: c.firstParty, upstreamProviders: c.upstreamProviders, signup: c.signup, backchannelLogoutUri: c.backchannelLogoutUri,
    backchannelLogoutSessionRequired: c.backchannelLogoutSessionRequired, skipLogoutConfirmation: c.skipLogoutConfirmation,
    explicitAuthFlows: c.explicitAuthFlows, cognitoClaims: c.cognitoClaims,
  }]));
}
