import { z } from 'zod';
import { MAX_SECRET_GRACE_SECONDS } from '../../../oidc/client-settings.js';
import { SUPPORTED_GRANT_TYPES } from '../../../oidc/client-service.js';
import { AUTH_FLOWS } from '../../../oidc/client-auth-flows.js';

const uris = z.array(z.string().min(1).max(2048)).max(50);
const grantTypes = z.array(z.enum(SUPPORTED_GRANT_TYPES)).min(1).max(SUPPORTED_GRANT_TYPES.length);
const scope = z.string().min(1).max(4096).describe('space-separated scopes the client may request');
const providers = z.array(z.string().min(1).max(32)).max(64).nullable()
  .describe('upstream providers (by name) its sign-in page offers; null: every configured one; []: none (password only)');
const authFlows = z.array(z.enum(Object.values(AUTH_FLOWS))).max(Object.values(AUTH_FLOWS).length)
  .describe('the Cognito API sign-in flows it may use, by Cognito\'s ExplicitAuthFlows names');

export const clientSchema = z.object({
  client_id: z.string(),
  name: z.string(),
  redirect_uris: z.array(z.string()),
  post_logout_redirect_uris: z.array(z.string()),
  grant_types: z.array(z.string()),
  token_endpoint_auth_method: z.string().describe('`none` for a public client, else how it authenticates'),
  scope: z.string(),
  first_party: z.boolean().describe('users are not asked to consent'),
  upstream_providers: z.array(z.string()).nullable().describe('null: every configured provider'),
  signup: z.boolean().describe('its users may sign themselves up (when the pool allows it)'),
  explicit_auth_flows: authFlows,
  cognito_claims: z.boolean().describe("tokens also carry Cognito's claims (token_use, cognito:username, cognito:groups, username)"),
  backchannel_logout_uri: z.string().nullable(),
  backchannel_logout_session_required: z.boolean(),
  skip_logout_confirmation: z.boolean(),
});

export const createdClientSchema = clientSchema.extend({
  client_secret: z.string().optional().describe('confidential clients only, shown this once: Latchkey keeps only its hash'),
});

export const clientListSchema = z.object({ clients: z.array(clientSchema) });

export const clientParams = z.object({ client: z.string().min(1).max(200).describe('the client id') });

export const createClientBody = z.strictObject({
  name: z.string().min(1).max(200),
  public: z.boolean().optional().describe('a public client (PKCE, no secret); default false'),
  redirect_uris: uris.optional(),
  post_logout_redirect_uris: uris.optional(),
  grant_types: grantTypes.optional().describe('default authorization_code and refresh_token'),
  scope: scope.optional().describe('default "openid profile email offline_access"'),
  first_party: z.boolean().optional(),
  upstream_providers: providers.optional().describe('default null: every configured provider'),
  signup: z.boolean().optional().describe('default true'),
  explicit_auth_flows: authFlows.optional().describe('default ALLOW_USER_SRP_AUTH and ALLOW_REFRESH_TOKEN_AUTH, as Cognito'),
  cognito_claims: z.boolean().optional().describe("default false: the standard claims only"),
  backchannel_logout_uri: z.string().min(1).max(2048).optional(),
  backchannel_logout_session_required: z.boolean().optional(),
  skip_logout_confirmation: z.boolean().optional(),
});

export const updateClientBody = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  redirect_uris: uris.optional().describe('replaces the list'),
  post_logout_redirect_uris: uris.optional().describe('replaces the list'),
  grant_types: grantTypes.optional().describe('replaces the list'),
  scope: scope.optional().describe('replaces the scopes'),
  first_party: z.boolean().optional(),
  upstream_providers: providers.optional(),
  signup: z.boolean().optional(),
  explicit_auth_flows: authFlows.optional().describe('replaces the list'),
  cognito_claims: z.boolean().optional(),
}).refine((b) => Object.values(b).some((v) => v !== undefined), { message: 'give at least one setting to change' });

export const rotateSecretBody = z.strictObject({
  grace_seconds: z.number().int().min(0).max(MAX_SECRET_GRACE_SECONDS).default(86_400)
    .describe(`how long the previous secret keeps working (0: it stops at once; at most ${MAX_SECRET_GRACE_SECONDS}); default one day`),
});

export const rotatedSecretSchema = z.object({
  client_id: z.string(),
  client_secret: z.string().describe('shown this once'),
  previous_secret_expires_at: z.string().nullable().describe('until when the previous secret works (ISO 8601); null: it stopped now'),
});
