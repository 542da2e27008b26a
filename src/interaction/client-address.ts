import { isIP } from 'node:net';
import type { Context } from 'koa';

/**
 * The client's IP address, to count sign-in attempts by, or undefined when there is none to trust.
 *
 * Behind a trusted proxy (LATCHKEY_TRUST_PROXY) the address is X-Forwarded-For's entry LATCHKEY_PROXY_HOPS
 * from the right, as Koa picks it. But Koa passes on whatever text that entry holds and, when it is empty,
 * silently falls back to the proxy's own address; and by the time a route runs, the header has been
 * replaced by that settled address (http/canonical-origin.ts). Neither garbage nor the fallback may become
 * a counter: garbage would give every forged value a fresh bucket, and the fallback would lump clients
 * into the proxy's. So the entry is read from the header as received (`rawHeaders`), a port the proxy
 * appended (`1.2.3.4:5678`, `[2001:db8::1]:443`) is dropped, and anything that is not then an IP address
 * is refused. Without a header, the connection's peer is the client (Koa's answer too).
 */
export function clientAddress(ctx: Context): string | undefined {
  const received = ctx.app.proxy ? headerAsReceived(ctx.req.rawHeaders, ctx.app.proxyIpHeader) : undefined;
  if (received === undefined) return parseAddress(ctx.req.socket.remoteAddress ?? '');
  const entries = received.split(',').map((entry) => entry.trim());
  const hops = ctx.app.maxIpsCount > 0 ? ctx.app.maxIpsCount : entries.length;
  return parseAddress(entries.slice(-hops)[0] ?? '');
}

/** A header's value as the client sent it, repeated fields joined as Node joins them; undefined if absent. */
function headerAsReceived(rawHeaders: readonly string[], name: string): string | undefined {
  const values: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() === name.toLowerCase()) values.push(rawHeaders[i + 1]!);
  }
  return values.length ? values.join(', ') : undefined;
}

/** An IP address, optionally with a port (IPv6 then in brackets), as the bare address; else undefined. */
export function parseAddress(value: string): string | undefined {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(value);
  const withPort = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(value);
  const [address, port] = bracketed ? [bracketed[1]!, bracketed[2]] : withPort ? [withPort[1]!, withPort[2]] : [value, undefined];
  if (port !== undefined && Number(port) > 65_535) return undefined;
  const version = isIP(address);
  if (version === 0 || (bracketed && version !== 6)) return undefined;
  return address.toLowerCase();
}
