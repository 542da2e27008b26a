import { randomBytes } from 'node:crypto';
import { importJWK, SignJWT } from 'jose';
import type { Queryable } from '../db/database.js';
import type { Logger } from '../lib/logger.js';
import { createOutboundFetch, type OutboundFetch } from '../lib/outbound-http.js';
import type { ModelAtRest } from './model-at-rest.js';
import { findBackchannelClients, listGrantClientIdsByAccountId, listSessionPayloadsByAccountId } from './repositories/logout-target.repository.js';
import type { SigningKeyService } from './signing-keys.js';

/**
 * How long one app may take to answer a logout token. oidc-provider gives its own deliveries (RP-initiated
 * logout) 2.5 s; sign-outs that Latchkey carries out itself get the same budget, so a slow or dead app
 * delays a sign-out by at most this much (apps are told in parallel).
 */
export const BACKCHANNEL_TIMEOUT_MS = 2500;

/** The claim that makes a JWT a logout token (OpenID Connect Back-Channel Logout 1.0 §2.4). */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** One logout token to send: to which app, at which URI, naming which session (when the app wants sids). */
export interface LogoutNotice {
  clientId: string;
  uri: string;
  sid?: string;
}

export interface BackchannelLogout {
  /**
   * Which apps to tell that the account's sessions end, read before they are deleted (inside the caller's
   * transaction): every app with a back-channel URI that the account holds a session authorization or a
   * grant for. An app that asked for `sid` gets one token per session of the account; one that did not gets
   * a single token naming only the account (`sub`), which by §2.4 ends all of the user's sessions there.
   */
  collect(tx: Queryable, accountId: string): Promise<LogoutNotice[]>;
  /** Sends the logout tokens, in parallel. Never throws: an app that fails is logged, not waited for past the timeout. */
  deliver(accountId: string, notices: readonly LogoutNotice[]): Promise<void>;
}

/**
 * The provider's outbound `fetch` (its only outbound calls are back-channel logout deliveries: no
 * `jwks_uri`, `request_uri` or sector identifiers are enabled) through Latchkey's wrapper. The provider's
 * own `dispatcher` option, which refuses private addresses, is dropped: a back-channel URI is registered
 * by the operator, like the object store's endpoint, and apps often live on the private network beside
 * Latchkey.
 */
export function createBackchannelFetch(options: { fetch?: OutboundFetch } = {}): (input: string | URL | Request, init?: RequestInit) => Promise<Response> {
  const outbound = createOutboundFetch({ timeoutMs: BACKCHANNEL_TIMEOUT_MS, blockPrivateAddresses: false, maxResponseBytes: 64 * 1024, ...options });
  return (input, init = {}) => {
    const rest: RequestInit & { dispatcher?: unknown } = { ...init };
    delete rest.dispatcher;
    // oidc-provider always passes the URL as a string; a Request is not something it sends.
    return outbound(input instanceof Request ? input.url : input, rest);
  };
}

/** The session authorizations (client id → sid) of a stored Session payload, once opened. */
function sidsByClient(payload: Record<string, unknown> | undefined): [string, string | undefined][] {
  const authorizations = payload?.authorizations;
  if (!authorizations || typeof authorizations !== 'object') return [];
  return Object.entries(authorizations as Record<string, unknown>).map(([clientId, value]) => {
    const sid = value && typeof value === 'object' ? (value as { sid?: unknown }).sid : undefined;
    return [clientId, typeof sid === 'string' ? sid : undefined];
  });
}

/**
 * Back-channel logout for sign-outs that end sessions outside oidc-provider (global sign-out, disabling
 * or deleting a user, a password change): they delete the provider's rows directly, so the provider never
 * sees them end. The logout token is built as oidc-provider builds its own: signed with the provider's
 * current key, `typ: logout+jwt`, two minutes of validity, no `nonce`.
 */
export function createBackchannelLogout(deps: { issuer: string; keys: SigningKeyService; atRest: ModelAtRest; logger: Logger; fetch?: OutboundFetch }): BackchannelLogout {
  const send = createBackchannelFetch(deps.fetch ? { fetch: deps.fetch } : {});

  async function sign(accountId: string, notice: LogoutNotice): Promise<string> {
    // The default algorithm's signing key comes first in the set.
    const [jwk] = (await deps.keys.load()).privateJwks;
    if (!jwk?.alg) throw new Error('no signing key');
    const key = await importJWK(jwk, jwk.alg);
    return new SignJWT({ events: { [BACKCHANNEL_LOGOUT_EVENT]: {} }, ...(notice.sid ? { sid: notice.sid } : {}) })
      .setProtectedHeader({ alg: jwk.alg, typ: 'logout+jwt', ...(jwk.kid ? { kid: jwk.kid } : {}) })
      .setIssuer(deps.issuer)
      .setAudience(notice.clientId)
      .setSubject(accountId)
      .setIssuedAt()
      .setExpirationTime('2m')
      .setJti(randomBytes(16).toString('base64url'))
      .sign(key);
  }

  async function deliverOne(accountId: string, notice: LogoutNotice): Promise<void> {
    try {
      const response = await send(notice.uri, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ logout_token: await sign(accountId, notice) }),
      });
      // §2.8: the RP answers 200 (or 204) when it logged the user out.
      if (response.status !== 200 && response.status !== 204) throw new Error(`the app answered HTTP ${response.status}`);
      deps.logger.info({ event: 'backchannel_logout.sent', clientId: notice.clientId, userId: accountId }, 'logout token delivered');
    } catch (error) {
      const detail = (error as { detail?: unknown }).detail;
      deps.logger.warn({ event: 'backchannel_logout.failed', clientId: notice.clientId, userId: accountId, err: error, ...(typeof detail === 'string' ? { detail } : {}) }, 'could not deliver a logout token');
    }
  }

  return {
    async collect(tx, accountId) {
      const sessions = (await listSessionPayloadsByAccountId(tx, accountId)).map((stored) => deps.atRest.open('Session', stored));
      const sids = new Map<string, Set<string>>();
      for (const [clientId, sid] of sessions.flatMap(sidsByClient)) {
        const set = sids.get(clientId) ?? new Set<string>();
        if (sid) set.add(sid);
        sids.set(clientId, set);
      }
      const clientIds = new Set([...sids.keys(), ...(await listGrantClientIdsByAccountId(tx, accountId))]);
      const clients = await findBackchannelClients(tx, [...clientIds]);
      return clients.flatMap((client): LogoutNotice[] => {
        const base = { clientId: client.client_id, uri: client.backchannel_logout_uri };
        // An app that needs a sid and had no session here has nothing to end.
        if (client.session_required) return [...(sids.get(client.client_id) ?? [])].map((sid) => ({ ...base, sid }));
        return [base];
      });
    },
    async deliver(accountId, notices) {
      await Promise.all(notices.map((notice) => deliverOne(accountId, notice)));
    },
  };
}
