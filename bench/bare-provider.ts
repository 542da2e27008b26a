import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';
import { createPasswordHasher } from '../src/directory/password-hasher.js';
import { readRawBody, replayRequest } from '../src/http/raw-body.js';

/**
 * The bare library, run as a process of its own by the benchmark (bench/targets/bare-provider.ts): oidc-provider
 * with its in-memory adapter and static clients, issuing what Latchkey issues (RS256 JWT access tokens for an
 * API audience, rotating refresh tokens; bench-reader's opaque ones for userinfo and introspection). Its
 * development interactions stand in for a sign-in page (any login), so an authorization code flow runs through
 * it; every login's password is verified against one argon2id hash at Latchkey's parameters (with Latchkey's
 * hasher), so that a sign-in does the work a real one must. No database, no bridges: this stack's ceiling.
 *
 *   BARE_PORT=4000 BARE_SERVICE_SECRET=… BARE_APP_SECRET=… BARE_REDIRECT_URI=… BARE_PASSWORD=… node dist/bench/bare-provider.js
 */
const port = Number(process.env.BARE_PORT);
const url = `http://127.0.0.1:${port}`;
const audience = 'urn:bench:api';
const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
const configuration: Configuration = {
  scopes: ['openid', 'email', 'offline_access', 'api:read'],
  clients: [
    { client_id: 'bench-service', client_secret: process.env.BARE_SERVICE_SECRET ?? '', grant_types: ['client_credentials'], redirect_uris: [], response_types: [], scope: 'api:read' },
    { client_id: 'bench-app', client_secret: process.env.BARE_APP_SECRET ?? '', grant_types: ['authorization_code', 'refresh_token'], redirect_uris: [process.env.BARE_REDIRECT_URI ?? ''], response_types: ['code'] },
    { client_id: 'bench-reader', client_secret: process.env.BARE_APP_SECRET ?? '', grant_types: ['authorization_code', 'refresh_token'], redirect_uris: [process.env.BARE_REDIRECT_URI ?? ''], response_types: ['code'] },
  ],
  jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'bench', alg: 'RS256', use: 'sig' }] },
  pkce: { required: () => true },
  rotateRefreshToken: true,
  // Refresh tokens for any client asking offline_access with consent (oidc-provider's default asks the
  // client to be granted it in the consent prompt, which the development interactions do).
  issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // Every grant gets RS256 JWT access tokens for the API audience, as Latchkey's do, so a refresh signs
      // two tokens (access and ID) on both. Only bench-reader's tokens stay opaque: they are the ones read at
      // userinfo and introspection, where oidc-provider refuses JWT access tokens.
      defaultResource: (_ctx, client) => (client.clientId === 'bench-reader' ? undefined : audience),
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({ scope: 'api:read', audience, accessTokenFormat: 'jwt', accessTokenTTL: 3600, jwt: { sign: { alg: 'RS256' as const } } }),
    },
  },
  ttl: { AccessToken: 3600, RefreshToken: 30 * 86_400, Grant: 30 * 86_400, Session: 14 * 86_400, Interaction: 3600, AuthorizationCode: 60, IdToken: 3600 },
};
const provider = new Provider(url, configuration);
const handle = provider.callback();
const hasher = createPasswordHasher();
const passwordHash = await hasher.hash(process.env.BARE_PASSWORD ?? '');

/** The development interactions' login form (POST /interaction/:uid, prompt=login): its password verified first. */
async function verifyLoginThenHandle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readRawBody(req, 56 * 1024);
  const form = new URLSearchParams(body.toString('utf8'));
  if (form.get('prompt') === 'login' && !(await hasher.verify(passwordHash, form.get('password') ?? '')).valid) {
    res.writeHead(401, { 'content-type': 'text/plain' }).end('wrong password');
    return;
  }
  await handle(replayRequest(req, body), res);
}

const server = createServer((req, res) => {
  if (req.url === '/readyz') {
    res.writeHead(200).end('ready');
    return;
  }
  if (req.method === 'POST' && /^\/interaction\/[^/?]+$/.test(req.url ?? '')) {
    verifyLoginThenHandle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(400);
      res.end();
    });
    return;
  }
  void handle(req, res);
});
server.listen(port, '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
