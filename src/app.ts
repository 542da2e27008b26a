import type { IncomingMessage } from 'node:http';
import Koa, { type Context, type Middleware } from 'koa';
import Router from '@koa/router';
import type Provider from 'oidc-provider';
import type { Config } from './config/load-config.js';
import type { Database } from './db/database.js';
import type { Migration } from './db/migrate.js';
import { awsStsRoutes } from './identity-pool/aws-sts-routes.js';
import { cognitoHostedUiAliases } from './cognito/hosted-ui-aliases.js';
import type { CognitoDeps } from './cognito/cognito-operation.js';
import { createCognitoIdentityService } from './identity-pool/cognito-identity-service.js';
import { credentialsRoutes } from './identity-pool/credentials-routes.js';
import { canonicalOrigin } from './http/canonical-origin.js';
import { errorHandler } from './http/error-handler.js';
import { createMetrics, type Metrics } from './http/metrics.js';
import { guardProviderInput } from './http/provider-input-guard.js';
import { cachePublicMetadata, jwksMaxAgeSeconds } from './http/public-caching.js';
import { createServices, type Services } from './services.js';
import type { StsBackend } from './identity-pool/minio-sts-client.js';
import { healthRoutes } from './http/health.js';
import { auditScope } from './http/audit-scope.js';
import { withRequestScope } from './lib/request-scope.js';
import { metricsEndpoint } from './http/metrics-endpoint.js';
import { mountLazily, mountRoutes, mountTogether } from './http/router-mount.js';
import { requestLogging } from './http/request-logging.js';
import { securityHeaders } from './http/security-headers.js';
import { createCsrf } from './interaction/csrf.js';
import { createErrorPage } from './interaction/error-page.js';
import { createFederationRoutes } from './federation/federation-routes.js';
import { interactionRoutes } from './interaction/interaction-routes.js';
import { createMfaPages } from './interaction/mfa/mfa-pages.js';
import { mfaInteractionRoutes } from './interaction/mfa/mfa-routes.js';
import { createSelfService } from './interaction/self-service/create-self-service.js';
import { offerSelfService, selfServiceRoutes } from './interaction/self-service/self-service-routes.js';
import { createLoginThrottle, DEFAULT_LOGIN_LIMITS } from './interaction/login-throttle.js';
import { createProviderPages } from './interaction/provider-pages.js';
import { sha256Hex } from './lib/hashing.js';
import { createViews, defaultViewsDir } from './interaction/views.js';
import type { Clock } from './lib/clock.js';
import type { Logger } from './lib/logger.js';
import { systemClock } from './lib/clock.js';
import { createSecretBox } from './lib/secret-box.js';
import { CookieSigner } from './lib/cookie-signer.js';
import { accountRoutes } from './account/account-routes.js';
import { ACCOUNT_CLIENT_ID, accountCallbackUrl } from './account/account-client.js';
import { createAccountLinking } from './federation/account-linking.js';
import { createFederationStates } from './federation/federation-states.js';
import type { UpstreamTransport } from './federation/provider-types.js';
import { createAccessTokenVerifier, type AccessTokenVerifier } from './oidc/access-token-verifier.js';
import { introspectionBridge, revocationBridge } from './oidc/bridges/token-endpoint-bridges.js';
import { userinfoBridge } from './oidc/bridges/userinfo-bridge.js';
import { createDeferredModelWrites } from './oidc/deferred-model-writes.js';
import { authorizationRouteHolder, createProvider } from './oidc/provider-factory.js';
import { defaultLifetimes } from './oidc/token-lifetimes.js';
import { createProviderHolder, type ProviderHolder } from './oidc/provider-holder.js';
import { describeDatabase } from './landing/describe-database.js';
import { landingRoutes } from './landing/landing-routes.js';
import { createPlayground } from './playground/create-playground.js';
import { CONSOLE_CLIENT_ID, consoleCallbackUrl } from './admin/console/console-client.js';

export interface LatchkeyApp {
  app: Koa;
  services: Services;
  holder: ProviderHolder;
  verifier: AccessTokenVerifier;
  metrics: Metrics;
}

/**
 * The composition root: wires services, the provider and the HTTP routes. Route order matters: our
 * routes (health, hosted UI, token bridges) first, everything else falls through to oidc-provider.
 */
