import { createServer, type Server } from 'node:http';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import type { UpstreamTransport } from '../../src/federation/provider-types.js';
import { memoryAdapter } from './fake-upstream.js';

/** The real Entra ID authority origin: openid-client applies the `{tenantid}` issuer template only for it. */
export const ENTRA_ORIGIN = 'https://login.microsoftonline.com';
const ENTRA_HOST = new URL(ENTRA_ORIGIN).host;
/** A public address (in Microsoft's range) for the outbound address guard; nothing connects to it. */
const ENTRA_PUBLIC_ADDRESS = '20.190.160.20';

/** Who the next sign-in at a tenant is; `claims` may override `tid` (a token naming another tenant). */
export interface EntraAccount {
  account: string;
  claims: Record<string, unknown>;
}

/** Rewrites the claims of the next token response's ID token, re-signed with the tenants' real key. */
export type IdTokenRewrite = (claims: JWTPayload) => JWTPayload;

export interface FakeEntra {
  clientId: string;
  clientSecret: string;
  /** `https://login.microsoftonline.com/<tid>/v2.0`, the `iss` a token of tenant `tid` carries. */
  issuerOf(tid: string): string;
  /** For Latchkey's outbound helper: routes the authority to the fakes and answers a public address for it. */
  transport: UpstreamTransport;
  /** For the test's browser: the authority's URLs go to the fakes, every other URL to the network. */
  fetch: typeof fetch;
  /** The next sign-ins at the authority are `account` of tenant `tid` (the user picks their account at `common`). */
  next(tid: string, account: EntraAccount): void;
  /** Spoils the ID token of the next token response (once); null clears it. */
  rewriteNextIdToken(rewrite: IdTokenRewrite | null): void;
  stop(): Promise<void>;
}

interface Tenant {
  tid: string;
  issuer: string;
  server: Server;
  port: number;
  account: EntraAccount | undefined;
}

/** Entra's v2.0 endpoints of the multi-tenant authority (`MICROSOFT_TENANT`), as the fakes serve them. */
function routes(authority: string) {
  return {
    authorization: `/${authority}/oauth2/v2.0/authorize`,
    token: `/${authority}/oauth2/v2.0/token`,
    jwks: `/${authority}/discovery/v2.0/keys`,
    userinfo: '/oidc/userinfo',
  };
}

/**
 * Microsoft Entra ID for tests, without a network: one real oidc-provider per tenant on 127.0.0.1, each
 * with the issuer the real service gives that tenant (`https://login.microsoftonline.com/<tid>/v2.0`) and
 * all signing with one key, as Entra's tenants share Microsoft's keys. The real authority URL is kept and
 * routed to the tenant signing in next (`transport` for Latchkey, `fetch` for the browser), so that
 * openid-client engages its Entra handling exactly as in production. The routing plays the parts of the
 * real authority that one oidc-provider cannot: the `common`/`organizations` discovery document publishes
 * the `{tenantid}` issuer template (and no RFC 9207 `iss` support, so the `iss` oidc-provider adds to its
 * authorization redirects is removed, as Entra sends none).
 */
