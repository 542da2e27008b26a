import { createHash, randomBytes } from 'node:crypto';
import { UserAgent } from '../../test/support/user-agent.js';
import { BENCH_REDIRECT_URI, type BenchClient } from '../targets/latchkey.js';

export interface TokenSet { access_token: string; refresh_token?: string; id_token?: string }

/** The endpoints a flow needs, read once from the issuer's discovery document. */
export interface Endpoints { authorization: string; token: string; userinfo: string; introspection: string; jwks: string }

export async function discoverEndpoints(issuer: string): Promise<Endpoints> {
  const doc = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json() as Record<string, string>;
  return { authorization: doc.authorization_endpoint!, token: doc.token_endpoint!, userinfo: doc.userinfo_endpoint!, introspection: doc.introspection_endpoint!, jwks: doc.jwks_uri! };
}

export function basicAuth(client: BenchClient): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}`;
}



/** A distinct client address per flow (TEST-NET-free 10/8), as many browsers behind one trusted proxy. */
let flows = 0;
function nextAddress(): string {
  flows += 1;
  return `10.${(flows >> 16) & 255}.${(flows >> 8) & 255}.${flows & 255}`;
}

/**
 * A complete authorization code flow with PKCE, as a browser and its app run it: authorize → sign-in form →
 * consent (when asked) → code → token. Throws when any step does not answer as it should.
 */
export async function authorizationCodeFlow(options: { endpoints: Endpoints; client: BenchClient; login: string; password: string; signIn: 'latchkey' | 'library'; scope?: string }): Promise<TokenSet> {
  const agent = new UserAgent();
  const verifier = randomBytes(32).toString('base64url');
  const authorize = new URL(options.endpoints.authorization);
  for (const [key, value] of Object.entries({
    client_id: options.client.id, redirect_uri: BENCH_REDIRECT_URI, response_type: 'code', scope: options.scope ?? 'openid email offline_access',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256', state: randomBytes(8).toString('hex'), prompt: 'consent',
  })) authorize.searchParams.set(key, value);
  const headers = { 'x-forwarded-for': nextAddress() };
  let page = await agent.navigate(authorize.toString(), BENCH_REDIRECT_URI);
  page = options.signIn === 'latchkey'
    ? await agent.submit(page, 'form#login-form', { username: options.login, password: options.password }, headers)
    : await agent.submit(page, 'form', { login: options.login, password: options.password });
  page = await agent.follow(page, BENCH_REDIRECT_URI);
  if (!page.location?.startsWith(BENCH_REDIRECT_URI)) {
    page = await agent.follow(await agent.submit(page, options.signIn === 'latchkey' ? 'form#consent-form' : 'form'), BENCH_REDIRECT_URI);
  }
  const code = page.location ? new URL(page.location).searchParams.get('code') : null;
  if (!code) throw new Error(`no code after sign-in (HTTP ${page.status})`);
  const response = await fetch(options.endpoints.token, {
    method: 'POST',
    headers: { authorization: basicAuth(options.client), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: BENCH_REDIRECT_URI, code_verifier: verifier }).toString(),
  });
  if (!response.ok) throw new Error(`token endpoint answered ${response.status}: ${await response.text()}`);
  return await response.json() as TokenSet;
}
