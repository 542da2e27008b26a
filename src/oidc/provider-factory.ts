import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { JWK } from 'jose';
import { isDatabaseUnavailable, type Database } from '../db/database.js';
import { digestsEqual, sha256Hex } from '../lib/hashing.js';
import type { Logger } from '../lib/logger.js';
import { CookieSigner } from '../lib/cookie-signer.js';
import { SCOPE_CLAIMS, SUPPORTED_SCOPES } from './claims.js';
import { COGNITO_ID_TOKEN_CLAIMS, cognitoAccessTokenClaims, wantsCognitoClaims } from './cognito-claims.js';
import { createFindAccount, type FindActingUser, type LatchkeyAccount } from './find-account.js';
import { loadExistingGrant } from './implied-consent.js';
import { createPostgresAdapterClass, type TokenGrantRequest } from './postgres-adapter.js';
import { createTokenGrantMemo } from './token-grant-memo.js';
import type { DeferredModelWrites } from './deferred-model-writes.js';
import { currentRequestScope } from '../lib/request-scope.js';
import { createModelAtRest } from './model-at-rest.js';
import type { ClientLookup } from './client-lookup.js';
import type { SigningAlgorithm } from '../config/signing-config.js';
import { originAllowedForRedirectUris } from './client-origins.js';
import { createBackchannelFetch } from './backchannel-logout.js';
import { NodeSigningKey } from './node-signing-key.js';
import type { TokenLifetimes } from './token-lifetimes.js';
import { registerSignInGrant } from './sign-in-grant.js';

/** Pages the provider renders itself (errors, logout), supplied by the hosted UI. */
export interface ProviderPages {
  /** `error` is what the provider caught (by class: an expired interaction is its SessionNotFound). */
  error(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string | undefined }, error?: unknown): void;
  logout(ctx: KoaContextWithOIDC, form: string): void;
  loggedOut(ctx: KoaContextWithOIDC): void;
}

export interface ProviderOptions {
  issuer: string;
  db: Database;
  /** Clients for the Client adapter; shared across provider rebuilds so that its cache outlives them. */
  clients: ClientLookup;
  secrets: readonly string[];
  privateJwks: readonly JWK[];
  /** LATCHKEY_SIGNING_ALGS: the algorithms apps may ask for; the first is the default (access tokens too). */
  signingAlgs: readonly SigningAlgorithm[];
  /** Resource indicators apps may ask for; the first is the default audience. */
  audiences: readonly string[];
  lifetimes: TokenLifetimes;
  trustProxy: boolean;
  pages: ProviderPages;
  logger: Logger;
  /** The directory's lookup of a user who may act, with their groups (accounts and token claims). */
  findActingUser: FindActingUser;
  /** Declared custom attributes (`custom:NAME`), released with the profile scope, as Cognito does. */
  customClaims?: readonly string[];
  /**
   * The held writes to `oidc_model` (deferred-model-writes.ts), shared across provider rebuilds with the hosted
   * pages that hold theirs. Built with {@link authorizationRouteHolder}.
   */
  modelWrites: DeferredModelWrites;
}

/** The request whose writes the provider holds by its route: the authorization endpoint and its resumption. */
export function authorizationRouteHolder(): object | undefined {
  const ctx = Provider.ctx;
  return ctx?.oidc?.route === 'authorization' || ctx?.oidc?.route === 'resume' ? ctx : undefined;
}

/**
 * Builds the oidc-provider instance: Postgres adapter, clients from the `clients` table, accounts from the
 * user directory, JWT access tokens (RFC 9068) for a default audience, PKCE always, refresh-token rotation,
 * introspection, revocation, client credentials, RP-initiated logout, and no dev interactions.
 */
