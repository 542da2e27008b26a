import type { Context } from 'koa';
import { originAllowedForRedirectUris } from '../client-origins.js';

/**
 * CORS for bridged responses, by the same rule as oidc-provider's `clientBasedCORS`: a browser app may
 * read the answer only from an origin of its client's redirect URIs. The client is loaded only when the
 * request carries an Origin (browsers), so server-to-server calls cost no lookup.
 */
export async function allowClientOrigin(ctx: Context, loadClient: () => Promise<{ readonly redirectUris?: readonly string[] | undefined } | undefined>): Promise<void> {
  ctx.vary('Origin');
  const origin = ctx.get('origin');
  if (!origin) return;
  const client = await loadClient();
  if (client && originAllowedForRedirectUris(client.redirectUris, origin)) ctx.set('Access-Control-Allow-Origin', origin);
}
