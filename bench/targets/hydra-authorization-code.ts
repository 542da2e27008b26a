import { createHash, randomBytes } from 'node:crypto';

export interface ClientCredentials {
  id: string;
  secret: string;
}

export interface TokenSet {
  access_token: string;
  refresh_token: string;
  id_token?: string;
}

/** The most redirects one flow may take: Hydra → login app → Hydra → consent app → Hydra → redirect URI is 5. */
const MAX_HOPS = 10;

/** `Authorization: Basic` as RFC 6749 §2.3.1 has it (form-encoded id and secret), Hydra's default client auth. */
export function basicAuthorization(client: ClientCredentials): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}`;
}

/** A cookie jar for one flow: name → value, from every hop's Set-Cookie; all of Hydra's cookies have path `/`. */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      if (at <= 0) continue;
      const name = pair.slice(0, at).trim();
      const expired = attributes.some((attribute) => {
        const [key = '', value = ''] = attribute.split('=', 2).map((part) => part.trim().toLowerCase());
        return (key === 'max-age' && Number(value) <= 0) || (key === 'expires' && Date.parse(value) < Date.now());
      });
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(at + 1).trim());
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/**
 * A whole authorization code flow against Hydra, as a browser would make it but with plain fetch: the authorization
 * request (PKCE S256, `state`), each redirect followed by hand (`redirect: 'manual'`) carrying Hydra's CSRF and
 * session cookies between hops, through the login and consent app, until the redirect to `redirectUri`; then the
 * code is exchanged at the token endpoint with the client's secret.
 */
export async function authorizationCodeFlow(options: { publicUrl: string; client: ClientCredentials; redirectUri: string; scope: string }): Promise<TokenSet> {
  const { publicUrl, client, redirectUri, scope } = options;
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const authorize = new URL(`${publicUrl}/oauth2/auth`);
  authorize.search = new URLSearchParams({
    client_id: client.id,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope,
    state,
    nonce: randomBytes(16).toString('base64url'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();

  const jar = new CookieJar();
  let next = authorize;
  let code: string | undefined;
  for (let hop = 0; hop < MAX_HOPS && code === undefined; hop += 1) {
    const cookie = jar.header();
    const response = await fetch(next, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    jar.store(response);
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) {
      throw new Error(`authorization flow stopped at ${next.origin}${next.pathname}: ${response.status} ${(await response.text()).slice(0, 300)}`);
    }
    await response.body?.cancel();
    next = new URL(location, next);
    if (`${next.origin}${next.pathname}` === redirectUri) {
      const error = next.searchParams.get('error');
      if (error) throw new Error(`authorization failed: ${error} ${next.searchParams.get('error_description') ?? ''}`);
      if (next.searchParams.get('state') !== state) throw new Error('authorization response with a wrong state');
      code = next.searchParams.get('code') ?? undefined;
      if (!code) throw new Error('authorization response without a code');
    }
  }
  if (code === undefined) throw new Error(`authorization flow took more than ${MAX_HOPS} redirects`);

  const response = await fetch(`${publicUrl}/oauth2/token`, {
    method: 'POST',
    headers: { authorization: basicAuthorization(client), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }),
  });
  if (!response.ok) throw new Error(`code exchange: ${response.status} ${await response.text()}`);
  const tokens = (await response.json()) as Partial<TokenSet>;
  if (!tokens.access_token || !tokens.refresh_token) throw new Error('code exchange without an access and a refresh token');
  return { access_token: tokens.access_token, refresh_token: tokens.refresh_token, ...(tokens.id_token ? { id_token: tokens.id_token } : {}) };
}
