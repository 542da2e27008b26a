import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { originAllowedForRedirectUris } from '../client-origins.js';

/**
 * CORS for bridged responses, by the same rule as oidc-provider's `clientBasedCORS`: a browser app may
 * read the answer only from an origin of its client's redirect URIs.
 */
export async function allowClientOrigin(ctx: Context, provider: Provider, clientId: string): Promise<void> {
  const origin = ctx.get('origin');
  ctx.vary('Origin');
  if (!origin) return;
  const client = await provider.Client.find(clientId);
  if (client && originAllowedForRedirectUris(client.redirectUris, origin)) ctx.set('Access-Control-Allow-Origin', origin);
}