export function createProvider(options: ProviderOptions): Provider {
  const { db, lifetimes, audiences, pages } = options;
  const [defaultAudience] = audiences;
  if (!defaultAudience) throw new Error('at least one audience is required');
  const signingAlgs = [...options.signingAlgs];
  const [defaultAlg] = signingAlgs;
  if (!defaultAlg) throw new Error('at least one signing algorithm is required');
  const allowedAudiences = new Set(audiences);
  // An authorization-code or refresh-token grant loads its grant, session and account with the code or token
  // (postgres-adapter.ts), held for the rest of that request only. The request is oidc-provider's own Koa
  // context: 9.13.3 runs each request in an AsyncLocalStorage (lib/helpers/initialize_app.js) that the static
  // `Provider.ctx` reads, and the token endpoint has parsed its parameters and authenticated the client before
  // the grant handler runs (lib/actions/token.js).
  const tokenGrantMemo = createTokenGrantMemo();
  const tokenGrantRequest = (): TokenGrantRequest | undefined => {
    const ctx = Provider.ctx;
    if (ctx?.oidc.route !== 'token') return undefined;
    const grantType = ctx.oidc.params?.grant_type;
    // Rotation is on, so a refresh grant always saves a successor; a code's grant saves a refresh token when
    // `issueRefreshToken` below says so, decided by this same function, so that a deferred consumption always
    // has the insert it rides on.
    if (grantType === 'refresh_token') return { ctx, model: 'RefreshToken', willIssueRefreshToken: true };
    if (grantType === 'authorization_code' && ctx.oidc.client) return { ctx, model: 'AuthorizationCode', willIssueRefreshToken: issuesRefreshTokens(ctx.oidc.client) };
    return undefined;
  };
  const findAccount = createFindAccount(options.findActingUser, (ctx, id) => tokenGrantMemo.takeUser(ctx, id));

  const configuration: Configuration = {
    adapter: createPostgresAdapterClass(db, options.clients, createModelAtRest(options.secrets), { memo: tokenGrantMemo, request: tokenGrantRequest, scope: currentRequestScope }, options.modelWrites),
    findAccount,
    // Signed with node:crypto (node-signing-key.ts): the same keys and tokens, without WebCrypto's fixed cost.
    jwks: { keys: options.privateJwks.map((jwk) => new NodeSigningKey(jwk)) },
    cookies: {
      // Keygrip's format and key order, without its per-check cost (lib/cookie-signer.ts).
      keys: new CookieSigner(options.secrets),
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    extraClientMetadata: {
      // latchkey_scopes: every scope the client may request; latchkey_first_party: consent is implied.
      // latchkey_skip_logout_confirmation: RP-initiated logout with a valid id_token_hint asks no question.
      // latchkey_cognito_claims: tokens also carry Cognito's claims (cognito-claims.ts).
      properties: ['latchkey_scopes', 'latchkey_first_party', 'latchkey_skip_logout_confirmation', 'latchkey_previous_secret', 'latchkey_cognito_claims'],
      validator: (_ctx, key, value) => {
        // latchkey_previous_secret: the digest of a rotated-out secret during its grace period.
        if (key === 'latchkey_previous_secret' && value !== undefined && typeof value !== 'string') throw new errors.InvalidClientMetadata('latchkey_previous_secret must be a string');
        if (key === 'latchkey_scopes' && value !== undefined && typeof value !== 'string') throw new errors.InvalidClientMetadata('latchkey_scopes must be a string');
        if (key === 'latchkey_first_party' && value !== undefined && typeof value !== 'boolean') throw new errors.InvalidClientMetadata('latchkey_first_party must be a boolean');
        if (key === 'latchkey_skip_logout_confirmation' && value !== undefined && typeof value !== 'boolean') throw new errors.InvalidClientMetadata('latchkey_skip_logout_confirmation must be a boolean');
        if (key === 'latchkey_cognito_claims' && value !== undefined && typeof value !== 'boolean') throw new errors.InvalidClientMetadata('latchkey_cognito_claims must be a boolean');
      },
    },
    // Cognito's ID-token claims ride on `openid`; the account releases them only to clients that asked for them.
    claims: Object.fromEntries(Object.entries(SCOPE_CLAIMS).map(([scope, claims]) => [
      scope, scope === 'profile' ? [...claims, ...(options.customClaims ?? [])] : scope === 'openid' ? [...claims, ...COGNITO_ID_TOKEN_CLAIMS] : [...claims],
    ])),
    scopes: [...SUPPORTED_SCOPES],
    responseTypes: ['code'],
    // Secrets are stored as SHA-256 digests, so only methods that present the secret itself are allowed:
    // client_secret_jwt would need the plaintext as an HMAC key.
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
    enabledJWA: {
      // Every listed algorithm has a signing key (signing-keys.ts); keys of an algorithm no longer listed stay
      // published, so tokens they signed verify, but sign nothing.
      idTokenSigningAlgValues: signingAlgs,
      userinfoSigningAlgValues: signingAlgs,
      introspectionSigningAlgValues: signingAlgs,
      authorizationSigningAlgValues: signingAlgs,
      requestObjectSigningAlgValues: ['RS256', 'PS256', 'ES256', 'EdDSA'],
      clientAuthSigningAlgValues: ['RS256', 'PS256', 'ES256', 'EdDSA'],
    },
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: defaultAlg,
    },
    // OAuth 2.1 and the Security BCP (RFC 9700 §2.1.1): PKCE for every client, not only public ones.
    pkce: { required: () => true },
    // Through the outbound wrapper (timeout, size limit); its only use here is back-channel logout.
    fetch: createBackchannelFetch(),
    features: {
      devInteractions: { enabled: false },
      // For NodeSigningKey. The ack pins the experiment's version: an upgrade that changes it fails at start.
      externalSigningSupport: { enabled: true, ack: 'experimental-01' },
      // Same rule as the JWT bridge: a client learns only about tokens issued to itself. APIs verify
      // access tokens locally with the JWKS.
      introspection: { enabled: true, allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId },
      revocation: { enabled: true },
      clientCredentials: { enabled: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => pages.logout(ctx, form),
        postLogoutSuccessSource: async (ctx) => pages.loggedOut(ctx),
      },
      // OpenID Connect Back-Channel Logout 1.0: apps with a backchannel_logout_uri get a logout token when
      // RP-initiated logout ends the session; other sign-outs send it themselves (backchannel-logout.ts).
      backchannelLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // A pool-level default audience, so apps get a JWT access token without sending `resource`.
        defaultResource: () => defaultAudience,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, resourceIndicator, client) => {
          if (!allowedAudiences.has(resourceIndicator)) throw new errors.InvalidTarget();
          // A client gets only the scopes it was registered with (RFC 6749 §3.3); asking for others is an
          // error rather than a silent downgrade.
          const allowed = new Set((typeof client.latchkey_scopes === 'string' ? client.latchkey_scopes : '').split(' ').filter(Boolean));
          const requested = typeof ctx.oidc.params?.scope === 'string' ? ctx.oidc.params.scope.split(' ').filter(Boolean) : [];
          const refused = requested.filter((s) => !allowed.has(s));
          if (refused.length) throw new errors.InvalidScope('requested scope is not allowed for this client', refused.join(' '));
          return {
            scope: [...allowed].join(' '),
            audience: resourceIndicator,
            accessTokenFormat: 'jwt',
            accessTokenTTL: lifetimes.accessToken,
            jwt: { sign: { alg: defaultAlg } },
          };
        },
      },
    },
    async extraTokenClaims(ctx, token) {
      const extra: Record<string, unknown> = { ...(token as { extra?: Record<string, unknown> }).extra };
      // The grant id lets userinfo, introspection and the STS endpoint check that a JWT access token's
      // grant is still live (JWT access tokens are not stored; revoking the grant must still cut them).
      const grantId = (token as { grantId?: string }).grantId;
      if (grantId) extra.grant_id = grantId;
      const accountId = (token as { accountId?: string }).accountId;
      const client = ctx.oidc.client;
      const cognito = wantsCognitoClaims(client) && client?.clientId === (token as { clientId?: string }).clientId;
      if (accountId) {
        const loaded = ctx.oidc.account as LatchkeyAccount | undefined;
        const account = loaded?.accountId === accountId ? loaded : await findAccount(ctx, accountId);
        extra.groups = account?.groups ?? [];
        if (cognito && account) Object.assign(extra, cognitoAccessTokenClaims(account.cognitoUsername, account.groups, grantId));
      } else if (cognito) {
        // A client-credentials token: Cognito's machine tokens carry token_use too, and no user.
        extra.token_use = 'access';
      }
      return extra;
    },
    issueRefreshToken: async (_ctx, client) => issuesRefreshTokens(client),
    rotateRefreshToken: true,
    ttl: {
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? lifetimes.accessToken,
      ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? lifetimes.accessToken,
      IdToken: lifetimes.idToken,
      RefreshToken: lifetimes.refreshToken,
      AuthorizationCode: lifetimes.authorizationCode,
      Session: lifetimes.session,
      Grant: lifetimes.refreshToken,
      Interaction: lifetimes.interaction,
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // `identity_provider=NAME` on /auth sends the user straight to that upstream (federation-flow.ts).
    extraParams: ['identity_provider'],
    renderError: async (ctx, out, error) => pages.error(ctx, out, error),
    // Browsers may call token/userinfo endpoints only from the origins of the client's redirect URIs.
    clientBasedCORS: (_ctx, origin, client) => originAllowedForRedirectUris(client.redirectUris, origin),
    // First-party apps: consent implied by building their grant here (implied-consent.ts), not by a page.
    loadExistingGrant,
  };

  const provider = new Provider(options.issuer, configuration);
  provider.proxy = options.trustProxy;
  // Before Koa sends the answer. Should the held writes fail, the answer is replaced as for any server error of
  // the provider's (a database outage: 503), and neither its redirect (a code never stored) nor its cookies (a
  // session never stored) leave.
  provider.use(async (ctx, next) => {
    try {
      await next();
    } finally {
      await options.modelWrites.flush(ctx).catch((error: unknown) => {
        ctx.remove('Location');
        ctx.remove('Set-Cookie');
        ctx.status = 500;
        provider.emit('server_error', ctx, error);
        // Only the browser's endpoints hold writes, and the provider renders their errors as pages.
        pages.error(ctx as KoaContextWithOIDC, { error: ctx.status === 503 ? 'temporarily_unavailable' : 'server_error' }, error);
      });
    }
  });
  // Sign-ins that Latchkey proved itself (the Cognito API) get their tokens from the provider, in process only.
  registerSignInGrant(provider, { defaultAudience });

  // Stored secrets are SHA-256 digests; hash what the client presents and compare in constant time.
  // During a rotation's grace period the previous secret's digest is also accepted (the adapter passes it
  // only until it expires). Both comparisons always run, so timing does not tell which secret matched.
  provider.Client.prototype.compareClientSecret = async function compareClientSecret(this: { clientSecret?: string; latchkey_previous_secret?: string }, actual: string) {
    if (typeof this.clientSecret !== 'string' || typeof actual !== 'string') return false;
    const presented = sha256Hex(actual);
    const current = digestsEqual(this.clientSecret, presented);
    const previous = typeof this.latchkey_previous_secret === 'string' && digestsEqual(this.latchkey_previous_secret, presented);
    return current || previous;
  };

  // An app that may skip the logout question gets `sid` in its ID tokens, so its id_token_hint can show
  // that it speaks for the browser's current session (interaction/logout-confirmation.ts).
  const clientPrototype = provider.Client.prototype as unknown as { includeSid: (this: Record<string, unknown>) => boolean };
  const includeSid = clientPrototype.includeSid;
  clientPrototype.includeSid = function includeSidForLogout(this: Record<string, unknown>) {
    return this.latchkey_skip_logout_confirmation === true || includeSid.call(this);
  };

  provider.on('server_error', (ctx, error) => {
    // A database outage is not a defect: the provider's own endpoints (token, authorization, end session)
    // answer as the rest of Latchkey does, 503 with Retry-After, so clients back off and retry (RFC 6749
    // §4.1.2.1 names temporarily_unavailable). The listener runs before the response is written.
    if (isDatabaseUnavailable(error)) {
      ctx.status = 503;
      ctx.set('Retry-After', '1');
      if (ctx.accepts('json', 'html') !== 'html') ctx.body = { error: 'temporarily_unavailable', error_description: 'the database is unavailable; try again shortly' };
      options.logger.warn({ err: error, path: ctx.path }, 'database unavailable');
      return;
    }
    options.logger.error({ err: error }, 'oidc server_error');
  });
  // A failing app never blocks the sign-out (the provider carries on); the operator learns of it here.
  provider.on('backchannel.error', (_ctx, error, client, accountId) => options.logger.warn({ event: 'backchannel_logout.failed', clientId: client.clientId, userId: accountId, err: error }, 'could not deliver a logout token'));
  provider.on('backchannel.success', (_ctx, client, accountId) => options.logger.info({ event: 'backchannel_logout.sent', clientId: client.clientId, userId: accountId }, 'logout token delivered'));
  provider.on('grant.revoked', (_ctx, grantId) => options.logger.info({ grantId }, 'grant revoked'));
  return provider;
}

/** Whether the token endpoint issues `client` refresh tokens: the provider's `issueRefreshToken`. */
function issuesRefreshTokens(client: { grantTypeAllowed(type: string): boolean }): boolean {
  return client.grantTypeAllowed('refresh_token');
}
