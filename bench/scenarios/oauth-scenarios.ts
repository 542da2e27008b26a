import type { TokenSet, Endpoints } from '../flows/authorization-code.js';
import type { BenchClient } from '../targets/latchkey.js';
import type { Operation } from '../load.js';
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
  /** The token set read at userinfo and introspection, where it must come from another client; else one more of userTokens. */
  readerTokens?: () => Promise<TokenSet>;
  /** Said beside the userinfo and introspection rows (an opaque token where a server refuses JWTs, another port). */
  notes?: { userinfo?: string; introspection?: string };
}

/**
 * Queues scenarios 1, 3 and 4 on one target, with the user tokens they read and refresh obtained now; the
 * target keeps serving until the queue has run.
 */
export async function queueOAuthScenarios(ctx: BenchContext, target: OAuthTarget): Promise<void> {
  ctx.progress(`${target.name}`);
  if (ctx.wants('client-credentials')) {
    ctx.measure('client-credentials', target.name, clientCredentials(target.endpoints, target.service, target.serviceScope));
  }
  const needsUser = ctx.wants('refresh') || ctx.wants('userinfo') || ctx.wants('introspection');
  // One chain per worker for the refresh scenario, and one more token set the refreshes never touch: Hydra
  // revokes the access tokens of a refresh token it rotates, which would leave userinfo nothing valid to read.
  const readerTokens = needsUser ? target.readerTokens : undefined;
  const tokens = needsUser ? await target.userTokens(ctx.settings.concurrency + (readerTokens ? 0 : 1)) : [];
  const reader = readerTokens ? await readerTokens() : tokens.pop();
  if (ctx.wants('discovery')) ctx.measure('discovery', target.name, get(`${target.issuer}/.well-known/openid-configuration`));
  if (ctx.wants('jwks')) ctx.measure('jwks', target.name, get(target.endpoints.jwks));
  // The reads come before the refreshes: the bare library's memory adapter keeps its last 1,000 entries only,
  // and tens of thousands of rotations would evict the token read here (userinfo then answered 401 to every
  // request, and introspection `active: false`, in the runs before this order).
  const access = reader?.access_token;
  if (access && ctx.wants('userinfo')) {
    const operation = userinfo(target.endpoints, access);
    const answer = await operation(0);
    await answer?.arrayBuffer();
    if (answer && !answer.ok) ctx.record({ scenario: 'userinfo', target: target.name, skipped: `the token read answered ${answer.status} before the run` });
    else ctx.measure('userinfo', target.name, operation, target.notes?.userinfo ? { note: target.notes.userinfo } : {});
  }
  if (access && ctx.wants('introspection')) {
    const operation = introspection(target.introspection.url, target.introspection.client, access);
    // An inactive answer is a 200 too, and a cheaper one: only a token that introspects as active is measured.
    if (!(await introspectsActive(operation))) ctx.record({ scenario: 'introspection', target: target.name, skipped: 'the token introspected as inactive before the run' });
    else ctx.measure('introspection', target.name, operation, target.notes?.introspection ? { note: target.notes.introspection } : {});
  }
  if (ctx.wants('refresh')) {
    const chains = tokens.map((t) => t.refresh_token).filter((t): t is string => typeof t === 'string');
    if (chains.length < tokens.length) ctx.record({ scenario: 'refresh', target: target.name, skipped: 'the authorization code flow returned no refresh token' });
    else ctx.measure('refresh', target.name, refreshRotation(target.endpoints, target.app, chains), { note: 'rotating: each answer replaces the token spent' });
  }
}

async function introspectsActive(operation: Operation): Promise<boolean> {
  const answer = await operation(0);
  if (!answer?.ok) return false;
  const body = await answer.json().catch(() => null) as { active?: unknown } | null;
  return body?.active === true;
}