export async function startFakeEntra(options: { tenants: string[]; redirectUris: string[]; authority?: 'common' | 'organizations' }): Promise<FakeEntra> {
  const authority = options.authority ?? 'common';
  const paths = routes(authority);
  const clientId = '7e1b0c44-6a3f-4f0e-9a55-0c1d2e3f4a5b';
  const clientSecret = 'entra-client-secret-0123456789abcdef';
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'entra-shared-key', alg: 'RS256', use: 'sig' };
  const tenants = new Map<string, Tenant>();
  let current: Tenant | undefined;
  let rewrite: IdTokenRewrite | null = null;

  for (const tid of options.tenants) {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const tenant: Tenant = { tid, issuer: `${ENTRA_ORIGIN}/${tid}/v2.0`, server, port: typeof address === 'object' && address ? address.port : 0, account: undefined };
    const prefix = `fake_entra_${tid.slice(0, 8)}`;
    const provider = new Provider(tenant.issuer, {
      clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: options.redirectUris, token_endpoint_auth_method: 'client_secret_post' }],
      jwks: { keys: [jwk] },
      routes: paths,
      cookies: { names: { session: `${prefix}_session`, interaction: `${prefix}_interaction`, resume: `${prefix}_resume` }, keys: ['fake-entra-cookie-key'] },
      // Entra's ID token claims: tid, oid and preferred_username with openid; email only with `email`, never email_verified.
      claims: { openid: ['sub', 'tid', 'oid', 'preferred_username'], email: ['email'], profile: ['name', 'given_name', 'family_name'] },
      conformIdTokenClaims: false,
      adapter: memoryAdapter(),
      ttl: { Interaction: 600, Grant: 600, Session: 600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
      features: { devInteractions: { enabled: false } },
      findAccount: (_ctx, id) => {
        const signedIn = tenant.account;
        if (!signedIn || signedIn.account !== id) return undefined;
        return { accountId: id, claims: () => ({ sub: id, tid, oid: `oid-${id}`, ...signedIn.claims }) };
      },
      async loadExistingGrant(ctx: KoaContextWithOIDC) {
        const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
        grant.addOIDCScope('openid email profile');
        await grant.save();
        return grant;
      },
    });
    // Behind the routing, which says the request came to https://login.microsoftonline.com.
    provider.proxy = true;
    provider.use(async (ctx, next) => {
      if (ctx.method !== 'GET' || !/^\/interaction\/[^/]+$/.test(ctx.path)) {
        await next();
        return;
      }
      ctx.respond = false;
      const signedIn = tenant.account;
      if (!signedIn) {
        await provider.interactionFinished(ctx.req, ctx.res, { error: 'access_denied', error_description: 'No account was chosen.' }, { mergeWithLastSubmission: false });
        return;
      }
      await provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: signedIn.account } }, { mergeWithLastSubmission: false });
    });
    const handle = provider.callback();
    server.on('request', (req, res) => void handle(req, res));
    tenants.set(tid, tenant);
  }

  async function discoveryDocument(tenant: Tenant): Promise<Response> {
    const own = await forward(tenant, '/.well-known/openid-configuration', {});
    const metadata = await own.json() as Record<string, unknown>;
    delete metadata['authorization_response_iss_parameter_supported'];
    metadata['issuer'] = `${ENTRA_ORIGIN}/{tenantid}/v2.0`;
    return Response.json(metadata);
  }

  function forward(tenant: Tenant, pathAndQuery: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('x-forwarded-proto', 'https');
    headers.set('x-forwarded-host', ENTRA_HOST);
    return fetch(`http://127.0.0.1:${tenant.port}${pathAndQuery}`, { ...init, headers, redirect: 'manual' });
  }

  /** The same response with its headers changed (a Response's own headers are immutable after fetch). */
  function withHeaders(response: Response, change: (headers: Headers) => void, body: ConstructorParameters<typeof Response>[0] = response.body): Response {
    const headers = new Headers(response.headers);
    change(headers);
    return new Response(body, { status: response.status, statusText: response.statusText, headers });
  }

  async function reSigned(response: Response, apply: IdTokenRewrite): Promise<Response> {
    const tokens = await response.json() as { id_token?: string };
    if (!tokens.id_token) return Response.json(tokens, { status: response.status });
    const claims = apply(decodeJwt(tokens.id_token));
    const idToken = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: jwk.kid }).sign(privateKey);
    return Response.json({ ...tokens, id_token: idToken }, { status: response.status });
  }

  async function route(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
    const url = new URL(input instanceof Request ? input.url : input);
    if (url.origin !== ENTRA_ORIGIN) return fetch(input, init);
    const tenant = current ?? [...tenants.values()][0]!;
    if (url.pathname === `/${authority}/v2.0/.well-known/openid-configuration`) return discoveryDocument(tenant);
    const response = await forward(tenant, `${url.pathname}${url.search}`, init);
    const location = response.headers.get('location');
    if (location !== null) {
      const target = new URL(location, url);
      if (!target.searchParams.has('iss')) return response;
      target.searchParams.delete('iss');
      return withHeaders(response, (headers) => headers.set('location', target.href));
    }
    const once = rewrite;
    if (once && url.pathname === paths.token && response.ok) {
      rewrite = null;
      return reSigned(response, once);
    }
    return response;
  }

  return {
    clientId,
    clientSecret,
    issuerOf: (tid) => `${ENTRA_ORIGIN}/${tid}/v2.0`,
    transport: {
      fetch: (input, requestInit) => route(input, requestInit),
      resolve: (hostname) => hostname === ENTRA_HOST ? Promise.resolve([ENTRA_PUBLIC_ADDRESS]) : Promise.reject(new Error(`unexpected outbound host ${hostname}`)),
    },
    fetch: route,
    next(tid, account) {
      const tenant = tenants.get(tid);
      if (!tenant) throw new Error(`no fake tenant ${tid}`);
      tenant.account = account;
      current = tenant;
    },
    rewriteNextIdToken(apply) {
      rewrite = apply;
    },
    async stop() {
      await Promise.all([...tenants.values()].map(({ server }) => new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })));
    },
  };
}
