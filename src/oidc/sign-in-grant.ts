import Provider, { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { issueTokens } from 'oidc-provider/lib/helpers/grant_common.js';
import * as grantHelpers from 'oidc-provider/lib/helpers/grants.js';
import { SUPPORTED_SCOPES } from './claims.js';
import { postToProvider, type InProcessAnswer } from './in-process-request.js';

/**
 * The grant type of a sign-in that Latchkey itself proved (the Cognito API's password and MFA steps). It is
 * registered with the provider so that the tokens come from the provider's own models and helpers (the same
 * JWT access token, audience, claims, lifetimes, signing key, stored grant and refresh token as `/token`),
 * but it is not reachable over HTTP: the sign-in it carries is attached under a module-private symbol to a
 * request built in process ({@link postToProvider}), which nothing from the network can set. A POST of this
 * grant type to `/token` finds no sign-in and is refused as a grant type the client may not use.
 */
export const SIGN_IN_GRANT = 'urn:latchkey:params:oauth:grant-type:proven-sign-in';

const SIGN_IN = Symbol('latchkey.proven-sign-in');

/** A sign-in whose password (and second factor, where one is needed) Latchkey has already verified. */
export interface ProvenSignIn {
  clientId: string;
  accountId: string;
  /** The factors used (RFC 8176): the ID token's `amr`. */
  amr: readonly string[];
  /** When the user authenticated (epoch seconds): the ID token's `auth_time`. */
  authTime: number;
}

function provenSignIn(ctx: KoaContextWithOIDC | undefined): ProvenSignIn | undefined {
  const value = (ctx?.req as unknown as Record<symbol, unknown> | undefined)?.[SIGN_IN];
  return value && typeof value === 'object' ? value as ProvenSignIn : undefined;
}

/**
 * Registers the grant on a provider. It builds what an authorization-code exchange builds: a Grant for the
 * client's identity scopes on the default audience, then the provider's `issueTokens` (access token for the
 * resource server, refresh token by the client's grant types, ID token with the account's claims).
 */
export function registerSignInGrant(provider: Provider, options: { defaultAudience: string }): void {
  const helpers = Object.fromEntries(Object.entries(grantHelpers).map(([name, helper]) => [name, (helper as (...args: unknown[]) => unknown).bind(undefined, provider)]));
  const statics = new Set<string>(SUPPORTED_SCOPES);

  async function handler(ctx: KoaContextWithOIDC): Promise<void> {
    const signIn = provenSignIn(ctx);
    const client = ctx.oidc.client!;
    if (!signIn || signIn.clientId !== client.clientId) throw new errors.UnauthorizedClient('requested grant type is not allowed for this client');
    const scopes = (client.scope ?? '').split(' ').filter((scope) => statics.has(scope));
    const grant = new provider.Grant({ accountId: signIn.accountId, clientId: client.clientId });
    grant.addOIDCScope(scopes.join(' '));
    grant.addResourceScope(options.defaultAudience, scopes.join(' '));
    const grantId = await grant.save();
    // The source of the tokens, as an authorization code would be (never saved: there is no code to redeem).
    const source = new provider.AuthorizationCode({
      accountId: signIn.accountId, grantId, client, scope: scopes.join(' '), resource: options.defaultAudience,
      amr: [...signIn.amr], authTime: signIn.authTime,
    } as unknown as ConstructorParameters<typeof provider.AuthorizationCode>[0]);
    ctx.oidc.entity('Grant', grant);
    await issueTokens(provider, helpers, ctx, source, grant, { gty: 'proven_sign_in', entityLabel: 'sign-in' });
  }

  provider.registerGrantType(SIGN_IN_GRANT, handler);
  // Registering adds it to discovery's grant_types_supported; no client can use it at /token, so it is not listed.
  provider.use(async (ctx, next) => {
    await next();
    const body: unknown = ctx.body;
    if (ctx.path.endsWith('/.well-known/openid-configuration') && body && typeof body === 'object' && Array.isArray((body as { grant_types_supported?: unknown }).grant_types_supported)) {
      const metadata = body as { grant_types_supported: unknown[] };
      metadata.grant_types_supported = metadata.grant_types_supported.filter((type) => type !== SIGN_IN_GRANT);
    }
  });
  // A client's registered grant types never name this one; it is allowed exactly when the request carries a
  // proven sign-in, that is, only in process.
  const prototype = provider.Client.prototype as unknown as { grantTypeAllowed: (this: unknown, type: string) => boolean };
  const allowed = prototype.grantTypeAllowed;
  prototype.grantTypeAllowed = function grantTypeAllowed(this: unknown, type: string): boolean {
    if (type === SIGN_IN_GRANT) return provenSignIn(Provider.ctx) !== undefined;
    return allowed.call(this, type);
  };
}

/** Issues the tokens of a proven sign-in through the provider's token endpoint, in process. */
export function issueSignInTokens(provider: Provider, issuer: string, signIn: ProvenSignIn): Promise<InProcessAnswer> {
  return postToProvider(provider, issuer, '/token', { grant_type: SIGN_IN_GRANT, client_id: signIn.clientId }, { [SIGN_IN]: signIn });
}

/** A refresh through the provider's own refresh-token grant (rotation, and reuse revoking the grant), for a public client. */
export function refreshTokens(provider: Provider, issuer: string, clientId: string, refreshToken: string): Promise<InProcessAnswer> {
  return postToProvider(provider, issuer, '/token', { grant_type: 'refresh_token', client_id: clientId, refresh_token: refreshToken });
}
