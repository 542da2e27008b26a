import type Provider from 'oidc-provider';
import type { Client } from 'oidc-provider';
import type { Context } from 'koa';
import { InvalidClientError } from '../../errors/app-error.js';

/**
 * Authenticates a client on the token bridges: confidential ones with client_secret_basic or
 * client_secret_post (the methods Latchkey registers), through the provider's own Client model and secret
 * comparison; public ones by client_id alone where `allowPublic` (revocation).
 */
export async function authenticateClient(ctx: Context, provider: Provider, form: Record<string, string>, options: { allowPublic?: boolean } = {}): Promise<{ clientId: string; client: Client }> {
  let clientId: string | undefined;
  let secret: string | undefined;
  const header = ctx.get('authorization');
  if (header) {
    const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header);
    if (!match) throw new InvalidClientError();
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new InvalidClientError();
    try {
      // RFC 6749 §2.3.1: id and secret are form-urlencoded before base64.
      clientId = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
      secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
    } catch {
      throw new InvalidClientError();
    }
    if (form.client_secret !== undefined) throw new InvalidClientError();
  } else {
    clientId = form.client_id;
    secret = form.client_secret;
    // RFC 7009 §2.1: a public client identifies itself with client_id alone.
    if (options.allowPublic && clientId && secret === undefined && clientId.length <= 200) {
      const client = await provider.Client.find(clientId);
      if (client?.clientAuthMethod === 'none') return { clientId, client };
      throw new InvalidClientError();
    }
  }
  if (!clientId || !secret || clientId.length > 200 || secret.length > 512) throw new InvalidClientError();
  const client = await provider.Client.find(clientId);
  if (!client || client.clientAuthMethod === 'none') throw new InvalidClientError();
  if (!(await client.compareClientSecret(secret))) throw new InvalidClientError();
  return { clientId, client };
}