export async function createApp(deps: { config: Config; db: Database; secrets: readonly string[]; logger: Logger; migrations: readonly Migration[]; sts?: StsBackend | null; clock?: Clock; upstreamTransport?: UpstreamTransport; routersAtStart?: boolean }): Promise<LatchkeyApp> {
  const { config, db, logger, secrets } = deps;
  // The admin API and console and the Cognito API are built on their first request: most servers seldom or
  // never serve them, and their modules were a tenth of the idle memory. With `routersAtStart` (tracing on)
  // they are built now, because the instrumentation names a request's route from the routers mounted at start.
  const rarelyUsed = async (segments: readonly string[], build: () => Promise<Router>, methods?: readonly string[]) => (
    deps.routersAtStart ? mountRoutes(await build()) : mountLazily(segments, build, methods));
  const metrics = createMetrics({ pool: () => db.poolStats?.() ?? null });
  const services = createServices({ ...deps, metrics });
  // The job series read job_runs at each scrape, so every replica reports every job, whoever ran it.
  metrics.observeJobs(() => services.jobs.status());
  await services.keys.ensure();
  // The account page signs users in as Latchkey's own client; its redirect URI follows LATCHKEY_ISSUER.
  await services.clients.ensureInternal({ clientId: ACCOUNT_CLIENT_ID, name: `${config.productName} account`, redirectUris: [accountCallbackUrl(config.issuer)] });
  await services.clients.ensureInternal({ clientId: CONSOLE_CLIENT_ID, name: `${config.productName} admin console`, redirectUris: [consoleCallbackUrl(config.issuer)] });
  const csrf = createCsrf(secrets);

  const views = createViews({ dir: defaultViewsDir(), productName: config.productName, themeCssFile: config.themeCss });
  const pages = createProviderPages(views);
  const audiences = [config.issuer, ...config.apiAudiences];
  const lifetimes = defaultLifetimes(config.accessTokenTtl);
  // A user who may act, with their groups and the names of their linked upstream providers (the `identities` claim).
  const findActingUser = (id: string) => services.users.findActingUser(id);
  // The writes to oidc_model that the authorization endpoint and the consent form hold and make in one statement.
  const modelWrites = createDeferredModelWrites(db, authorizationRouteHolder);
  const metadataCaching = cachePublicMetadata({ jwksMaxAgeSeconds: jwksMaxAgeSeconds(config.signing.publishAheadSeconds, config.keyRefreshSeconds) });
  const holder = await createProviderHolder({
    keys: services.keys,
    customClaims: async () => (await services.attributes.list()).map((a) => `custom:${a.name}`),
    logger,
    build: ({ keySet, customClaims }) => {
      const provider = createProvider({
        // The provider sees only the issuer's host and protocol (canonicalOrigin rewrites them first), so it
        // always reads X-Forwarded-*: its URLs and its cookies' Secure flag then follow LATCHKEY_ISSUER.
        issuer: config.issuer, db, clients: services.clientLookup, secrets, privateJwks: keySet.privateJwks, signingAlgs: config.signing.algorithms, audiences, lifetimes, trustProxy: true, pages, logger, customClaims,
        findActingUser, modelWrites,
      });
      provider.use(metadataCaching);
      // After the grant handler answered: the grant type is one the provider has registered (a bounded label).
      provider.on('grant.success', (ctx) => metrics.tokensIssued(String(ctx.oidc.params?.grant_type)));
      // RP-initiated logout revokes the storage credentials minted through the grants it ends (the app's grant,
      // or with "sign out of all" every grant of the session but those that outlive a logout); the user's other
      // grants keep theirs. The provider emits one event per grant it revokes. Durable path: a job, tried at
      // once, retried by the worker.
      provider.on('grant.revoked', (ctx, grantId) => {
        const accountId = ctx.oidc.session?.accountId;
        if (ctx.oidc.route === 'end_session_confirm' && accountId) {
          services.revocations.requestForGrant(accountId, grantId, 'logout').catch((error: unknown) => logger.error({ err: error, userId: accountId }, 'could not record the revocation of storage credentials at sign-out'));
        }
      });
      return provider;
    },
  });
  const clock = deps.clock ? { clock: deps.clock } : {};
  const verifier = createAccessTokenVerifier({ db, holder, issuer: config.issuer, audiences, ...clock });

  const callbacks = new WeakMap<Provider, ReturnType<Provider['callback']>>();
  async function delegate(ctx: Context, req: IncomingMessage = ctx.req): Promise<void> {
    const { provider } = holder;
    let callback = callbacks.get(provider);
    if (!callback) {
      callback = provider.callback();
      callbacks.set(provider, callback);
    }
    ctx.respond = false;
    await callback(req, ctx.res);
  }

  const app = new Koa({ proxy: config.trustProxy, maxIpsCount: config.proxyHops });
  // The hosted pages' signed cookies, in Keygrip's format without its per-check cost (lib/cookie-signer.ts).
  app.keys = new CookieSigner(secrets);
  app.on('error', () => {}); // logged by errorHandler; Koa's default would print to stderr

  const router = new Router();
  // The theme may be changed while Latchkey runs (declarative `theme`, read through a cache of seconds), so
  // browsers revalidate the stylesheet (a 304 while it is the same) instead of keeping one for an hour.
  let tagged = { text: '', etag: '' };
  const etagOf = (text: string) => (tagged.text === text ? tagged.etag : (tagged = { text, etag: sha256Hex(text).slice(0, 32) }).etag);
  router.get('/static/latchkey.css', async (ctx) => {
    // Never read yet and the database unreachable: the environment's theme, as before anything was stored.
    const stored = await services.branding.current().catch(() => null);
    const stylesheet = views.stylesheetWith(stored?.themeCss ?? null);
    ctx.type = 'text/css; charset=utf-8';
    ctx.set('Cache-Control', 'public, no-cache');
    ctx.etag = etagOf(stylesheet);
    ctx.status = 200;
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    ctx.body = stylesheet;
  });
  const userinfo = userinfoBridge({ db, verifier, audience: config.issuer, provider: () => holder.provider });
  // The bridges answer for the provider's endpoints, so the provider's edge check comes first.
  router.get('/me', guardProviderInput, userinfo);
  router.post('/me', guardProviderInput, userinfo);
  router.post('/token/introspection', guardProviderInput, introspectionBridge({ holder, verifier, delegate }));
  // The browser scripts of the passkey pages, as files from our origin (those pages allow script-src 'self').
  for (const [name, text] of Object.entries(views.scripts)) {
    router.get(`/static/${name}`, (ctx) => {
      ctx.type = 'text/javascript; charset=utf-8';
      ctx.set('Cache-Control', 'public, max-age=3600');
      ctx.body = text;
    });
  }
  router.post('/token/revocation', guardProviderInput, revocationBridge({ db, holder, verifier, delegate, ...clock }));

  // Each request's own scope, which rows read ahead for a later step of the same request are held under.
  app.use((_ctx, next) => withRequestScope(next));
  app.use(requestLogging(logger));
  app.use(auditScope);
  app.use((ctx, next) => metrics.middleware(ctx, next));
  app.use(errorHandler({ logger, renderPage: createErrorPage(views) }));
  app.use(canonicalOrigin(config.issuer));
  app.use(securityHeaders);
  // Cognito's hosted-UI paths (/oauth2/authorize, /oauth2/token, /logout…) become Latchkey's before routing.
  app.use(cognitoHostedUiAliases);
  // Every router, entered by the first path segment it claims (one layer for all of them; see mountTogether).
  const routes: Middleware[] = [];
  routes.push(mountRoutes(healthRoutes({ db, migrations: deps.migrations })));
  // With a metrics port, /metrics lives on that listener only (server.ts), not on the public port.
  if (config.metricsPort === null) routes.push(mountRoutes(metricsEndpoint({ registry: metrics.registry, token: config.metricsToken })));
  // Before the hosted pages: the sign-in page's buttons and `identity_provider`, then the federation's own routes.
  // One federation state store and linking policy, for sign-in and for linking from the account page.
  const federationStates = createFederationStates({ db, box: createSecretBox(secrets), secrets });
  const linking = createAccountLinking({ db, users: services.users, logger });
  routes.push(mountRoutes(createFederationRoutes({
    holder, registry: services.providers, states: federationStates, linking, groupMapping: services.groupMapping, clients: services.clients, logger, issuer: config.issuer,
    audit: services.audit, metrics,
  })));
  const throttle = createLoginThrottle(services.counters, DEFAULT_LOGIN_LIMITS, undefined, (scope) => metrics.lockout(scope));
  // The second factor after a proven password (TOTP, recovery codes, forced enrolment): pages and the hook.
  const mfaPages = createMfaPages({ mfa: services.mfa, users: services.users, throttle, holder, views, csrf, clock: deps.clock ?? systemClock, logger, metrics, secureCookies: config.issuer.startsWith('https:'), passkeys: services.passkeys });
  const selfService = createSelfService({
    db, secrets, users: services.users, emailChange: services.emailChange, settings: services.userPool, signupAllowedFor: (clientId) => services.clients.signupAllowedFor(clientId),
    policy: services.passwordPolicy, mailer: services.mailer, counters: services.counters, throttle, holder, views, csrf, logger, metrics, issuer: config.issuer,
    secondFactor: mfaPages.secondFactor,
  });
  routes.push(mountRoutes(accountRoutes({
    holder, users: services.users, identities: services.identities, registry: services.providers,
    states: federationStates, linking,
    views, csrf, clock: deps.clock ?? systemClock, logger, issuer: config.issuer,
    mfa: services.mfa, passkeys: services.passkeys,
    attributes: services.attributes, sessions: services.sessions, clients: services.clients, userPool: services.userPool, revocations: services.revocations, groupMapping: services.groupMapping, throttle, mailer: services.mailer,
    emailChange: services.emailChange, codes: selfService.codes,
  })));
  routes.push(await rarelyUsed(['admin'], async () => (await import('./admin/console/console-routes.js')).consoleRoutes({ services, holder, views, csrf, clock: deps.clock ?? systemClock, issuer: config.issuer })));
  routes.push(mountRoutes(selfServiceRoutes({ holder, csrf, pages: selfService.pages })));
  routes.push(mountRoutes(mfaInteractionRoutes({ holder, csrf, pages: mfaPages })));
  routes.push(mountRoutes(interactionRoutes({
    holder, modelWrites, users: services.users, views, csrf, logger, throttle, metrics,
    offerSelfService: offerSelfService(selfService.pages.offer), continueToVerification: selfService.continueToVerification,
    secondFactor: mfaPages.secondFactor, passkeys: services.passkeys,
  })));
  routes.push(mountRoutes(landingRoutes({ views, issuer: config.issuer, production: config.production, playground: config.playground, database: describeDatabase(config) })));
  // The playground calls this app in-process (its token endpoint, userinfo, STS), through the whole chain.
  let handler: ReturnType<Koa['callback']> | undefined;
  const playground = await createPlayground({
    enabled: config.playground, issuer: config.issuer, productName: config.productName, identityPool: config.s3 !== null, secrets,
    clients: services.clients, views, csrf, clock: deps.clock ?? systemClock, handler: () => (handler ??= app.callback()),
  });
  if (playground) routes.push(mountRoutes(playground));
  routes.push(mountRoutes(router));
  routes.push(await rarelyUsed(['admin'], async () => (await import('./admin/api/admin-api.js')).adminApi({ services, verifier, issuer: config.issuer, productName: config.productName })));
  routes.push(mountRoutes(credentialsRoutes({ verifier, credentials: services.credentials, audience: config.issuer })));
  const cognitoIdentity = createCognitoIdentityService({
    db, issuer: config.issuer, holder, ...clock, identifiers: () => services.userPool.identifiers(), clients: services.clients, credentials: services.credentials,
  });
  routes.push(mountRoutes(awsStsRoutes({ verifier, credentials: services.credentials, audience: config.issuer, issuer: config.issuer, identityPool: cognitoIdentity })));
  // POST / with X-Amz-Target: the Cognito JSON API, over the same services and codes as the hosted pages.
  routes.push(await rarelyUsed([''], async () => {
    const [{ cognitoRoutes }, { createSrpSignIn }, { cognitoAdminOperationsFor }, { identityPoolOperations }, { createMfaSessions }] = await Promise.all([
      import('./cognito/cognito-routes.js'), import('./cognito/srp/srp-sign-in.js'), import('./cognito/admin/admin-operations.js'),
      import('./cognito/identity-operations.js'), import('./cognito/mfa-session.js'),
    ]);
    // The identity pool's Cognito operations (AWSCognitoIdentityService), served beside the user pool's.
    const identityOperations = identityPoolOperations(cognitoIdentity);
    const cognitoDeps: CognitoDeps = {
      users: services.users, codes: selfService.codes, settings: services.userPool, clients: services.clients,
      policy: services.passwordPolicy, throttle, counters: services.counters, logger,
      holder, issuer: config.issuer, mfa: services.mfa, mfaSessions: createMfaSessions({ db, secrets }), metrics, verifier,
      srp: createSrpSignIn({ db, verifiers: services.srpVerifiers, secrets, clock: deps.clock ?? systemClock }),
      emailChange: services.emailChange, mailer: services.mailer,
    };
    // The user pool's admin operations, signed with SigV4 by admin clients' access keys.
    const adminOperations = cognitoAdminOperationsFor({ services, db, secrets, region: config.region, signIn: cognitoDeps });
    return cognitoRoutes(cognitoDeps, new Map([...identityOperations, ...adminOperations]));
  }, ['POST', 'OPTIONS']));
  // With tracing, each router is mounted on its own, where instrumentation-koa finds its layers to name routes.
  if (deps.routersAtStart) for (const mount of routes) app.use(mount);
  else app.use(mountTogether(routes));
  app.use(guardProviderInput);
  app.use((ctx) => delegate(ctx));
  return { app, services, holder, verifier, metrics };
}
