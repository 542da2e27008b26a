import type { z } from 'zod';
import type { Services } from '../../../services.js';
import type { CreatedClient } from '../../../oidc/client-service.js';
import { NotFoundError } from '../../../errors/app-error.js';
import { adminRoute, type AdminRoute } from '../admin-route.js';
import {
  clientListSchema, clientParams, clientSchema, createClientBody, createdClientSchema, rotatedSecretSchema, rotateSecretBody, updateClientBody,
} from './clients.schema.js';

type Deps = Pick<Services, 'clients'>;

/** A client as the API shows it: named fields only, never a secret (the create answer adds it once). */
function presentClient(c: Omit<CreatedClient, 'client_secret'>): z.input<typeof clientSchema> {
  return {
    client_id: c.client_id, name: c.name, redirect_uris: c.redirect_uris, post_logout_redirect_uris: c.post_logout_redirect_uris, grant_types: c.grant_types,
    token_endpoint_auth_method: c.token_endpoint_auth_method, scope: c.scope, first_party: c.first_party, upstream_providers: c.upstream_providers, signup: c.signup, explicit_auth_flows: c.explicit_auth_flows, cognito_claims: c.cognito_claims,
    backchannel_logout_uri: c.backchannel_logout_uri, backchannel_logout_session_required: c.backchannel_logout_session_required, skip_logout_confirmation: c.skip_logout_confirmation,
  };
}

/** OAuth clients (applications): Cognito's app clients, Keycloak's clients. */
export function clientRoutes(s: Deps): AdminRoute[] {
  return [
    adminRoute({
      method: 'get', path: '/clients', operationId: 'listClients', tag: 'clients', access: 'read', summary: 'List clients (never their secrets)',
      status: 200, response: clientListSchema,
      async handle() {
        return { clients: (await s.clients.list()).map(presentClient) };
      },
    }),
    adminRoute({
      method: 'post', path: '/clients', operationId: 'createClient', tag: 'clients', access: 'write', summary: 'Register a client; a confidential client\'s secret is in this answer only',
      body: createClientBody, status: 201, response: createdClientSchema,
      async handle({ body }) {
        const created = await s.clients.create({
          name: body.name, public: body.public, redirectUris: body.redirect_uris, postLogoutRedirectUris: body.post_logout_redirect_uris, grantTypes: body.grant_types,
          scope: body.scope, firstParty: body.first_party, upstreamProviders: body.upstream_providers ?? undefined, signup: body.signup, explicitAuthFlows: body.explicit_auth_flows, cognitoClaims: body.cognito_claims,
          backchannelLogoutUri: body.backchannel_logout_uri, backchannelLogoutSessionRequired: body.backchannel_logout_session_required, skipLogoutConfirmation: body.skip_logout_confirmation,
        });
        return { ...presentClient(created), ...(created.client_secret ? { client_secret: created.client_secret } : {}) };
      },
    }),
    adminRoute({
      method: 'get', path: '/clients/:client', operationId: 'getClient', tag: 'clients', access: 'read', summary: 'Get a client\'s settings (never its secret)',
      params: clientParams, status: 200, response: clientSchema, errors: [404],
      async handle({ params }) {
        const found = await s.clients.find(params.client);
        if (!found) throw new NotFoundError(`no client "${params.client}"`);
        return presentClient(found);
      },
    }),
    adminRoute({
      method: 'patch', path: '/clients/:client', operationId: 'updateClient', tag: 'clients', access: 'write', summary: 'Change a client\'s settings (a list given replaces the stored one; never the secret)',
      params: clientParams, body: updateClientBody, status: 200, response: clientSchema, errors: [404],
      async handle({ params, body }) {
        return presentClient(await s.clients.update(params.client, {
          name: body.name, redirectUris: body.redirect_uris, postLogoutRedirectUris: body.post_logout_redirect_uris, grantTypes: body.grant_types,
          scope: body.scope, firstParty: body.first_party, upstreamProviders: body.upstream_providers, signup: body.signup, explicitAuthFlows: body.explicit_auth_flows, cognitoClaims: body.cognito_claims,
        }));
      },
    }),
    adminRoute({
      method: 'delete', path: '/clients/:client', operationId: 'deleteClient', tag: 'clients', access: 'write', summary: 'Delete a client and everything issued to it (its tokens stop working)',
      params: clientParams, status: 204, response: null, errors: [404],
      async handle({ params }) {
        await s.clients.delete(params.client);
      },
    }),
    adminRoute({
      method: 'post', path: '/clients/:client/rotate-secret', operationId: 'rotateClientSecret', tag: 'clients', access: 'write',
      summary: 'Give a confidential client a new secret (in this answer only); the previous one works for the grace period',
      params: clientParams, body: rotateSecretBody, status: 200, response: rotatedSecretSchema, errors: [404],
      handle: ({ params, body }) => s.clients.rotateSecret(params.client, body.grace_seconds),
    }),
  ];
}
