import { isIPv4, isIPv6 } from 'node:net';
import type { Context, Next } from 'koa';
import { InvalidRequestError } from '../errors/app-error.js';

/** RFC 3986 §3.2.2 reg-name: unreserved, pct-encoded and sub-delims characters. */
const REG_NAME = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})+$/;

/**
 * Whether a Host header value is `uri-host [ ":" port ]` (RFC 9110 §7.2, RFC 3986 §3.2.2-3): an IPv6
 * literal in brackets, an IPv4 address or a registered name, and a port of at most 65535. An empty value
 * is refused too: Latchkey is always addressed by a name.
 */
export function isValidHostHeader(value: string): boolean {
  const match = /^(\[[^\]]*\]|[^:[\]]*)(?::([0-9]{1,5}))?$/.exec(value);
  if (!match) return false;
  const [, host = '', port] = match;
  if (port !== undefined && Number(port) > 65535) return false;
  if (host.startsWith('[')) return isIPv6(host.slice(1, -1));
  return isIPv4(host) || REG_NAME.test(host);
}

/** The path and query of an absolute-form request target (RFC 9112 §3.2.2); `*` and junk are refused. */
function originForm(target: string): string {
  try {
    const parsed = new URL(target);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return `${parsed.pathname}${parsed.search}`;
  } catch { /* refused below */ }
  throw new InvalidRequestError('the request target is malformed', [{ path: 'target', message: 'must be a path' }]);
}

/**
 * Makes the issuer the only source of Latchkey's own address. oidc-provider builds every absolute URL it
 * emits (discovery, `jwks_uri`, endpoint URLs, the logout form's action, the interaction's return URL)
 * from the request (`OIDCContext.urlFor` resolves against `ctx.href`, which is the protocol and Host, or
 * X-Forwarded-Proto and -Host behind a trusted proxy, or an absolute-form request target). Left alone, a
 * forged header would make discovery advertise an attacker's token endpoint, to a client or to a shared
 * cache.
 *
 * So, before anything else reads the request:
 * - a malformed Host (not `host[:port]`) is refused with 400 `invalid_request`, never a 500 from a URL
 *   parser further down;
 * - the client address is settled first (`ctx.ip`, by `LATCHKEY_TRUST_PROXY` and `LATCHKEY_PROXY_HOPS`;
 *   Koa caches it on the request);
 * - Host, X-Forwarded-Host and X-Forwarded-Proto are replaced by the issuer's, X-Forwarded-For by that
 *   one settled address, and an absolute-form target (`GET http://elsewhere/path`) by its path.
 *
 * oidc-provider then runs with `proxy` on and sees only these headers: its URLs come from the issuer, and
 * its cookies are `Secure` exactly when the issuer is https, whatever the connection or a client claims
 * (behind a TLS-terminating proxy the browser speaks https to the issuer, which is what counts).
 */
export function canonicalOrigin(issuer: string) {
  const url = new URL(issuer);
  const host = url.host;
  const proto = url.protocol.slice(0, -1);
  return async function useIssuerOrigin(ctx: Context, next: Next): Promise<void> {
    const { req } = ctx;
    const given = req.headers.host;
    if (given !== undefined && !isValidHostHeader(given)) {
      throw new InvalidRequestError('the Host header is malformed', [{ path: 'Host', message: 'must be host[:port]' }]);
    }
    const address = ctx.ip;
    req.headers = { ...req.headers, host, 'x-forwarded-host': host, 'x-forwarded-proto': proto, 'x-forwarded-for': address };
    if (req.url !== undefined && !req.url.startsWith('/')) req.url = originForm(req.url);
    await next();
  };
}
