import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';

/**
 * The bare library for comparison: oidc-provider with its in-memory adapter and static clients, issuing
 * the same kind of tokens (RS256 JWT access tokens for a default audience). No database, no bridges.
 */
export async function startBareProvider(client: { id: string; secret: string }, format: 'jwt' | 'opaque'): Promise<{ url: string; server: Server }> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const configuration: Configuration = {
    scopes: ['openid', 'api:read'],
    clients: [{ client_id: client.id, client_secret: client.secret, grant_types: ['client_credentials'], redirect_uris: [], response_types: [], scope: 'api:read' }],
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'bench', alg: 'RS256', use: 'sig' }] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => url,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ scope: 'api:read', audience: url, accessTokenFormat: format, accessTokenTTL: 3600, ...(format === 'jwt' ? { jwt: { sign: { alg: 'RS256' as const } } } : {}) }),
      },
    },
  };
  const provider = new Provider(url, configuration);
  const handle = provider.callback();
  server.on('request', (req, res) => { void handle(req, res); });
  return { url, server };
}
