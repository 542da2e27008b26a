import type { TokenSet, Endpoints } from '../flows/authorization-code.js';
import type { BenchClient } from '../targets/latchkey.js';
import type { BenchContext } from './context.js';
import { clientCredentials, get, introspection, refreshRotation, userinfo } from './operations.js';

/** A server as the OAuth scenarios see it, whichever it is (Latchkey, the bare library, Hydra). */
export interface OAuthTarget {
  name: string;
  issuer: string;
  endpoints: Endpoints;
  service: BenchClient;
  /** The scope a client_credentials grant asks for. */
  serviceScope: string;
  app: BenchClient;
  /** Where access tokens are introspected, and with which client's credentials (null: none, Hydra's admin port). */
  introspection: { url: string; client: BenchClient | null };
  /** `count` token sets from complete authorization code flows (with refresh tokens). */
  userTokens(count: number): Promise<TokenSet[]>;
  /** Said beside the userinfo and introspection rows (e.g. an opaque token where the server refuses JWTs). */
  tokenNote?: string;
}

/** Scenarios 1, 3 and 4 on one target. */
export async function runOAuthScenarios(ctx: BenchContext, target: OAuthTarget): Promise<void> {
  ctx.progress(`${target.name}`);
  if (ctx.wants('client-credentials')) {
    await ctx.measure('client-credentials', target.name, clientCredentials(target.endpoints, target.service, target.serviceScope));
  }
  const needsUser = ctx.wants('refresh') || ctx.wants('userinfo') || ctx.wants('introspection');
  const tokens = needsUser ? await target.userTokens(ctx.settings.concurrency) : [];
  if (ctx.wants('refresh')) {
    const chains = tokens.map((t) => t.refresh_token).filter((t): t is string => typeof t === 'string');
    if (chains.length < tokens.length) ctx.record({ scenario: 'refresh', target: target.name, skipped: 'the authorization code flow returned no refresh token' });
    else await ctx.measure('refresh', target.name, refreshRotation(target.endpoints, target.app, chains), { note: 'rotating: each answer replaces the token spent' });
  }
  if (ctx.wants('discovery')) await ctx.measure('discovery', target.name, get(`${target.issuer}/.well-known/openid-configuration`));
  if (ctx.wants('jwks')) await ctx.measure('jwks', target.name, get(target.endpoints.jwks));
  const access = tokens[0]?.access_token;
  if (access && ctx.wants('userinfo')) await ctx.measure('userinfo', target.name, userinfo(target.endpoints, access), target.tokenNote ? { note: target.tokenNote } : {});
  if (access && ctx.wants('introspection')) {
    await ctx.measure('introspection', target.name, introspection(target.introspection.url, target.introspection.client, access), target.tokenNote ? { note: target.tokenNote } : {});
  }
}
