import type { z } from 'zod';
import type { Services } from '../../../services.js';
import type { ProviderSummary } from '../../../federation/provider-types.js';
import type { PresentedGroupRule } from '../../../federation/group-mapping.js';
import { adminRoute, type AdminRoute } from '../admin-route.js';
import {
  addGroupRuleBody, addProviderBody, groupRuleListSchema, groupRuleParams, groupRuleSchema, providerListSchema, providerParams, providerSchema,
} from './providers.schema.js';

type Deps = Pick<Services, 'providers' | 'groupMapping'>;

/** A provider as the API shows it: whether it has a secret, never the secret. */
function presentProvider(p: ProviderSummary): z.input<typeof providerSchema> {
  return {
    name: p.name, display_name: p.display_name, issuer: p.issuer, client_id: p.client_id, has_client_secret: p.has_client_secret,
    scopes: p.scopes, trusts_email_verification: p.trusts_email_verification, created_at: p.created_at.toISOString(),
  };
}

function presentRule(r: PresentedGroupRule): z.input<typeof groupRuleSchema> {
  return { id: r.id, provider: r.provider, claim: r.claim, value: r.value, group: r.group, created_at: r.created_at };
}

/**
 * Upstream OpenID Providers added at run time (those configured in the environment are not listed here, but
 * take group rules), and the rules mapping their claims to local groups.
 */
export function providerRoutes(s: Deps): AdminRoute[] {
  return [
    adminRoute({
      method: 'get', path: '/providers', operationId: 'listProviders', tag: 'providers', access: 'read', summary: 'List the upstream providers added at run time (never a secret)',
      status: 200, response: providerListSchema,
      async handle() {
        return { providers: (await s.providers.list()).map(presentProvider) };
      },
    }),
    adminRoute({
      method: 'post', path: '/providers', operationId: 'addProvider', tag: 'providers', access: 'write', summary: 'Add a generic OpenID Provider (its secret is stored sealed and never shown)',
      body: addProviderBody, status: 201, response: providerSchema, errors: [409],
      async handle({ body }) {
        return presentProvider(await s.providers.add({
          name: body.name, issuer: body.issuer, clientId: body.client_id, clientSecret: body.client_secret, scope: body.scope, displayName: body.display_name, trustEmail: body.trust_email,
        }));
      },
    }),
    adminRoute({
      method: 'get', path: '/providers/:provider', operationId: 'getProvider', tag: 'providers', access: 'read', summary: 'Get a provider (never its secret)',
      params: providerParams, status: 200, response: providerSchema, errors: [404],
      async handle({ params }) {
        return presentProvider(await s.providers.get(params.provider));
      },
    }),
    adminRoute({
      method: 'delete', path: '/providers/:provider', operationId: 'removeProvider', tag: 'providers', access: 'write', summary: 'Remove a provider (its linked identities and their users stay)',
      params: providerParams, status: 204, response: null, errors: [404],
      async handle({ params }) {
        await s.providers.remove(params.provider);
      },
    }),
    adminRoute({
      method: 'get', path: '/providers/:provider/group-rules', operationId: 'listProviderGroupRules', tag: 'providers', access: 'read', summary: 'The rules mapping a provider\'s claims to local groups',
      params: providerParams, status: 200, response: groupRuleListSchema, errors: [404],
      async handle({ params }) {
        return { rules: (await s.groupMapping.rulesOf(params.provider)).map(presentRule) };
      },
    }),
    adminRoute({
      method: 'post', path: '/providers/:provider/group-rules', operationId: 'addProviderGroupRule', tag: 'providers', access: 'write',
      summary: 'Add a rule: a sign-in whose claim has this value joins the group (and leaves it when it no longer does)',
      params: providerParams, body: addGroupRuleBody, status: 201, response: groupRuleSchema, errors: [404, 409],
      async handle({ params, body }) {
        return presentRule(await s.groupMapping.addRule({ provider: params.provider, claim: body.claim, value: body.value, group: body.group }));
      },
    }),
    adminRoute({
      method: 'delete', path: '/providers/:provider/group-rules/:rule', operationId: 'removeProviderGroupRule', tag: 'providers', access: 'write',
      summary: 'Remove a rule (memberships it granted go at the user\'s next sign-in through the provider)',
      params: groupRuleParams, status: 204, response: null, errors: [404],
      async handle({ params }) {
        await s.groupMapping.removeRule(params.rule, { provider: params.provider });
      },
    }),
  ];
}
