import { createServer, type Server } from 'node:http';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import Provider, { type Adapter, type AdapterPayload, type KoaContextWithOIDC } from 'oidc-provider';

/** One fake's storage: a Map per model, its own (and quiet, unlike oidc-provider's development adapter). */
export function memoryAdapter() {
  const stores = new Map<string, Map<string, AdapterPayload>>();
  return class MemoryAdapter implements Adapter {
    private readonly store: Map<string, AdapterPayload>;
    constructor(model: string) {
      const existing = stores.get(model);
      this.store = existing ?? new Map<string, AdapterPayload>();
      if (!existing) stores.set(model, this.store);
    }
    upsert(id: string, payload: AdapterPayload): Promise<void> {
      this.store.set(id, payload);
      return Promise.resolve();
    }
    find(id: string): Promise<AdapterPayload | undefined> {
      return Promise.resolve(this.store.get(id));
    }
    findByUserCode(): Promise<undefined> {
      return Promise.resolve(undefined);
    }
    findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return Promise.resolve([...this.store.values()].find((p) => p.uid === uid));
    }
    consume(id: string): Promise<void> {
      const payload = this.store.get(id);
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      return Promise.resolve();
    }
    destroy(id: string): Promise<void> {
      this.store.delete(id);
      return Promise.resolve();
    }
    revokeByGrantId(grantId: string): Promise<void> {
      for (const [id, p] of this.store) if (p.grantId === grantId) this.store.delete(id);
      return Promise.resolve();
    }
  };
}

/** The claims of each scope, with `extra` appended (scopes only in `extra` are added). */
function withScopeClaims(base: Record<string, string[]>, extra: Record<string, string[]> = {}): Record<string, string[]> {
  const merged = { ...base };
  for (const [scope, names] of Object.entries(extra)) merged[scope] = [...(merged[scope] ?? []), ...names];
  return merged;
}

/** How the fake spoils the ID token in its token responses (hostile-upstream tests); null: it does not. */
export type IdTokenTamper = 'signature' | 'audience' | 'expired' | null;

/** Who the fake signs in next, or a refusal as a user pressing "Cancel" at the upstream. */
export type FakeBehaviour = { account: string; claims: Record<string, unknown> } | { deny: true };

export interface FakeUpstream {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Sets who the next sign-ins at the fake are (auto-login, no page). */
  next(behaviour: FakeBehaviour): void;
  /** Queues one behaviour per coming sign-in, used before the `next()` one (concurrent sign-ins as different people). */
  enqueue(...behaviours: FakeBehaviour[]): void;
  /** Spoils the ID token of the following token responses: a broken signature, or re-signed for another audience or expired. */
  tamper(mode: IdTokenTamper): void;
  /** Stops listening and drops open connections (an upstream that went down). */
  stop(): Promise<void>;
}

/**
 * An upstream OpenID Provider for tests: a real oidc-provider on 127.0.0.1 with auto-login as the account
 * set with `next()` and auto-consent, `conformIdTokenClaims: false` (e-mail and profile land in the ID
 * token, as with Google and Apple), and cookie names of its own: cookies are scoped by host, not port,
 * so its session must not overwrite Latchkey's on the same 127.0.0.1.
 */
export async function startFakeUpstream(options: {
  name: string;
  redirectUris: string[];
  openidClaims?: string[];
  /** More claims per scope (a scope listed here becomes one the fake accepts, as Apple's `name`). */
  scopeClaims?: Record<string, string[]>;
  /** Runs once the provider is built, after the auto-login step: more middleware, a provider's own client authentication. */
  extend?: (provider: Provider) => void;
}): Promise<FakeUpstream> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = `latchkey-at-${options.name}`;
  const clientSecret = `secret-of-${options.name}-0123456789abcdef`;
  const accounts = new Map<string, Record<string, unknown>>();
  let behaviour: FakeBehaviour = { deny: true };
  const queue: FakeBehaviour[] = [];
  let tampering: IdTokenTamper = null;

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: `${options.name}-key`, alg: 'RS256', use: 'sig' };
  const prefix = `fake_${options.name.replace(/-/g, '_')}`;
  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: options.redirectUris, token_endpoint_auth_method: 'client_secret_post' }],
    jwks: { keys: [jwk] },
    cookies: { names: { session: `${prefix}_session`, interaction: `${prefix}_interaction`, resume: `${prefix}_resume` }, keys: ['fake-upstream-cookie-key'] },
    // openidClaims: provider-specific claims released with `openid` alone, as Google's `hd`.
    claims: withScopeClaims({ openid: ['sub', ...(options.openidClaims ?? [])], email: ['email', 'email_verified'], profile: ['name', 'given_name', 'family_name'] }, options.scopeClaims),
    conformIdTokenClaims: false,
    adapter: memoryAdapter(),
    ttl: { Interaction: 600, Grant: 600, Session: 600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
    features: { devInteractions: { enabled: false } },
    findAccount: (_ctx, id) => {
      const claims = accounts.get(id);
      return claims ? { accountId: id, claims: () => ({ sub: id, ...claims }) } : undefined;
    },
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope(['openid email profile', ...Object.keys(options.scopeClaims ?? {})].join(' '));
      await grant.save();
      return grant;
    },
  });
  provider.use(async (ctx, next) => {
    if (ctx.method !== 'GET' || !/^\/interaction\/[^/]+$/.test(ctx.path)) {
      await next();
      return;
    }
    ctx.respond = false;
    const current = queue.shift() ?? behaviour;
    if ('deny' in current) {
      await provider.interactionFinished(ctx.req, ctx.res, { error: 'access_denied', error_description: 'The user cancelled.' }, { mergeWithLastSubmission: false });
    } else {
      accounts.set(current.account, current.claims);
      await provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: current.account } }, { mergeWithLastSubmission: false });
    }
  });
  options.extend?.(provider);
  const handle = provider.callback();
  async function spoil(idToken: string, mode: Exclude<IdTokenTamper, null>): Promise<string> {
    if (mode === 'signature') {
      const [header, payload, signature] = idToken.split('.');
      return `${header}.${payload}.${signature!.startsWith('A') ? 'B' : 'A'}${signature!.slice(1)}`;
    }
    const now = Math.floor(Date.now() / 1000);
    const claims = { ...decodeJwt(idToken), ...(mode === 'audience' ? { aud: 'another-client' } : { iat: now - 7200, exp: now - 3600 }) };
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: jwk.kid }).sign(privateKey);
  }

  server.on('request', (req, res) => {
    const mode = tampering;
    if (mode && req.method === 'POST' && req.url?.startsWith('/token')) {
      // Rewrites the finished JSON body before it leaves (Koa sends it with a single end()).
      const end = res.end.bind(res) as (body: string) => void;
      (res as unknown as { end: (body: unknown) => void }).end = (body: unknown) => {
        const tokens = JSON.parse(String(body)) as { id_token?: string };
        void (tokens.id_token ? spoil(tokens.id_token, mode) : Promise.resolve(undefined)).then((idToken) => {
          const text = JSON.stringify(idToken ? { ...tokens, id_token: idToken } : tokens);
          res.setHeader('content-length', Buffer.byteLength(text));
          end(text);
        });
      };
    }
    void handle(req, res);
  });

  return {
    issuer,
    clientId,
    clientSecret,
    next(b) {
      behaviour = b;
    },
    enqueue(...b) {
      queue.push(...b);
    },
    tamper(mode) {
      tampering = mode;
    },
    stop: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
